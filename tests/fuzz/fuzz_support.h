// Helpers shared by the libFuzzer targets of this folder (see README.md).
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace neo::fuzz {

// A failed invariant: print why (libFuzzer then saves the input as a crash artifact).
[[noreturn]] inline void fail(std::string_view what, std::string_view detail = {}) {
  std::fprintf(stderr, "fuzz invariant violated: %.*s\n", static_cast<int>(what.size()),
               what.data());
  if (!detail.empty())
    std::fprintf(stderr, "  %.*s\n", static_cast<int>(detail.size() > 4096 ? 4096 : detail.size()),
                 detail.data());
  std::abort();
}

// Aborts unless `text` is one valid JSON document (what an encoder promised to write).
inline void require_json(std::string_view what, std::string_view text) {
  static simdjson::dom::parser parser;  // fuzz targets are single-threaded
  simdjson::dom::element root;
  if (parser.parse(text.data(), text.size(), true).get(root) != simdjson::SUCCESS) fail(what, text);
}

// Reads the fuzz input front to back: a few control bytes, then the payload. Reading past
// the end yields zeros / empty strings, so every input is usable.
class Input {
 public:
  Input(const std::uint8_t* data, std::size_t size)
      : rest_(reinterpret_cast<const char*>(data), size) {}

  std::uint8_t byte() {
    if (rest_.empty()) return 0;
    auto b = static_cast<std::uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return b;
  }
  // Up to the next `separator` (consumed) or the end.
  std::string_view until(char separator) {
    auto at = rest_.find(separator);
    std::string_view part = rest_.substr(0, at);
    rest_.remove_prefix(at == std::string_view::npos ? rest_.size() : at + 1);
    return part;
  }
  std::string_view rest() {
    std::string_view all = rest_;
    rest_ = {};
    return all;
  }

 private:
  std::string_view rest_;
};

}  // namespace neo::fuzz
