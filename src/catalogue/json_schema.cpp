#include "catalogue/json_schema.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <limits>
#include <set>

#include "catalogue/date_time.h"

namespace neo::catalogue {

namespace dom = simdjson::dom;

namespace {

constexpr int kAny = -1;                    // additionalProperties absent or true
constexpr int kForbidden = -2;              // additionalProperties: false
constexpr std::size_t kMaxProperties = 64;  // required properties are tracked in a 64-bit mask
constexpr std::size_t kMaxDepth = 32;

const std::set<std::string_view> kAnnotations = {
    "$schema",  "$id",     "$comment",   "title",    "description",
    "examples", "default", "deprecated", "readOnly", "writeOnly"};

std::uint8_t type_bit(std::string_view name) {
  if (name == "null") return json_type::null;
  if (name == "boolean") return json_type::boolean;
  if (name == "object") return json_type::object;
  if (name == "array") return json_type::array;
  if (name == "number") return json_type::number | json_type::integer;
  if (name == "integer") return json_type::integer;
  if (name == "string") return json_type::string;
  return 0;
}

std::string describe_types(std::uint8_t bits) {
  static constexpr std::array<std::pair<std::uint8_t, std::string_view>, 7> kNames = {{
      {json_type::null, "null"},
      {json_type::boolean, "boolean"},
      {json_type::object, "object"},
      {json_type::array, "array"},
      {json_type::number, "number"},
      {json_type::integer, "integer"},
      {json_type::string, "string"},
  }};
  std::string out;
  for (auto [bit, name] : kNames) {
    if (!(bits & bit)) continue;
    if (bit == json_type::integer && (bits & json_type::number)) continue;
    out += out.empty() ? "" : " or ";
    out += name;
  }
  return out;
}

// JSON Schema counts string length in code points; simdjson has checked the UTF-8 already.
std::uint64_t code_points(std::string_view text) {
  std::uint64_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

std::string format_number(double value) { return fmt::format("{}", value); }

}  // namespace

struct CompiledSchema::Scalar {
  std::uint8_t type = 0;  // one json_type bit (integer and number compare alike)
  bool boolean = false;
  double number = 0;
  std::string text;

  bool equals(dom::element value) const;
  std::string describe() const;
};

struct CompiledSchema::Property {
  std::string name;
  int node = kAny;
  bool required = false;
};

struct CompiledSchema::Node {
  std::uint8_t types = 0;  // 0 = any
  bool date_time = false;
  bool is_const = false;  // `values` came from const (one value) rather than enum
  std::vector<Scalar> values;
  std::optional<double> minimum, maximum, exclusive_minimum, exclusive_maximum;
  std::uint64_t min_length = 0, max_length = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t min_items = 0, max_items = std::numeric_limits<std::uint64_t>::max();
  std::vector<Property> properties;
  std::uint64_t required_mask = 0;  // bit i: properties[i] is required
  int additional = kAny;
  int items = kAny;
};

bool CompiledSchema::Scalar::equals(dom::element value) const {
  switch (value.type()) {
    case dom::element_type::NULL_VALUE:
      return type == json_type::null;
    case dom::element_type::BOOL:
      return type == json_type::boolean && value.get_bool().value_unsafe() == boolean;
    case dom::element_type::STRING:
      return type == json_type::string && value.get_string().value_unsafe() == text;
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
    case dom::element_type::DOUBLE:
      return type == json_type::number && value.get_double().value_unsafe() == number;
    default:
      return false;
  }
}

std::string CompiledSchema::Scalar::describe() const {
  switch (type) {
    case json_type::null:
      return "null";
    case json_type::boolean:
      return boolean ? "true" : "false";
    case json_type::string:
      return text;
    default:
      return format_number(number);
  }
}

CompiledSchema::CompiledSchema() = default;
CompiledSchema::~CompiledSchema() = default;
CompiledSchema::CompiledSchema(CompiledSchema&&) noexcept = default;
CompiledSchema& CompiledSchema::operator=(CompiledSchema&&) noexcept = default;

// ---------------------------------------------------------------------------------------------
// Compiling

class CompiledSchema::Compiler {
 public:
  explicit Compiler(std::vector<Node>& nodes) : nodes_(nodes) {}

