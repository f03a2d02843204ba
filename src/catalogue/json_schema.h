// A JSON Schema (draft 2020-12) compiled once into a flat table of checks, so that validating
// an event on the publish path walks the decoded value without allocating.
//
// Written here rather than taken from a library: the one C++ JSON Schema validator in Debian
// (valijson 1.0) implements drafts 4 and 7 only, has no adapter for simdjson (the parser the
// server already decodes with), allocates per validation (its error context is a vector of
// strings), and as a package pulls Qt 5 and Poco into the build.
//
// The subset is what an event catalogue needs; a schema using any other keyword is refused at
// compile time with the keyword's location, never silently ignored.
//   assertions: type, enum, const, properties, required, additionalProperties, items,
//               minItems, maxItems, minimum, maximum, exclusiveMinimum, exclusiveMaximum,
//               minLength, maxLength, format ("date-time": RFC 3339 in UTC, ending in Z)
//   annotations (accepted, ignored): $schema, $id, $comment, title, description, examples,
//               default, deprecated, readOnly, writeOnly
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace neo::catalogue {

struct SchemaError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// JSON types as a bit set ("number" includes "integer").
namespace json_type {
inline constexpr std::uint8_t null = 1, boolean = 2, object = 4, array = 8, number = 16,
                              integer = 32, string = 64;
}

class CompiledSchema {
 public:
  CompiledSchema();
  ~CompiledSchema();
  CompiledSchema(CompiledSchema&&) noexcept;
  CompiledSchema& operator=(CompiledSchema&&) noexcept;

  // Throws SchemaError ("/properties/status/enum: ...") for what it cannot compile.
  static CompiledSchema compile(simdjson::dom::element schema);

  // nullopt when `value` is valid, else the first problem as "/json/pointer: message".
  std::optional<std::string> validate(simdjson::dom::element value) const;

  // The types allowed for a top-level property (json_type bits; 0 = any or unknown).
  std::uint8_t property_types(std::string_view name) const;
  // Top-level property names, required ones first (for listings and the CLI).
  std::vector<std::string> property_names() const;
  bool property_required(std::string_view name) const;

 private:
  struct Scalar;
  struct Property;
  struct Node;
  class Compiler;
  class Validator;

  std::vector<Node> nodes_;  // nodes_[0] is the root
};

}  // namespace neo::catalogue
