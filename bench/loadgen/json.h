// A flat JSON object writer for results: enough for numbers, strings and nested raw values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bench {

std::string json_string(std::string_view text);  // quoted and escaped
std::string json_array(const std::vector<std::string>& raw_items);

class JsonObject {
 public:
  JsonObject& add(std::string_view key, double value);
  JsonObject& add(std::string_view key, uint64_t value);
  JsonObject& add(std::string_view key, bool value);
  JsonObject& add(std::string_view key, uint32_t value) { return add(key, uint64_t{value}); }
  JsonObject& add(std::string_view key, std::string_view text);
  // Without this a string literal would pick the bool overload.
  JsonObject& add(std::string_view key, const char* text) {
    return add(key, std::string_view(text));
  }
  JsonObject& raw(std::string_view key, std::string_view json);
  std::string str() const { return text_ + "}"; }

 private:
  void key(std::string_view k);
  std::string text_ = "{";
};

}  // namespace bench
