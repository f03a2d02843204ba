// The built portals (web/dist) as files to serve in demo mode: request targets resolved to
// files strictly inside the root, with a single-page-app fallback for the portals' routes.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace neo::demo {

struct StaticFile {
  std::filesystem::path path;
  std::string content_type;
  bool immutable = false;  // a content-hashed asset: cacheable for a year
};

std::string content_type_for(const std::filesystem::path& file);

class StaticFiles {
 public:
  // `root` need not exist: then nothing is served (available() is false).
  explicit StaticFiles(const std::filesystem::path& root);

  bool available() const { return !root_.empty(); }
  const std::filesystem::path& root() const { return root_; }

  // The file for a GET of `target`, or nullopt (404). Refused: `.`/`..`/empty segments (so no
  // absolute path either), backslashes, directories, and anything resolving outside the root
  // (a symlink out of it). A missing path under a portal route is index.html.
  std::optional<StaticFile> resolve(std::string_view target) const;

 private:
  std::optional<StaticFile> file_inside(const std::filesystem::path& candidate) const;

  std::filesystem::path root_;  // canonical, or empty
};

}  // namespace neo::demo