  int compile(dom::element schema, const std::string& at, std::size_t depth) {
    if (depth > kMaxDepth) fail(at, "nested deeper than 32 levels");
    bool flag;
    if (schema.get(flag) == simdjson::SUCCESS) {
      if (flag) return kAny;
      fail(at, "the schema `false` is not supported (use additionalProperties: false)");
    }
    dom::object obj;
    if (schema.get(obj)) fail(at, "a schema must be an object or true");
    int index = int(nodes_.size());
    nodes_.emplace_back();
    Node node;
    for (auto [key, value] : obj) keyword(node, key, value, at, depth);
    finish_required(node, obj, at);
    nodes_[std::size_t(index)] = std::move(node);
    return index;
  }

 private:
  [[noreturn]] static void fail(const std::string& at, std::string_view what) {
    throw SchemaError((at.empty() ? std::string("/") : at) + ": " + std::string(what));
  }

  void keyword(Node& node, std::string_view key, dom::element value, const std::string& at,
               std::size_t depth) {
    const std::string here = at + "/" + std::string(key);
    if (kAnnotations.count(key)) return;
    if (key == "type") return read_types(node, value, here);
    if (key == "enum") return read_enum(node, value, here);
    if (key == "const") {
      node.is_const = true;
      node.values = {read_scalar(value, here)};
      return;
    }
    if (key == "properties") return read_properties(node, value, here, depth);
    if (key == "required") return;  // after properties: see finish_required
    if (key == "additionalProperties") {
      node.additional = value.is_bool() && !value.get_bool().value_unsafe()
                            ? kForbidden
                            : compile(value, here, depth + 1);
      return;
    }
    if (key == "items") {
      node.items = compile(value, here, depth + 1);
      return;
    }
    if (key == "format") return read_format(node, value, here);
    if (key == "minimum") return void(node.minimum = read_number(value, here));
    if (key == "maximum") return void(node.maximum = read_number(value, here));
    if (key == "exclusiveMinimum") return void(node.exclusive_minimum = read_number(value, here));
    if (key == "exclusiveMaximum") return void(node.exclusive_maximum = read_number(value, here));
    if (key == "minLength") return void(node.min_length = read_count(value, here));
    if (key == "maxLength") return void(node.max_length = read_count(value, here));
    if (key == "minItems") return void(node.min_items = read_count(value, here));
    if (key == "maxItems") return void(node.max_items = read_count(value, here));
    fail(here, "keyword not supported by the server's validator");
  }

  static void read_types(Node& node, dom::element value, const std::string& at) {
    std::string_view one;
    if (value.get(one) == simdjson::SUCCESS) {
      node.types = type_bit(one);
      if (!node.types) fail(at, "unknown type \"" + std::string(one) + "\"");
      return;
    }
    dom::array many;
    if (value.get(many)) fail(at, "must be a type name or a list of them");
    for (dom::element item : many) {
      std::uint8_t bit = item.is_string() ? type_bit(item.get_string().value_unsafe()) : 0;
      if (!bit) fail(at, "must list type names");
      node.types |= bit;
    }
  }

  static Scalar read_scalar(dom::element value, const std::string& at) {
    Scalar s;
    switch (value.type()) {
      case dom::element_type::NULL_VALUE:
        s.type = json_type::null;
        break;
      case dom::element_type::BOOL:
        s.type = json_type::boolean;
        s.boolean = value.get_bool().value_unsafe();
        break;
      case dom::element_type::STRING:
        s.type = json_type::string;
        s.text = std::string(value.get_string().value_unsafe());
        break;
      case dom::element_type::INT64:
      case dom::element_type::UINT64:
      case dom::element_type::DOUBLE:
        s.type = json_type::number;
        s.number = value.get_double().value_unsafe();
        break;
      default:
        fail(at, "only strings, numbers, booleans and null are supported here");
    }
    return s;
  }

  static void read_enum(Node& node, dom::element value, const std::string& at) {
    dom::array list;
    if (value.get(list) || list.size() == 0) fail(at, "must be a non-empty list");
    node.is_const = false;
    node.values.clear();
    for (dom::element item : list) node.values.push_back(read_scalar(item, at));
  }

  void read_properties(Node& node, dom::element value, const std::string& at, std::size_t depth) {
    dom::object props;
    if (value.get(props)) fail(at, "must be an object");
    if (props.size() > kMaxProperties) fail(at, "more than 64 properties");
    for (auto [name, schema] : props) {
      int child = compile(schema, at + "/" + std::string(name), depth + 1);
      node.properties.push_back(Property{std::string(name), child, false});
    }
  }

