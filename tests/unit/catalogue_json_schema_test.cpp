#include <gtest/gtest.h>

#include "catalogue/date_time.h"
#include "catalogue/json_schema.h"

namespace neo::catalogue {
namespace {

namespace dom = simdjson::dom;

CompiledSchema compile(const std::string& schema) {
  dom::parser parser;
  return CompiledSchema::compile(parser.parse(schema).value());
}

// "" when valid, else the validator's message.
std::string check(const CompiledSchema& schema, const std::string& value) {
  dom::parser parser;
  auto problem = schema.validate(parser.parse(value).value());
  return problem ? *problem : "";
}

std::string compile_error(const std::string& schema) {
  try {
    compile(schema);
  } catch (const SchemaError& error) {
    return error.what();
  }
  return "";
}

TEST(JsonSchemaCompile, RefusesWhatItCannotCheckNamingTheKeyword) {
  EXPECT_EQ(compile_error(R"({"properties":{"id":{"type":"string","pattern":"^a"}}})"),
            "/properties/id/pattern: keyword not supported by the server's validator");
  EXPECT_EQ(compile_error(R"({"format":"email"})"), "/format: format \"email\" is not supported");
  EXPECT_EQ(compile_error(R"({"type":"text"})"), "/type: unknown type \"text\"");
  EXPECT_EQ(compile_error(R"({"type":["string", 3]})"), "/type: must list type names");
  EXPECT_EQ(compile_error(R"({"enum":[]})"), "/enum: must be a non-empty list");
  EXPECT_EQ(compile_error(R"({"enum":[{"a":1}]})"),
            "/enum: only strings, numbers, booleans and null are supported here");
  EXPECT_EQ(compile_error(R"({"properties":{"a":false}})"),
            "/properties/a: the schema `false` is not supported (use additionalProperties: "
            "false)");
  EXPECT_EQ(compile_error(R"({"minLength":-1})"), "/minLength: must be a non-negative integer");
  EXPECT_EQ(compile_error(R"({"maximum":"10"})"), "/maximum: must be a number");
  EXPECT_EQ(compile_error(R"({"required":"a"})"), "/required: must be a list of property names");
  EXPECT_EQ(compile_error(R"(3)"), "/: a schema must be an object or true");
  EXPECT_EQ(compile_error(R"({"$id":"x","title":"t","description":"d","examples":[1]})"), "");
}

TEST(JsonSchemaCompile, RefusesSchemasNestedTooDeep) {
  std::string deep = "{}";
  for (int i = 0; i < 40; ++i) deep = R"({"properties":{"a":)" + deep + "}}";
  EXPECT_NE(compile_error(deep).find("nested deeper than 32 levels"), std::string::npos);
}

TEST(JsonSchemaValidate, ChecksTypes) {
  auto s = compile(R"({"type":"string"})");
  EXPECT_EQ(check(s, R"("x")"), "");
  EXPECT_EQ(check(s, "1"), "/: must be string");
  auto many = compile(R"({"type":["string","null"]})");
  EXPECT_EQ(check(many, "null"), "");
  EXPECT_EQ(check(many, "true"), "/: must be null or string");
  auto integer = compile(R"({"type":"integer"})");
  EXPECT_EQ(check(integer, "3"), "");
  EXPECT_EQ(check(integer, "3.0"), "");  // JSON Schema: a number with a zero fraction
  EXPECT_EQ(check(integer, "3.5"), "/: must be integer");
  auto number = compile(R"({"type":"number"})");
  EXPECT_EQ(check(number, "3"), "");
  EXPECT_EQ(check(number, "-3.5e2"), "");
  EXPECT_EQ(check(number, R"("3")"), "/: must be number");
}

TEST(JsonSchemaValidate, ChecksEnumAndConst) {
  auto e = compile(R"({"enum":["info","warning",2,null]})");
  EXPECT_EQ(check(e, R"("warning")"), "");
  EXPECT_EQ(check(e, "2.0"), "");
  EXPECT_EQ(check(e, "null"), "");
  EXPECT_EQ(check(e, R"("Info")"), "/: must be one of info, warning, 2, null");
  auto c = compile(R"({"const":"alert"})");
  EXPECT_EQ(check(c, R"("alert")"), "");
  EXPECT_EQ(check(c, R"("alerts")"), "/: must be alert");
}

TEST(JsonSchemaValidate, ChecksNumberBounds) {
  auto s = compile(R"({"minimum":0,"maximum":100,"exclusiveMinimum":-1,"exclusiveMaximum":100.5})");
  EXPECT_EQ(check(s, "0"), "");
  EXPECT_EQ(check(s, "100"), "");
  EXPECT_EQ(check(s, "100.25"), "/: must be <= 100");
  EXPECT_EQ(check(s, "-0.5"), "/: must be >= 0");
  auto exclusive = compile(R"({"exclusiveMinimum":0,"exclusiveMaximum":1.5})");
  EXPECT_EQ(check(exclusive, "0"), "/: must be > 0");
  EXPECT_EQ(check(exclusive, "1.5"), "/: must be < 1.5");
  EXPECT_EQ(check(exclusive, "1"), "");
  EXPECT_EQ(check(s, R"("not a number")"), "");  // bounds apply to numbers only
}

TEST(JsonSchemaValidate, CountsStringLengthInCodePoints) {
  auto s = compile(R"({"minLength":2,"maxLength":3})");
  EXPECT_EQ(check(s, R"("ab")"), "");
  EXPECT_EQ(check(s, "\"\xC3\xA9\xC3\xA9\xC3\xA9\""), "");  // three 2-byte code points
  EXPECT_EQ(check(s, R"("a")"), "/: must have at least 2 characters");
  EXPECT_EQ(check(s, R"("abcd")"), "/: must have at most 3 characters");
}

TEST(JsonSchemaValidate, ChecksObjectsWithPaths) {
  auto s = compile(R"({
    "type":"object",
    "properties":{
      "id":{"type":"string"},
      "inner":{"type":"object","properties":{"n":{"maximum":5}},"additionalProperties":false},
      "metrics":{"type":"object","additionalProperties":{"type":"number"}}
    },
    "required":["id","extra"],
    "additionalProperties":false})");
  EXPECT_EQ(check(s, R"({"id":"a","extra":1})"), "");
  EXPECT_EQ(check(s, R"({"extra":1})"), "/id: is required");
  EXPECT_EQ(check(s, R"({"id":"a"})"), "/extra: is required");
  EXPECT_EQ(check(s, R"({"id":"a","extra":1,"other":2})"),
            "/other: is not allowed (no such property)");
  EXPECT_EQ(check(s, R"({"id":"a","extra":1,"inner":{"n":6}})"), "/inner/n: must be <= 5");
  EXPECT_EQ(check(s, R"({"id":"a","extra":1,"inner":{"m":1}})"),
            "/inner/m: is not allowed (no such property)");
  EXPECT_EQ(check(s, R"({"id":"a","extra":1,"metrics":{"cpu":1,"a/b~c":"x"}})"),
            "/metrics/a~1b~0c: must be number");
  EXPECT_EQ(check(s, R"([])"), "/: must be object");
}

TEST(JsonSchemaValidate, ChecksArrays) {
  auto s = compile(R"({"type":"array","items":{"type":"string"},"minItems":1,"maxItems":2})");
  EXPECT_EQ(check(s, R"(["a"])"), "");
  EXPECT_EQ(check(s, R"([])"), "/: must have at least 1 items");
  EXPECT_EQ(check(s, R"(["a","b","c"])"), "/: must have at most 2 items");
  EXPECT_EQ(check(s, R"(["a",2])"), "/1: must be string");
}

TEST(JsonSchemaValidate, TrueAcceptsAnything) {
  auto s = compile("true");
  EXPECT_EQ(check(s, R"({"x":[1,{"y":null}]})"), "");
}

TEST(JsonSchemaProperties, DescribeTheTopLevel) {
  auto s = compile(R"({"properties":{"a":{"type":"number"},"b":{"type":"string"},"c":{}},
                       "required":["b"]})");
  EXPECT_EQ(s.property_types("a"), json_type::number | json_type::integer);
  EXPECT_EQ(s.property_types("b"), json_type::string);
  EXPECT_EQ(s.property_types("c"), 0);
  EXPECT_EQ(s.property_types("missing"), 0);
  EXPECT_EQ(s.property_names(), (std::vector<std::string>{"b", "a", "c"}));
  EXPECT_TRUE(s.property_required("b"));
  EXPECT_FALSE(s.property_required("a"));
}

