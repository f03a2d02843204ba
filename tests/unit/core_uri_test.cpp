#include "core/uri.h"

#include <gtest/gtest.h>

namespace neo {
namespace {

TEST(PercentDecode, DecodesAndRefusesBadEscapes) {
  EXPECT_EQ(percent_decode("/a%20b%2F"), "/a b/");
  EXPECT_EQ(percent_decode("a+b"), "a+b");
  EXPECT_FALSE(percent_decode("/a%2"));
  EXPECT_FALSE(percent_decode("/a%zz"));
  EXPECT_FALSE(percent_decode("/a%00"));
}

TEST(QueryValue, FindsAndDecodesTheNamedParameter) {
  auto target = "/connection/uni_sse?x=1&cf_connect=%7B%22token%22%3A%22a+b%22%7D&y";
  EXPECT_EQ(query_value(target, "cf_connect"), R"({"token":"a b"})");
  EXPECT_EQ(query_value(target, "x"), "1");
  EXPECT_EQ(query_value(target, "y"), "");
  EXPECT_FALSE(query_value(target, "cf"));
  EXPECT_FALSE(query_value("/connection/uni_sse", "cf_connect"));
  EXPECT_FALSE(query_value("/p?cf_connect=%7", "cf_connect"));
}

}  // namespace
}  // namespace neo