  static void finish_required(Node& node, dom::object obj, const std::string& at) {
    dom::element value;
    if (obj["required"].get(value)) return;
    dom::array list;
    if (value.get(list)) fail(at + "/required", "must be a list of property names");
    for (dom::element item : list) {
      std::string_view name;
      if (item.get(name)) fail(at + "/required", "must be a list of property names");
      auto it = std::find_if(node.properties.begin(), node.properties.end(),
                             [&](const Property& p) { return p.name == name; });
      if (it == node.properties.end()) {
        if (node.properties.size() == kMaxProperties) fail(at, "more than 64 properties");
        node.properties.push_back(Property{std::string(name), kAny, false});
        it = node.properties.end() - 1;
      }
      it->required = true;
      node.required_mask |= std::uint64_t(1) << (it - node.properties.begin());
    }
  }

  static void read_format(Node& node, dom::element value, const std::string& at) {
    std::string_view name;
    if (value.get(name)) fail(at, "must be a string");
    if (name != "date-time") fail(at, "format \"" + std::string(name) + "\" is not supported");
    node.date_time = true;
  }

  static double read_number(dom::element value, const std::string& at) {
    double number;
    if (!value.is_number() || value.get_double().get(number)) fail(at, "must be a number");
    return number;
  }

  static std::uint64_t read_count(dom::element value, const std::string& at) {
    std::uint64_t count;
    if (value.get_uint64().get(count)) fail(at, "must be a non-negative integer");
    return count;
  }

  std::vector<Node>& nodes_;
};

CompiledSchema CompiledSchema::compile(dom::element schema) {
  CompiledSchema out;
  Compiler(out.nodes_).compile(schema, "", 0);
  if (out.nodes_.empty()) out.nodes_.emplace_back();  // `true`: anything goes
  return out;
}

// ---------------------------------------------------------------------------------------------
// Validating: the path to the value being checked is kept as views into the schema and the
// decoded value, and rendered into a string only when something fails.

class CompiledSchema::Validator {
 public:
  explicit Validator(const std::vector<Node>& nodes) : nodes_(nodes) {}

  bool check(int index, dom::element value) {
    if (index == kAny) return true;
    if (depth_ == path_.size()) return fail("nested too deep");
    const Node& node = nodes_[std::size_t(index)];
    if (node.types && !(node.types & type_of(value)))
      return fail("must be " + describe_types(node.types));
    if (!node.values.empty() && !check_values(node, value)) return false;
    switch (value.type()) {
      case dom::element_type::OBJECT:
        return check_object(node, value.get_object().value_unsafe());
      case dom::element_type::ARRAY:
        return check_array(node, value.get_array().value_unsafe());
      case dom::element_type::STRING:
        return check_string(node, value.get_string().value_unsafe());
      case dom::element_type::INT64:
      case dom::element_type::UINT64:
      case dom::element_type::DOUBLE:
        return check_number(node, double(value.get_double().value_unsafe()));
      default:
        return true;
    }
  }

  std::string take_error() { return std::move(error_); }

 private:
  struct Segment {
    std::string_view key;
    std::size_t index = 0;
    bool is_index = false;
  };

  static std::uint8_t type_of(dom::element value) {
    switch (value.type()) {
      case dom::element_type::NULL_VALUE:
        return json_type::null;
      case dom::element_type::BOOL:
        return json_type::boolean;
      case dom::element_type::OBJECT:
        return json_type::object;
      case dom::element_type::ARRAY:
        return json_type::array;
      case dom::element_type::STRING:
        return json_type::string;
      case dom::element_type::INT64:
      case dom::element_type::UINT64:
        return json_type::number | json_type::integer;
      case dom::element_type::DOUBLE: {
        double d = value.get_double().value_unsafe();
        return std::isfinite(d) && d == std::floor(d) ? json_type::number | json_type::integer
                                                      : json_type::number;
      }
    }
    return 0;
  }

  bool check_values(const Node& node, dom::element value) {
    for (const auto& v : node.values)
      if (v.equals(value)) return true;
    if (node.is_const) return fail("must be " + node.values.front().describe());
    std::string allowed;
    for (const auto& v : node.values) allowed += (allowed.empty() ? "" : ", ") + v.describe();
    return fail("must be one of " + allowed);
  }

