// Random identifiers: UUID v4 client ids, 8-letter epochs, hex secrets.
#include <gtest/gtest.h>

#include <cctype>
#include <set>
#include <string>

#include "core/ids.h"

namespace neo {
namespace {

bool is_lower_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

TEST(RandomUuid, Has36CharsWithDashesAt8_13_18_23) {
  std::string id = random_uuid();
  ASSERT_EQ(id.size(), 36u);
  for (std::size_t i = 0; i < id.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23)
      EXPECT_EQ(id[i], '-') << id;
    else
      EXPECT_TRUE(is_lower_hex(id[i])) << id << " at " << i;
  }
}

TEST(RandomUuid, VersionNibbleIs4AndVariantIs10xx) {
  for (int i = 0; i < 200; ++i) {
    std::string id = random_uuid();
    EXPECT_EQ(id[14], '4') << id;
    EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos) << id;
  }
}

TEST(RandomUuid, Distinct) {
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) ids.insert(random_uuid());
  EXPECT_EQ(ids.size(), 1000u);
}

TEST(RandomEpoch, EightAsciiLetters) {
  for (int i = 0; i < 200; ++i) {
    std::string epoch = random_epoch();
    ASSERT_EQ(epoch.size(), 8u);
    for (char c : epoch) EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) << epoch;
  }
}

TEST(RandomEpoch, UsesBothCasesAndDiffers) {
  std::set<std::string> epochs;
  bool upper = false, lower = false;
  for (int i = 0; i < 200; ++i) {
    std::string epoch = random_epoch();
    for (char c : epoch) (std::isupper(static_cast<unsigned char>(c)) ? upper : lower) = true;
    epochs.insert(epoch);
  }
  EXPECT_TRUE(upper);
  EXPECT_TRUE(lower);
  EXPECT_EQ(epochs.size(), 200u);
}

TEST(RandomSecret, DefaultIs32BytesAs64HexChars) {
  std::string secret = random_secret();
  ASSERT_EQ(secret.size(), 64u);
  for (char c : secret) EXPECT_TRUE(is_lower_hex(c)) << secret;
}

TEST(RandomSecret, LengthFollowsByteCount) {
  EXPECT_EQ(random_secret(0), "");
  EXPECT_EQ(random_secret(1).size(), 2u);
  EXPECT_EQ(random_secret(16).size(), 32u);
  std::string secret = random_secret(7);
  ASSERT_EQ(secret.size(), 14u);
  for (char c : secret) EXPECT_TRUE(is_lower_hex(c)) << secret;
}

TEST(RandomSecret, Distinct) {
  std::set<std::string> secrets;
  for (int i = 0; i < 100; ++i) secrets.insert(random_secret(16));
  EXPECT_EQ(secrets.size(), 100u);
}

}  // namespace
}  // namespace neo
