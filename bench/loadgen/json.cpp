#include "json.h"

#include "core/json_writer.h"

#include <cmath>
#include <cstdio>

namespace bench {

std::string json_string(std::string_view text) {
  std::string out;
  neo::append_json_string(out, text);
  return out;
}

std::string json_array(const std::vector<std::string>& raw_items) {
  std::string out = "[";
  for (size_t i = 0; i < raw_items.size(); ++i) {
    if (i > 0) out += ",";
    out += raw_items[i];
  }
  return out + "]";
}

void JsonObject::key(std::string_view k) {
  if (text_.size() > 1) text_ += ",";
  text_ += json_string(k);
  text_ += ":";
}

JsonObject& JsonObject::add(std::string_view k, double value) {
  key(k);
  if (!std::isfinite(value)) {
    text_ += "null";
    return *this;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", value);
  text_ += buf;
  return *this;
}

JsonObject& JsonObject::add(std::string_view k, uint64_t value) {
  key(k);
  text_ += std::to_string(value);
  return *this;
}

JsonObject& JsonObject::add(std::string_view k, bool value) {
  key(k);
  text_ += value ? "true" : "false";
  return *this;
}

JsonObject& JsonObject::add(std::string_view k, std::string_view text) {
  key(k);
  text_ += json_string(text);
  return *this;
}

JsonObject& JsonObject::raw(std::string_view k, std::string_view json) {
  key(k);
  text_ += json;
  return *this;
}

}  // namespace bench
