// Typed field readers over simdjson DOM objects, shared by the protocol decoder and the server
// API. Each returns false only for a present field of the wrong type; an absent or null field
// leaves `out` untouched and returns true.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace neo::json {

bool read_string(simdjson::dom::object obj, std::string_view key, std::string& out);
bool read_bool(simdjson::dom::object obj, std::string_view key, bool& out);
bool read_u64(simdjson::dom::object obj, std::string_view key, std::uint64_t& out);
bool read_i64(simdjson::dom::object obj, std::string_view key, std::int64_t& out);
// Any JSON value, minified (so it holds no newline).
bool read_raw(simdjson::dom::object obj, std::string_view key, std::string& out);
// An object field; `present` tells whether it was there.
bool read_object(simdjson::dom::object obj, std::string_view key, simdjson::dom::object& out,
                 bool& present);

// A parser per thread, reused for every message that thread decodes.
simdjson::dom::parser& thread_parser();

}  // namespace neo::json
