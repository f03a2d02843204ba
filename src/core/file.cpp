#include "core/file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace neo {
namespace {

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};

}  // namespace

std::optional<std::string> read_file(const std::string& path, std::string& out) {
  errno = 0;
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (!file) return std::strerror(errno);
  char buffer[65536];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, file.get())) > 0;)
    out.append(buffer, n);
  if (std::ferror(file.get())) return std::strerror(errno);
  return std::nullopt;
}

}  // namespace neo