  bool check_object(const Node& node, dom::object obj) {
    std::uint64_t seen = 0;
    for (auto field : obj) {
      // Named copies: clang 14 cannot capture structured bindings in a lambda.
      const std::string_view key = field.key;
      const dom::element member = field.value;
      auto it = std::find_if(node.properties.begin(), node.properties.end(),
                             [&](const Property& p) { return p.name == key; });
      int child = node.additional;
      if (it != node.properties.end()) {
        seen |= std::uint64_t(1) << (it - node.properties.begin());
        child = it->node;
      }
      push_key(key);
      if (child == kForbidden) return fail("is not allowed (no such property)");
      if (!check(child, member)) return false;
      pop();
    }
    if (std::uint64_t missing = node.required_mask & ~seen) {
      push_key(node.properties[std::size_t(std::countr_zero(missing))].name);
      return fail("is required");
    }
    return true;
  }

  bool check_array(const Node& node, dom::array list) {
    std::size_t size = list.size();
    if (size < node.min_items)
      return fail(fmt::format("must have at least {} items", node.min_items));
    if (size > node.max_items)
      return fail(fmt::format("must have at most {} items", node.max_items));
    std::size_t i = 0;
    for (dom::element item : list) {
      path_[depth_++] = Segment{{}, i++, true};
      if (!check(node.items, item)) return false;
      pop();
    }
    return true;
  }

  bool check_string(const Node& node, std::string_view text) {
    if (node.min_length > 0 || node.max_length != std::numeric_limits<std::uint64_t>::max()) {
      std::uint64_t length = code_points(text);
      if (length < node.min_length)
        return fail(fmt::format("must have at least {} characters", node.min_length));
      if (length > node.max_length)
        return fail(fmt::format("must have at most {} characters", node.max_length));
    }
    if (node.date_time && !is_utc_date_time(text))
      return fail("must be an RFC 3339 date-time in UTC, e.g. 2026-12-05T10:00:00.000Z");
    return true;
  }

  bool check_number(const Node& node, double number) {
    if (node.minimum && number < *node.minimum)
      return fail("must be >= " + format_number(*node.minimum));
    if (node.maximum && number > *node.maximum)
      return fail("must be <= " + format_number(*node.maximum));
    if (node.exclusive_minimum && number <= *node.exclusive_minimum)
      return fail("must be > " + format_number(*node.exclusive_minimum));
    if (node.exclusive_maximum && number >= *node.exclusive_maximum)
      return fail("must be < " + format_number(*node.exclusive_maximum));
    return true;
  }

  void push_key(std::string_view key) { path_[depth_++] = Segment{key, 0, false}; }
  void pop() { --depth_; }

  bool fail(const std::string& message) {
    error_.clear();
    for (std::size_t i = 0; i < depth_; ++i) {
      error_ += '/';
      if (path_[i].is_index) {
        error_ += std::to_string(path_[i].index);
        continue;
      }
      for (char c : path_[i].key) {  // JSON Pointer escaping (RFC 6901)
        if (c == '~')
          error_ += "~0";
        else if (c == '/')
          error_ += "~1";
        else
          error_ += c;
      }
    }
    // assign(1, '/'): g++ 12 at -O2 warns falsely (-Wrestrict, GCC PR 105329) on = "/".
    if (depth_ == 0) error_.assign(1, '/');
    error_ += ": " + message;
    return false;
  }

  const std::vector<Node>& nodes_;
  std::array<Segment, kMaxDepth + 2> path_{};
  std::size_t depth_ = 0;
  std::string error_;
};

std::optional<std::string> CompiledSchema::validate(dom::element value) const {
  Validator validator(nodes_);
  if (validator.check(0, value)) return std::nullopt;
  return validator.take_error();
}

std::uint8_t CompiledSchema::property_types(std::string_view name) const {
  for (const auto& p : nodes_.front().properties)
    if (p.name == name) return p.node >= 0 ? nodes_[std::size_t(p.node)].types : 0;
  return 0;
}

std::vector<std::string> CompiledSchema::property_names() const {
  std::vector<std::string> names;
  for (bool required : {true, false})
    for (const auto& p : nodes_.front().properties)
      if (p.required == required) names.push_back(p.name);
  return names;
}

bool CompiledSchema::property_required(std::string_view name) const {
  for (const auto& p : nodes_.front().properties)
    if (p.name == name) return p.required;
  return false;
}

}  // namespace neo::catalogue