TEST(UtcDateTime, AcceptsRfc3339InUtc) {
  for (const char* ok :
       {"2026-12-05T10:00:00Z", "2026-12-05T10:00:00.123Z", "2026-12-05t10:00:00.123456789z",
        "2024-02-29T23:59:60Z", "2000-02-29T00:00:00Z"})
    EXPECT_TRUE(is_utc_date_time(ok)) << ok;
}

TEST(UtcDateTime, RefusesEverythingElse) {
  for (const char* bad : {"", "2026-12-05", "2026-12-05 10:00:00Z", "2026-12-05T10:00:00",
                          "2026-12-05T10:00:00+01:00", "2026-12-05T10:00:00.Z",
                          "2026-13-05T10:00:00Z", "2026-00-05T10:00:00Z", "2023-02-29T10:00:00Z",
                          "1900-02-29T10:00:00Z", "2026-04-31T10:00:00Z", "2026-12-05T24:00:00Z",
                          "2026-12-05T10:60:00Z", "2026-12-05T10:00:61Z", "2026-12-05T10:00:00ZZ",
                          "2026-1a-05T10:00:00Z", "+2026-12-05T10:00:00Z"})
    EXPECT_FALSE(is_utc_date_time(bad)) << bad;
}

}  // namespace
}  // namespace neo::catalogue
