#include "demo/static_files.h"

#include "core/uri.h"

#include <array>
#include <utility>
#include <vector>

namespace neo::demo {

namespace fs = std::filesystem;

namespace {

// The portals' client-side routes: a path under one of these that is not a file is the app.
constexpr std::array<std::string_view, 4> kPortalRoutes = {"admin", "tenant", "certification",
                                                           "login"};

bool is_portal_route(std::string_view first_segment) {
  for (auto route : kPortalRoutes)
    if (first_segment == route) return true;
  return false;
}

// "/a/b" -> {"a", "b"}; nullopt when a segment is empty, "." or "..", or holds a backslash.
std::optional<std::vector<std::string>> segments_of(std::string_view path) {
  std::vector<std::string> out;
  std::size_t at = 1;
  while (at <= path.size()) {
    auto end = path.find('/', at);
    if (end == std::string_view::npos) end = path.size();
    std::string_view segment = path.substr(at, end - at);
    if (segment.empty() || segment == "." || segment == ".." ||
        segment.find('\\') != std::string_view::npos)
      return std::nullopt;
    out.emplace_back(segment);
    at = end + 1;
  }
  return out;
}

bool inside(const fs::path& root, const fs::path& path) {
  auto r = root.begin();
  auto p = path.begin();
  for (; r != root.end(); ++r, ++p)
    if (p == path.end() || *r != *p) return false;
  return true;
}

}  // namespace

std::string content_type_for(const fs::path& file) {
  static const std::pair<std::string_view, std::string_view> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
  };
  std::string extension = file.extension().string();
  for (const auto& [ext, type] : kTypes)
    if (extension == ext) return std::string(type);
  return "application/octet-stream";
}

StaticFiles::StaticFiles(const fs::path& root) {
  std::error_code ec;
  auto canonical = fs::canonical(root, ec);
  if (!ec && fs::is_directory(canonical, ec)) root_ = canonical;
}

std::optional<StaticFile> StaticFiles::resolve(std::string_view target) const {
  if (!available()) return std::nullopt;
  std::string_view raw = target.substr(0, target.find_first_of("?#"));
  auto path = percent_decode(raw);
  if (!path || path->empty() || path->front() != '/') return std::nullopt;
  if (*path == "/") return file_inside(root_ / "index.html");
  auto segments = segments_of(*path);
  if (!segments) return std::nullopt;
  fs::path candidate = root_;
  for (const auto& segment : *segments) candidate /= segment;
  std::error_code ec;
  if (fs::exists(candidate, ec)) return file_inside(candidate);
  // A client-side route of a portal (no extension: a missing asset stays a 404).
  if (is_portal_route(segments->front()) && !fs::path(segments->back()).has_extension())
    return file_inside(root_ / "index.html");
  return std::nullopt;
}

// Only regular files whose real path (symlinks followed) is still under the root.
std::optional<StaticFile> StaticFiles::file_inside(const fs::path& candidate) const {
  std::error_code ec;
  auto real = fs::canonical(candidate, ec);
  if (ec || !fs::is_regular_file(real, ec) || !inside(root_, real)) return std::nullopt;
  bool hashed = inside(root_ / "assets", real);
  return StaticFile{real, content_type_for(real), hashed};
}

}  // namespace neo::demo
