// JSON output: string escaping and the comma logic of JsonWriter in nested values.
#include <gtest/gtest.h>

#include <string>

#include "core/json_writer.h"

namespace neo {
namespace {

std::string as_json(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

TEST(JsonString, PlainTextIsQuoted) { EXPECT_EQ(as_json("abc"), "\"abc\""); }

TEST(JsonString, EmptyIsTwoQuotes) { EXPECT_EQ(as_json(""), "\"\""); }

TEST(JsonString, EscapesQuoteAndBackslash) { EXPECT_EQ(as_json("a\"b\\c"), R"("a\"b\\c")"); }

TEST(JsonString, ShortEscapesForCommonControls) {
  EXPECT_EQ(as_json("\n\r\t\b\f"), R"("\n\r\t\b\f")");
}

TEST(JsonString, OtherControlsAsU00XX) {
  EXPECT_EQ(as_json(std::string("\x01\x1f\x0b", 3)), R"("\u0001\u001f\u000b")");
  EXPECT_EQ(as_json(std::string(1, '\0')), R"("\u0000")");
}

TEST(JsonString, SpaceAndDelAreNotEscaped) { EXPECT_EQ(as_json(" \x7f"), "\" \x7f\""); }

TEST(JsonString, Utf8PassesThroughByteForByte) {
  EXPECT_EQ(as_json("h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80"),
            "\"h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80\"");
}

TEST(JsonString, SlashIsNotEscaped) { EXPECT_EQ(as_json("a/b"), "\"a/b\""); }

TEST(JsonString, AppendsToExistingText) {
  std::string out = "x=";
  append_json_string(out, "y");
  EXPECT_EQ(out, "x=\"y\"");
}

TEST(JsonWriter, EmptyObjectAndArray) {
  std::string out;
  JsonWriter(out).begin_object().end_object();
  EXPECT_EQ(out, "{}");
  out.clear();
  JsonWriter(out).begin_array().end_array();
  EXPECT_EQ(out, "[]");
}

TEST(JsonWriter, FieldsAreSeparatedByCommas) {
  std::string out;
  JsonWriter(out)
      .begin_object()
      .field("a", "x")
      .field_u64("b", 2)
      .field_bool("c", false)
      .field_raw("d", "{\"k\":1}")
      .end_object();
  EXPECT_EQ(out, R"({"a":"x","b":2,"c":false,"d":{"k":1}})");
}

TEST(JsonWriter, NestedObjectsAndArraysGetCommasOnlyBetweenSiblings) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().key("o").begin_object().field_u64("x", 1).end_object();
  w.key("a").begin_array().number(1).begin_object().end_object().begin_array().end_array();
  w.string("s").end_array();
  w.key("e").begin_object().end_object().field_bool("t", true).end_object();
  EXPECT_EQ(out, R"({"o":{"x":1},"a":[1,{},[],"s"],"e":{},"t":true})");
}

TEST(JsonWriter, ArrayOfObjects) {
  std::string out;
  JsonWriter w(out);
  w.begin_array();
  for (int i = 1; i <= 3; ++i) w.begin_object().field_u64("i", i).end_object();
  w.end_array();
  EXPECT_EQ(out, R"([{"i":1},{"i":2},{"i":3}])");
}

TEST(JsonWriter, NumbersAtTheirLimits) {
  std::string out;
  JsonWriter(out)
      .begin_array()
      .number(0)
      .number(18446744073709551615ULL)
      .number_signed(-9223372036854775807LL - 1)
      .number_signed(-1)
      .end_array();
  EXPECT_EQ(out, "[0,18446744073709551615,-9223372036854775808,-1]");
}

TEST(JsonWriter, KeysAreEscaped) {
  std::string out;
  JsonWriter(out).begin_object().field("k\"\n", "v").end_object();
  EXPECT_EQ(out, R"({"k\"\n":"v"})");
}

TEST(JsonWriter, RawIsInsertedVerbatim) {
  std::string out;
  JsonWriter(out).begin_array().raw("null").raw("[1,2]").raw("\"s\"").end_array();
  EXPECT_EQ(out, R"([null,[1,2],"s"])");
}

TEST(JsonWriter, AppendsAfterExistingText) {
  std::string out = "prefix";
  JsonWriter w(out);
  w.begin_object().end_object();
  EXPECT_EQ(out, "prefix{}");
  EXPECT_EQ(&w.out(), &out);
}

}  // namespace
}  // namespace neo
