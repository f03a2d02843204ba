// The catalogue files compiled into the binary (generated from schemas/ at build time).
#pragma once

#include <span>
#include <string_view>

namespace neo::catalogue {

struct EmbeddedFile {
  std::string_view path;  // relative to schemas/, e.g. "events/alert.schema.json"
  std::string_view text;
};

std::span<const EmbeddedFile> embedded_files();

}  // namespace neo::catalogue
