// Reading a whole file: config files, PEM keys, the event catalogue, the demo's static files.
#pragma once

#include <optional>
#include <string>

namespace neo {

// Appends the file's bytes to `out`; nullopt on success, else why it could not be read.
std::optional<std::string> read_file(const std::string& path, std::string& out);

}  // namespace neo
