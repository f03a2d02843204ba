// Fossil deltas: create() then apply() gives the target back, create() writes the exact format
// centrifuge-js's applyDelta decodes, and apply() rejects every malformed delta.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "core/fossil_delta.h"

namespace neo::fossil {
namespace {

using namespace std::string_literals;

// Base-64 digits as the format writes integers.
std::string base64(std::uint64_t value) {
  static constexpr std::string_view kDigits =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz~";
  std::string digits;
  do {
    digits.insert(digits.begin(), kDigits[value & 63]);
    value >>= 6;
  } while (value != 0);
  return digits;
}

// Fossil's checksum the way centrifuge-js computes it: four lanes of byte sums, folded, then the
// tail bytes added high first.
std::uint32_t reference_checksum(std::string_view bytes) {
  std::uint32_t lanes[4] = {0, 0, 0, 0};
  std::size_t full = bytes.size() / 4 * 4;
  for (std::size_t i = 0; i < full; ++i) lanes[i % 4] += static_cast<unsigned char>(bytes[i]);
  std::uint32_t sum = lanes[3] + (lanes[2] << 8) + (lanes[1] << 16) + (lanes[0] << 24);
  for (std::size_t i = full; i < bytes.size(); ++i) {
    sum += std::uint32_t{static_cast<unsigned char>(bytes[i])} << (24 - 8 * (i - full));
  }
  return sum;
}

// `commands` followed by the checksum of `target` and the final ';'.
std::string terminated(std::string_view commands, std::string_view target) {
  return std::string(commands) + base64(reference_checksum(target)) + ";";
}

// A heap copy of exactly `text.size()` bytes: under ASan any read past its end by apply() is an
// error, which a std::string (terminator, spare capacity, small-string buffer) would hide.
class ExactBuffer {
 public:
  explicit ExactBuffer(std::string_view text)
      : bytes_(std::make_unique<char[]>(text.size())), size_(text.size()) {
    std::copy(text.begin(), text.end(), bytes_.get());
  }
  std::string_view view() const { return {bytes_.get(), size_}; }

