// Minimal JSON output: appends to a std::string. Raw values (publication data, info) are
// inserted verbatim; they were validated and minified when they came in.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace neo {

// Appends `text` as a JSON string literal (quotes included).
void append_json_string(std::string& out, std::string_view text);

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& begin_object() { return open('{'); }
  JsonWriter& end_object() { return close('}'); }
  JsonWriter& begin_array() { return open('['); }
  JsonWriter& end_array() { return close(']'); }

  JsonWriter& key(std::string_view name);
  JsonWriter& string(std::string_view value);
  JsonWriter& raw(std::string_view json);  // an already-encoded JSON value
  JsonWriter& number(std::uint64_t value);
  JsonWriter& number_signed(std::int64_t value);
  JsonWriter& boolean(bool value);

  // Convenience: "name":value pairs.
  JsonWriter& field(std::string_view name, std::string_view value) {
    return key(name).string(value);
  }
  JsonWriter& field_raw(std::string_view name, std::string_view json) {
    return key(name).raw(json);
  }
  JsonWriter& field_u64(std::string_view name, std::uint64_t value) {
    return key(name).number(value);
  }
  JsonWriter& field_bool(std::string_view name, bool value) { return key(name).boolean(value); }

  std::string& out() { return out_; }

 private:
  JsonWriter& open(char bracket);
  JsonWriter& close(char bracket);
  void separate();

  std::string& out_;
  bool need_comma_ = false;
};

}  // namespace neo
