#include "catalogue/catalogue.h"

#include <simdjson.h>

#include <filesystem>

#include "catalogue/embedded.h"
#include "core/file.h"
#include "core/pattern.h"

namespace neo::catalogue {

namespace dom = simdjson::dom;

namespace {

[[noreturn]] void fail(const std::string& where, const std::string& what) {
  throw CatalogueError(where + ": " + what);
}

std::string_view string_field(dom::object obj, std::string_view key) {
  std::string_view text;
  return obj[key].get(text) == simdjson::SUCCESS ? text : std::string_view();
}

EventType load_type(std::string_view name, dom::element path_value, const Catalogue::Reader& read) {
  const std::string where = "catalogue.json: /events/" + std::string(name);
  std::string_view path;
  if (path_value.get(path) || path.empty()) fail(where, "must be the path of a JSON Schema");
  auto text = read(std::string(path));
  if (!text) fail(where, "cannot read " + std::string(path));
  dom::parser parser;
  dom::element schema;
  if (auto error = parser.parse(*text).get(schema))
    fail(std::string(path), std::string("not JSON: ") + simdjson::error_message(error));
  EventType type;
  type.name = std::string(name);
  type.schema_path = std::string(path);
  try {
    type.schema = CompiledSchema::compile(schema);
  } catch (const SchemaError& error) {
    fail(std::string(path), error.what());
  }
  dom::object obj;
  if (schema.get(obj) == simdjson::SUCCESS) {
    type.title = std::string(string_field(obj, "title"));
    type.description = std::string(string_field(obj, "description"));
  }
  return type;
}

ChannelRule load_rule(dom::element item, std::size_t index,
                      const std::function<const EventType*(std::string_view)>& find,
                      const std::vector<EventType>& types) {
  const std::string where = "catalogue.json: /channels/" + std::to_string(index);
  dom::object obj;
  if (item.get(obj)) fail(where, "must be an object {pattern, types, publisher?}");
  ChannelRule rule;
  for (auto [key, value] : obj) {
    if (key == "pattern" || key == "publisher") {
      std::string_view text;
      if (value.get(text) || text.empty()) fail(where + "/" + std::string(key), "must be a string");
      (key == "pattern" ? rule.pattern : rule.publisher) = std::string(text);
    } else if (key == "types") {
      dom::array list;
      if (value.get(list) || list.size() == 0) fail(where + "/types", "must be a non-empty list");
      for (dom::element t : list) {
        std::string_view name;
        const EventType* type = t.get(name) == simdjson::SUCCESS ? find(name) : nullptr;
        if (!type) fail(where + "/types", "names an event type not in /events");
        rule.types.push_back(std::size_t(type - types.data()));
      }
    } else {
      fail(where + "/" + std::string(key), "unknown key");
    }
  }
  if (rule.pattern.empty() || rule.types.empty()) fail(where, "needs pattern and types");
  return rule;
}

}  // namespace

std::shared_ptr<const Catalogue> Catalogue::parse(std::string_view catalogue_json,
                                                  const Reader& read) {
  dom::parser parser;
  dom::object root;
  if (auto error = parser.parse(catalogue_json.data(), catalogue_json.size()).get(root))
    fail("catalogue.json", std::string("not a JSON object: ") + simdjson::error_message(error));
  auto out = std::make_shared<Catalogue>();
  dom::object events;
  dom::array channels;
  if (root["events"].get(events)) fail("catalogue.json: /events", "must be an object");
  if (root["channels"].get(channels)) fail("catalogue.json: /channels", "must be a list");
  for (auto [key, value] : root)
    if (key != "events" && key != "channels" && key != "description" && key != "$schema")
      fail("catalogue.json: /" + std::string(key), "unknown key");
  for (auto [name, path] : events) {
    if (name.empty()) fail("catalogue.json: /events", "an event type needs a name");
    out->types_.push_back(load_type(name, path, read));
  }
  auto find = [&](std::string_view name) { return out->find(name); };
  std::size_t index = 0;
  for (dom::element item : channels)
    out->channels_.push_back(load_rule(item, index++, find, out->types_));
  return out;
}

std::shared_ptr<const Catalogue> Catalogue::builtin() {
  static const std::shared_ptr<const Catalogue> compiled = [] {
    auto read = [](const std::string& path) -> std::optional<std::string> {
      for (const auto& file : embedded_files())
        if (file.path == path) return std::string(file.text);
      return std::nullopt;
    };
    auto text = read("catalogue.json");
    if (!text) throw CatalogueError("the built-in catalogue is missing catalogue.json");
    return parse(*text, read);
  }();
  return compiled;
}

std::shared_ptr<const Catalogue> Catalogue::from_file(const std::string& path) {
  auto slurp = [](const std::filesystem::path& file) -> std::optional<std::string> {
    std::string text;
    if (read_file(file.string(), text)) return std::nullopt;
    return text;
  };
  auto text = slurp(path);
  if (!text) throw CatalogueError(path + ": cannot read the file");
  const auto folder = std::filesystem::path(path).parent_path();
  try {
    return parse(*text, [&](const std::string& relative) { return slurp(folder / relative); });
  } catch (const CatalogueError& error) {
    throw CatalogueError(path + ": " + error.what());
  }
}

std::shared_ptr<const Catalogue> Catalogue::load(const std::string& file) {
  return file.empty() ? builtin() : from_file(file);
}

const EventType* Catalogue::find(std::string_view type) const {
  for (const auto& t : types_)
    if (t.name == type) return &t;
  return nullptr;
}

const ChannelRule* Catalogue::rule_for(std::string_view channel) const {
  for (const auto& rule : channels_)
    if (match_pattern(rule.pattern, channel)) return &rule;
  return nullptr;
}

std::optional<std::string> Catalogue::check(std::string_view channel, std::string_view data) const {
  // Its own parser: the caller may still be reading a DOM from the thread's request parser.
  thread_local dom::parser parser;
  const ChannelRule* rule = rule_for(channel);
  if (!rule) return "channel " + std::string(channel) + " has no event types in the catalogue";
  dom::element root;
  if (parser.parse(data.data(), data.size()).get(root)) return "/: must be JSON";
  dom::object obj;
  if (root.get(obj)) return "/: must be object";
  dom::element type_value;
  if (obj["type"].get(type_value)) return "/type: is required";
  std::string_view type;
  if (type_value.get(type)) return "/type: must be string";
  for (std::size_t index : rule->types)
    if (types_[index].name == type) return types_[index].schema.validate(root);
  std::string allowed;
  for (std::size_t index : rule->types)
    allowed += (allowed.empty() ? "" : ", ") + types_[index].name;
  return "/type: must be one of " + allowed + " on " + rule->pattern;
}

}  // namespace neo::catalogue