 private:
  std::unique_ptr<char[]> bytes_;
  std::size_t size_;
};

std::optional<std::string> apply_exact(std::string_view source, std::string_view delta) {
  ExactBuffer exact_source(source);
  ExactBuffer exact_delta(delta);
  return apply(exact_source.view(), exact_delta.view());
}

void expect_round_trip(std::string_view source, std::string_view target) {
  std::string delta = create(source, target);
  std::optional<std::string> applied = apply_exact(source, delta);
  ASSERT_TRUE(applied.has_value()) << "source " << source.size() << " B, target " << target.size()
                                   << " B, delta " << delta.size() << " B";
  EXPECT_TRUE(*applied == target) << "source " << source.size() << " B, target " << target.size()
                                  << " B";
}

std::string random_bytes(std::mt19937& rng, std::size_t size) {
  std::uniform_int_distribution<int> byte(0, 255);
  std::string bytes(size, '\0');
  for (char& c : bytes) c = static_cast<char>(byte(rng));
  return bytes;
}

// Text from a few letters: many short repeats, so hashes collide and matches are ambiguous.
std::string random_text(std::mt19937& rng, std::size_t size) {
  std::uniform_int_distribution<int> letter(0, 3);
  std::string text(size, '\0');
  for (char& c : text) c = static_cast<char>('a' + letter(rng));
  return text;
}

std::size_t random_index(std::mt19937& rng, std::size_t upto) {  // in [0, upto]
  return std::uniform_int_distribution<std::size_t>(0, upto)(rng);
}

// A few random edits: inserts, erasures, overwrites and copies of one part over another.
std::string mutate(std::mt19937& rng, std::string text) {
  int edits = std::uniform_int_distribution<int>(1, 8)(rng);
  for (int i = 0; i < edits; ++i) {
    std::size_t at = random_index(rng, text.size());
    std::size_t length = std::min(random_index(rng, 64), text.size() - at);
    switch (std::uniform_int_distribution<int>(0, 3)(rng)) {
      case 0:
        text.insert(at, random_bytes(rng, random_index(rng, 64)));
        break;
      case 1:
        text.erase(at, length);
        break;
      case 2:
        text.replace(at, length, random_bytes(rng, length));
        break;
      default:
        text.insert(random_index(rng, text.size()), text.substr(at, length));
        break;
    }
  }
  return text;
}

const std::string kAlphabet32 = "0123456789abcdefghijklmnopqrstuv";

// --- Round trips -------------------------------------------------------------------------------

TEST(FossilDeltaRoundTrip, EmptySourceOrTarget) {
  expect_round_trip("", "");
  expect_round_trip("", "some target bytes, longer than one window");
  expect_round_trip("some source bytes, longer than one window", "");
  expect_round_trip("", "x");
  expect_round_trip("x", "");
}

TEST(FossilDeltaRoundTrip, Identical) {
  std::mt19937 rng(1);
  for (std::size_t size : {1u, 15u, 16u, 17u, 31u, 32u, 33u, 1000u, 65536u}) {
    std::string data = random_bytes(rng, size);
    expect_round_trip(data, data);
  }
}

TEST(FossilDeltaRoundTrip, CompletelyDifferent) {
  std::mt19937 rng(2);
  expect_round_trip(random_bytes(rng, 5000), random_bytes(rng, 7000));
  expect_round_trip(std::string(4096, 'a'), std::string(4096, 'b'));
}

TEST(FossilDeltaRoundTrip, PrefixAndSuffix) {
  std::mt19937 rng(3);
  std::string data = random_bytes(rng, 3000);
  expect_round_trip(data, data.substr(0, 1234));  // target is a prefix of the source
  expect_round_trip(data.substr(0, 1234), data);  // source is a prefix of the target
  expect_round_trip(data, data.substr(1234));     // target is a suffix of the source
  expect_round_trip(data.substr(1234), data);     // source is a suffix of the target
  expect_round_trip(data, data + "appended");
  expect_round_trip(data, "prepended" + data);
}

TEST(FossilDeltaRoundTrip, InsertAndDeleteInMiddle) {
  std::mt19937 rng(4);
  std::string data = random_bytes(rng, 4000);
  std::string inserted = data.substr(0, 2001) + "inserted in the middle" + data.substr(2001);
  expect_round_trip(data, inserted);
  expect_round_trip(inserted, data);
}

TEST(FossilDeltaRoundTrip, BinaryBytesIncludingDelimitersAndDigits) {
  std::string all_bytes;
  for (int i = 0; i < 256; ++i) all_bytes += static_cast<char>(i);
  std::string target = all_bytes + "\n@,:;" + "\0\0\0"s + all_bytes.substr(100) + "~_Az09";
  expect_round_trip(all_bytes, target);
  expect_round_trip(target, all_bytes);
  expect_round_trip("", "\0"s);
}

TEST(FossilDeltaRoundTrip, RandomMutationsOfRandomBuffers) {
  std::mt19937 rng(20240601);
  for (int iteration = 0; iteration < 600; ++iteration) {
    std::size_t size = random_index(rng, iteration % 10 == 0 ? 20000 : 2000);
    std::string source = iteration % 2 == 0 ? random_bytes(rng, size) : random_text(rng, size);
    std::string target = mutate(rng, source);
    SCOPED_TRACE("iteration " + std::to_string(iteration));
    expect_round_trip(source, target);
    expect_round_trip(target, source);
    if (HasFatalFailure()) return;
  }
}

// A few MB in each case: a quadratic encoder would not finish in the test's time.
TEST(FossilDeltaRoundTrip, LargeInputs) {
  std::mt19937 rng(5);
  std::string source = random_bytes(rng, 3 << 20);
  std::string target = source;
  for (int i = 0; i < 20; ++i) target[random_index(rng, target.size() - 1)] ^= 0x5a;
  target.insert(1 << 20, "a new part in the middle");
  expect_round_trip(source, target);
  EXPECT_LT(create(source, target).size(), 2000u);

  // One hash bucket holds every block: the candidate limit keeps this linear.
  expect_round_trip(std::string(2 << 20, '\0'), std::string((2 << 20) + 100, '\0'));
  expect_round_trip(random_text(rng, 1 << 20), random_text(rng, 1 << 20));
}

// --- Delta size --------------------------------------------------------------------------------

std::string json_document(int changed_item, const std::string& changed_price) {
  std::string json = "{\"items\":[";
  for (int i = 0; json.size() < 10000; ++i) {
    if (i > 0) json += ',';
    json += "{\"id\":" + std::to_string(i) + ",\"name\":\"item-" + std::to_string(i) +
            "\",\"price\":" + (i == changed_item ? changed_price : std::to_string(i * 7 % 100)) +
            ",\"tags\":[\"red\",\"large\"],\"in_stock\":true}";
  }
  return json + "]}";
}

TEST(FossilDeltaSize, SmallEditToJsonDocumentGivesSmallDelta) {
  std::string before = json_document(60, "42");
  std::string after = json_document(60, "43.5");
  ASSERT_GE(before.size(), 10000u);
  std::string delta = create(before, after);
  EXPECT_LT(delta.size(), 64u) << delta;
  EXPECT_EQ(apply_exact(before, delta), after);
}

TEST(FossilDeltaSize, IdenticalInputIsOneCopy) {
  std::mt19937 rng(6);
  std::string data = random_bytes(rng, 100000);
  std::string delta = create(data, data);
  EXPECT_EQ(delta, terminated(base64(data.size()) + "\n" + base64(data.size()) + "@0,", data));
}

// --- Format ------------------------------------------------------------------------------------

// Expected checksums below were also computed with centrifuge-js's checksum().
TEST(FossilDeltaFormat, ReferenceChecksum) {
  EXPECT_EQ(reference_checksum(""), 0u);
  EXPECT_EQ(reference_checksum("abc"), 1633837824u);
  EXPECT_EQ(reference_checksum("hello moon!"), 1190394587u);
  EXPECT_EQ(base64(1190394587u), "16x~gR");
}

TEST(FossilDeltaFormat, AppliesHandWrittenDelta) {
  // 11 bytes; copy 6 bytes from offset 0; insert 5 bytes; checksum of "hello moon!".
  EXPECT_EQ(apply_exact("hello world", "B\n6@0,5:moon!16x~gR;"), "hello moon!");
  EXPECT_EQ(apply_exact("", "0\n0;"), "");
}

// Fossil and its Go port write an insert even when it is empty: the strict decoder takes it.
TEST(FossilDeltaFormat, AppliesEmptyInsertOfReferenceEncoders) {
  EXPECT_EQ(apply_exact("short", "0\n0:0;"), "");
  EXPECT_EQ(apply_exact("", "0\n0:0;"), "");
  EXPECT_EQ(apply_exact("0123456789abcdef", "3\n3:abc1XObC0;"), "abc");
}

TEST(FossilDeltaFormat, ExactOutputForSmallInputs) {
  EXPECT_EQ(create("", ""), "0\n0;");
  EXPECT_EQ(create("", "abc"), "3\n3:abc1XObC0;");
  // A source shorter than one window gives a single insert.
  EXPECT_EQ(create("short", "target text"), "B\nB:target text~JWRR;");
  // Appended bytes: copy all 32 ('W') source bytes, insert 3; 35 is 'Z'.
  EXPECT_EQ(create(kAlphabet32, kAlphabet32 + "XYZ"), "Z\nW@0,3:XYZE5pRn;");
  // Inserted in the middle: copy 16 ('G') from 0, insert 2, copy 16 from 16; 34 is 'Y'.
  EXPECT_EQ(create(kAlphabet32, "0123456789abcdef++ghijklmnopqrstuv"), "Y\nG@0,2:++G@G,3dxEJf;");
}

TEST(FossilDeltaFormat, IntegersAreBase64WithoutLeadingZeros) {
  std::string target(64 * 64 + 1, 'x');  // 4097 = 1*64^2 + 0*64 + 1
  std::string delta = create("", target);
  EXPECT_EQ(delta.substr(0, 10), "101\n101:xx");
  EXPECT_EQ(delta, terminated("101\n101:" + target, target));
}

// --- Malformed deltas --------------------------------------------------------------------------
// Several of these are accepted by centrifuge-js, which is lenient; apply() must not be.

TEST(FossilDeltaReject, BadIntegers) {
  EXPECT_EQ(apply_exact("", "\n0;"), std::nullopt);           // header without digits
  EXPECT_EQ(apply_exact("hello", "0\n@0,0;"), std::nullopt);  // count without digits
  EXPECT_EQ(apply_exact("hello", "0\n0@,0;"), std::nullopt);  // offset without digits
  EXPECT_EQ(apply_exact("", "\xB0\n\xB0;"), std::nullopt);    // '0' with the high bit
  EXPECT_EQ(apply_exact("", "0\n400000;"), std::nullopt);     // 2^32 wraps to 0
  EXPECT_EQ(apply_exact("", "0\n" + std::string(40, '~') + ";"), std::nullopt);
}

TEST(FossilDeltaReject, HeaderNotEndedByNewline) {
  EXPECT_EQ(apply_exact("hello world", "B,6@0,5:moon!16x~gR;"), std::nullopt);
  EXPECT_EQ(apply_exact("", "0"), std::nullopt);
}

TEST(FossilDeltaReject, CopyNotEndedByComma) {
  EXPECT_EQ(apply_exact("hello world", "B\n6@0.5:moon!16x~gR;"), std::nullopt);
  EXPECT_EQ(apply_exact("hello world", terminated("6\n6@0", "hello ")), std::nullopt);
}

TEST(FossilDeltaReject, CopyOutsideSource) {
  const std::string source = "hello world";
  EXPECT_EQ(apply_exact(source, terminated("6\n6@6,", "world!")), std::nullopt);  // runs past end
  EXPECT_EQ(apply_exact(source, terminated("0\n0@C,", "")), std::nullopt);        // starts past end
  // offset + count wraps to 0 in 32 bits: an overflowing bounds check would pass it.
  EXPECT_EQ(apply_exact(source, terminated("1\n1@3~~~~~,", "h")), std::nullopt);
  EXPECT_EQ(apply_exact("", terminated("1\n1@0,", "\0"s)), std::nullopt);
  // The same copies within bounds are fine.
  EXPECT_EQ(apply_exact(source, terminated("5\n5@6,", "world")), "world");
  EXPECT_EQ(apply_exact(source, terminated("0\n0@B,", "")), "");
}

TEST(FossilDeltaReject, InsertPastEndOfDelta) {
  EXPECT_EQ(apply_exact("", "5\n5:abc"), std::nullopt);
  EXPECT_EQ(apply_exact("", "3\n9:abc" + base64(reference_checksum("abc")) + ";"), std::nullopt);
}

TEST(FossilDeltaReject, OutputLargerThanDeclared) {
  // The checksum matches what a decoder that ignores the declared size would produce.
  EXPECT_EQ(apply_exact("", terminated("2\n3:abc", "abc")), std::nullopt);
  EXPECT_EQ(apply_exact("hello world", terminated("A\nB@0,", "hello world")), std::nullopt);
}

TEST(FossilDeltaReject, OutputLargerThanDeclaredStopsAtTheFirstExcessCommand) {
  // 1 byte declared, then 2048 copies of a 1 MB source: a decoder that checked the size only at
  // the end would first build 2 GB.
  const std::string source(1 << 20, 's');
  std::string delta = "1\n";
  for (int i = 0; i < 2048; ++i) delta += base64(source.size()) + "@0,";
  EXPECT_EQ(apply_exact(source, terminated(delta, "s")), std::nullopt);
}

TEST(FossilDeltaReject, OutputSmallerThanDeclared) {
  EXPECT_EQ(apply_exact("hello world", terminated("C\nB@0,", "hello world")), std::nullopt);
  EXPECT_EQ(apply_exact("", terminated("4\n3:abc", "abc")), std::nullopt);
}

TEST(FossilDeltaReject, ChecksumMismatch) {
  EXPECT_EQ(apply_exact("hello world", "B\n6@0,5:moon!16x~gS;"), std::nullopt);
  EXPECT_EQ(apply_exact("", "0\n1;"), std::nullopt);
}

TEST(FossilDeltaReject, MissingTerminator) {
  EXPECT_EQ(apply_exact("hello world", "B\n6@0,5:moon!"), std::nullopt);        // no checksum
  EXPECT_EQ(apply_exact("hello world", "B\n6@0,5:moon!16x~gR"), std::nullopt);  // no ';'
  EXPECT_EQ(apply_exact("", ""), std::nullopt);
  EXPECT_EQ(apply_exact("", "0\n"), std::nullopt);
}

TEST(FossilDeltaReject, BytesAfterTerminator) {
  EXPECT_EQ(apply_exact("hello world", "B\n6@0,5:moon!16x~gR;x"), std::nullopt);
  EXPECT_EQ(apply_exact("", "0\n0;0;"), std::nullopt);
}

TEST(FossilDeltaReject, UnknownCommand) {
  EXPECT_EQ(apply_exact("hello world", "B\n6#0,5:moon!16x~gR;"), std::nullopt);
  EXPECT_EQ(apply_exact("hello world", "B\n6@0,5\nmoon!16x~gR;"), std::nullopt);
  // Valid but for an empty command "0#": a decoder that skipped unknown commands would accept it.
  EXPECT_EQ(apply_exact("hello world", "B\n6@0,5:moon!0#16x~gR;"), std::nullopt);
}

TEST(FossilDeltaReject, DeclaredSizeNoDeltaCouldReach) {
  EXPECT_EQ(apply_exact("", "3~~~~~\n0;"), std::nullopt);  // 2^32 - 1 bytes
  EXPECT_EQ(apply_exact("hello world", "~~~~\n0;"), std::nullopt);
}

TEST(FossilDeltaReject, EveryProperPrefixOfAValidDelta) {
  std::mt19937 rng(7);
  std::string source = random_text(rng, 3000);
  std::string target = mutate(rng, source);
  std::string delta = create(source, target);
  ASSERT_EQ(apply_exact(source, delta), target);
  for (std::size_t length = 0; length < delta.size(); ++length) {
    EXPECT_EQ(apply_exact(source, delta.substr(0, length)), std::nullopt) << length;
  }
}

TEST(FossilDeltaReject, CorruptedDeltasNeverReadOutOfBounds) {
  std::mt19937 rng(8);
  for (int iteration = 0; iteration < 300; ++iteration) {
    std::string source = random_text(rng, random_index(rng, 500));
    std::string target = mutate(rng, source);
    std::string delta = create(source, target);
    for (int flips = std::uniform_int_distribution<int>(1, 3)(rng); flips > 0; --flips) {
      char& byte = delta[random_index(rng, delta.size() - 1)];
      byte = "0~@,:;\n\xff"[random_index(rng, 7)];
    }
    // Accepted or not, ASan checks that apply() reads only inside both buffers.
    (void)apply_exact(source, delta);
  }
}

}  // namespace
}  // namespace neo::fossil
