#include "core/json_read.h"

#include <limits>

namespace neo::json {

namespace dom = simdjson::dom;

namespace {
bool present_value(dom::object obj, std::string_view key, dom::element& value) {
  return !obj[key].get(value) && !value.is_null();
}
}  // namespace

dom::parser& thread_parser() {
  thread_local dom::parser parser;
  return parser;
}

bool read_string(dom::object obj, std::string_view key, std::string& out) {
  dom::element value;
  if (!present_value(obj, key, value)) return true;
  std::string_view text;
  if (value.get(text)) return false;
  out.assign(text);
  return true;
}

bool read_bool(dom::object obj, std::string_view key, bool& out) {
  dom::element value;
  if (!present_value(obj, key, value)) return true;
  return !value.get(out);
}

bool read_u64(dom::object obj, std::string_view key, std::uint64_t& out) {
  dom::element value;
  if (!present_value(obj, key, value)) return true;
  if (value.is_uint64()) return !value.get(out);
  return false;  // negative, fractional or not a number
}

bool read_i64(dom::object obj, std::string_view key, std::int64_t& out) {
  dom::element value;
  if (!present_value(obj, key, value)) return true;
  if (value.is_int64()) return !value.get(out);
  if (value.is_uint64()) {  // beyond int64: callers clamp anyway
    out = std::numeric_limits<std::int64_t>::max();
    return true;
  }
  return false;
}

bool read_raw(dom::object obj, std::string_view key, std::string& out) {
  dom::element value;
  if (!present_value(obj, key, value)) return true;
  out = simdjson::minify(value);
  return true;
}

bool read_object(dom::object obj, std::string_view key, dom::object& out, bool& present) {
  dom::element value;
  present = present_value(obj, key, value);
  if (!present) return true;
  return !value.get(out);
}

}  // namespace neo::json
