#include "cli/event_builder.h"

#include <simdjson.h>

#include <chrono>
#include <ctime>
#include <set>

#include "core/json_writer.h"

namespace neo::cli {

namespace dom = simdjson::dom;
using catalogue::json_type::array;
using catalogue::json_type::boolean;
using catalogue::json_type::integer;
using catalogue::json_type::number;
using catalogue::json_type::object;

namespace {

std::string utc_now() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
  std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
  return std::string(text) + "." + std::to_string(1000 + ms.count()).substr(1) + "Z";
}

// The field's JSON text, typed by what the schema allows for it.
std::optional<std::string> field_json(const catalogue::CompiledSchema& schema,
                                      const std::string& name, const std::string& text,
                                      std::string& error) {
  const std::uint8_t types = schema.property_types(name);
  if (!(types & (number | integer | boolean | object | array))) {
    std::string quoted;
    JsonWriter(quoted).string(text);
    return quoted;
  }
  dom::parser parser;
  dom::element value;
  const bool parsed = parser.parse(text).get(value) == simdjson::SUCCESS;
  const bool fits =
      parsed && ((value.is_number() && (types & (number | integer))) ||
                 (value.is_bool() && (types & boolean)) ||
                 (value.is_object() && (types & object)) || (value.is_array() && (types & array)));
  if (fits) return simdjson::minify(value);
  const char* expected = (types & (number | integer)) ? "a number"
                         : (types & boolean)          ? "true or false"
                         : (types & object)           ? "a JSON object"
                                                      : "a JSON array";
  error = "--field " + name + ": expected " + expected + ", got \"" + text + "\"";
  return std::nullopt;
}

// The pattern with each '*' that follows "tenant:" or "user:" filled in, or "" when a '*' has
// no value to take.
std::string fill_pattern(const std::string& pattern, const EventRequest& request) {
  std::string out;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '*') {
      out += pattern[i];
      continue;
    }
    const std::string& value = out.ends_with("tenant:") ? request.tenant
                               : out.ends_with("user:") ? request.user
                                                        : std::string();
    if (value.empty()) return "";
    out += value;
  }
  return out;
}

// The first catalogue channel for the type that the request can fill; a request naming a
// tenant or user wants a channel of theirs, not a fixed one.
std::string pick_channel(const catalogue::Catalogue& catalogue, const EventRequest& request) {
  const bool personal = !request.tenant.empty() || !request.user.empty();
  for (const auto& rule : catalogue.channels()) {
    bool allowed = false;
    for (std::size_t index : rule.types) allowed |= catalogue.types()[index].name == request.type;
    if (!allowed) continue;
    if (personal && rule.pattern.find('*') == std::string::npos) continue;
    std::string channel = fill_pattern(rule.pattern, request);
    if (!channel.empty()) return channel;
  }
  return "";
}

std::string describe_types(std::uint8_t types) {
  if (types & (number | integer)) return "number";
  if (types & boolean) return "boolean";
  if (types & object) return "object";
  if (types & array) return "array";
  return "string";
}

}  // namespace

std::optional<BuiltEvent> build_event(const catalogue::Catalogue& catalogue,
                                      const EventRequest& request, std::string& error) {
  const catalogue::EventType* type = catalogue.find(request.type);
  if (!type) {
    error = "--event: no event type \"" + request.type +
            "\" in the catalogue (see `neo-events events`)";
    return std::nullopt;
  }
  BuiltEvent out;
  out.channel = request.channel.empty() ? pick_channel(catalogue, request) : request.channel;
  if (out.channel.empty()) {
    error = "--event " + request.type +
            ": no catalogue channel can be filled in; give --tenant, "
            "--user or --channel";
    return std::nullopt;
  }
  std::set<std::string> given;
  JsonWriter w(out.data);
  w.begin_object().field("type", request.type);
  for (const auto& field : request.fields) {
    auto eq = field.find('=');
    std::string name = field.substr(0, eq);
    if (eq == std::string::npos || name.empty() || name == "type" || !given.insert(name).second) {
      error =
          "--field \"" + field + "\": expected name=value, each name once (the type is --event)";
      return std::nullopt;
    }
    auto json = field_json(type->schema, name, field.substr(eq + 1), error);
    if (!json) return std::nullopt;
    w.field_raw(name, *json);
  }
  if (!given.count("tenantId") && !request.tenant.empty() &&
      type->schema.property_types("tenantId") != 0)
    w.field("tenantId", request.tenant);
  if (!given.count("timestamp")) w.field("timestamp", utc_now());
  w.end_object();
  if (auto problem = catalogue.check(out.channel, out.data)) {
    error = "invalid event for " + out.channel + ": " + *problem;
    return std::nullopt;
  }
  return out;
}

std::string describe_catalogue(const catalogue::Catalogue& catalogue) {
  std::string out;
  for (const auto& type : catalogue.types()) {
    out += type.name + (type.description.empty() ? "" : ": " + type.description) + "\n";
    out += "  fields:";
    for (const auto& name : type.schema.property_names()) {
      if (name == "type") continue;
      out += " " + name + (type.schema.property_required(name) ? "*" : "") + ":" +
             describe_types(type.schema.property_types(name));
    }
    out += "\n  channels:";
    for (const auto& rule : catalogue.channels())
      for (std::size_t index : rule.types)
        if (catalogue.types()[index].name == type.name) out += " " + rule.pattern;
    out += "\n";
  }
  out += "(* = required; timestamp defaults to now with `neo-events publish --event`)\n";
  return out;
}

}  // namespace neo::cli
