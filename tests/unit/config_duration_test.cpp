// parse_duration: the accepted forms and the rejected ones.
#include <gtest/gtest.h>

#include "config/loader.h"

namespace neo::config {
namespace {

using namespace std::chrono_literals;

struct Good {
  const char* text;
  Duration expected;
};

class DurationGood : public ::testing::TestWithParam<Good> {};

TEST_P(DurationGood, Parses) {
  auto parsed = parse_duration(GetParam().text);
  ASSERT_TRUE(parsed.has_value()) << GetParam().text;
  EXPECT_EQ(*parsed, GetParam().expected) << GetParam().text;
}

INSTANTIATE_TEST_SUITE_P(
    Table, DurationGood,
    ::testing::Values(Good{"25s", 25s}, Good{"1h", 1h}, Good{"500ms", 500ms}, Good{"1m30s", 90s},
                      Good{"2h45m", 2h + 45min}, Good{"0", 0ms}, Good{"0s", 0ms}, Good{"30", 30s},
                      Good{"007s", 7s}, Good{"1h1m1s1ms", 1h + 1min + 1s + 1ms}, Good{"90m", 90min},
                      Good{"1s500ms", 1500ms},
                      // The largest representable value: INT64_MAX milliseconds.
                      Good{"9223372036854775807ms", Duration(INT64_MAX)},
                      Good{"2562047788015h", Duration(9223372036854000000)}));

class DurationBad : public ::testing::TestWithParam<const char*> {};

TEST_P(DurationBad, Rejected) { EXPECT_FALSE(parse_duration(GetParam()).has_value()); }

INSTANTIATE_TEST_SUITE_P(Table, DurationBad,
                         ::testing::Values("", "-1s", "-5", "+5s", "1d", "1.5s", "s", "ms", "10x",
                                           "5S", " 5s", "5s ", "5 s", "1s2", "1h-1m", "abc", "1us",
                                           // Overflow: of the number, of a product, of the sum.
                                           "99999999999999999999ms", "9223372036854775807",
                                           "2562047788016h", "9223372036854775807ms1ms"));

}  // namespace
}  // namespace neo::config
