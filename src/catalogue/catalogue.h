// The event catalogue: which event types exist (one compiled JSON Schema each) and which of
// them may be published on which channels. Built into the binary from schemas/; a
// `catalogue_file` in the config replaces it. Immutable once loaded, shared by every thread.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "catalogue/json_schema.h"

namespace neo::catalogue {

struct CatalogueError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct EventType {
  std::string name;  // the `type` field's value
  std::string title;
  std::string description;
  std::string schema_path;  // as named in the catalogue file
  CompiledSchema schema;
};

struct ChannelRule {
  std::string pattern;             // '*' matches any run of characters
  std::vector<std::size_t> types;  // indexes into Catalogue::types()
  std::string publisher;           // informational
};

class Catalogue {
 public:
  // Reads a file named in the catalogue (relative path) or returns nullopt.
  using Reader = std::function<std::optional<std::string>(const std::string& relative_path)>;

  // The catalogue built into the binary.
  static std::shared_ptr<const Catalogue> builtin();
  // catalogue.json at `path`, schema paths relative to its folder. Throws CatalogueError.
  static std::shared_ptr<const Catalogue> from_file(const std::string& path);
  // `file` when it is set (the config's catalogue_file), else the built-in one.
  static std::shared_ptr<const Catalogue> load(const std::string& file);
  // From the catalogue's text and a way to read the schemas it names. Throws CatalogueError.
  static std::shared_ptr<const Catalogue> parse(std::string_view catalogue_json,
                                                const Reader& read);

  // nullopt when `data` (JSON text) is an event allowed on `channel`; else the first problem,
  // e.g. "/progress: must be <= 100". Allocates only when it reports a problem (and when its
  // thread's parser first grows to a new size).
  std::optional<std::string> check(std::string_view channel, std::string_view data) const;

  const std::vector<EventType>& types() const { return types_; }
  const std::vector<ChannelRule>& channels() const { return channels_; }
  const EventType* find(std::string_view type) const;
  // The first rule for `channel`, or nullptr.
  const ChannelRule* rule_for(std::string_view channel) const;

 private:
  std::vector<EventType> types_;
  std::vector<ChannelRule> channels_;
};

}  // namespace neo::catalogue
