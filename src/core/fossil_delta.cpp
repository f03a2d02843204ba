#include "core/fossil_delta.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <vector>

namespace neo::fossil {
namespace {

// Source blocks and target windows are this long (Fossil's NHASH): a shorter match rarely pays
// for its copy command.
constexpr std::size_t kWindow = 16;
// Source blocks tried per target position: bounds the work per target byte on repetitive
// inputs, where one hash bucket holds most blocks (Fossil's own limit).
constexpr int kMaxCandidates = 250;
constexpr std::uint32_t kNoBlock = std::numeric_limits<std::uint32_t>::max();

constexpr std::string_view kDigits =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz~";

unsigned char byte_at(std::string_view bytes, std::size_t index) {
  return static_cast<unsigned char>(bytes[index]);
}

int digit_value(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  if (c == '_') return 36;
  if (c >= 'a' && c <= 'z') return c - 'a' + 37;
  if (c == '~') return 63;
  return -1;
}

void append_int(std::string& out, std::uint32_t value) {
  char digits[6];  // 32 bits take at most 6 base-64 digits
  std::size_t count = 0;
  do {
    digits[count++] = kDigits[value & 63];
    value >>= 6;
  } while (value != 0);
  while (count > 0) out += digits[--count];
}

std::size_t digit_count(std::size_t value) {
  std::size_t count = 1;
  for (; value >= 64; value >>= 6) ++count;
  return count;
}

// Fossil's checksum: the sum modulo 2^32 of the bytes read as big-endian 32-bit words, the last
// word padded with zero bytes.
std::uint32_t checksum(std::string_view bytes) {
  std::uint32_t sum = 0;
  for (std::size_t word_start = 0; word_start < bytes.size(); word_start += 4) {
    std::uint32_t word = 0;
    for (std::size_t i = word_start; i < word_start + 4; ++i) {
      word = (word << 8) | (i < bytes.size() ? byte_at(bytes, i) : 0u);
    }
    sum += word;
  }
  return sum;
}

// ---------------------------------------------------------------------------------------------
// Encoder

// Polynomial hash of a kWindow-byte window (each byte times kBase to the power of its distance
// from the window's end, modulo 2^32) that slides by one byte in O(1). Fossil sums the bytes
// Adler-style instead, which maps low-entropy text (JSON, letters) to so few values that hash
// chains fill with blocks that do not match.
class RollingHash {
 public:
  RollingHash(std::string_view bytes, std::size_t start) {
    for (std::size_t i = start; i < start + kWindow; ++i)
      value_ = value_ * kBase + byte_at(bytes, i);
  }

  void slide(unsigned char leaving, unsigned char entering) {
    value_ = (value_ - leaving * kLeavingWeight) * kBase + entering;
  }

  std::uint32_t value() const { return value_; }

 private:
  static constexpr std::uint32_t kBase = 0x01000193;  // odd, with bits spread out
  static constexpr std::uint32_t kLeavingWeight = [] {
    std::uint32_t weight = 1;
    for (std::size_t i = 1; i < kWindow; ++i) weight *= kBase;
    return weight;
  }();

  std::uint32_t value_ = 0;
};

// The source's blocks (kWindow bytes at each multiple of kWindow) by hash: a chain per bucket,
// highest offset first, so a lookup costs one hash of the target window.
class SourceIndex {
 public:
  explicit SourceIndex(std::string_view source)
      : heads_(source.size() / kWindow, kNoBlock), previous_(heads_.size(), kNoBlock) {
    for (std::uint32_t block = 0; block < heads_.size(); ++block) {
      std::size_t bucket = bucket_of(RollingHash(source, block * kWindow).value());
      previous_[block] = heads_[bucket];
      heads_[bucket] = block;
    }
  }

  bool empty() const { return heads_.empty(); }
  std::uint32_t first(std::uint32_t hash) const { return heads_[bucket_of(hash)]; }
  std::uint32_t next(std::uint32_t block) const { return previous_[block]; }

 private:
  // A polynomial hash's low bits depend only on the bytes' low bits: fold the high ones in.
  std::size_t bucket_of(std::uint32_t hash) const { return (hash ^ (hash >> 16)) % heads_.size(); }

  std::vector<std::uint32_t> heads_;     // bucket -> its last block, or kNoBlock
  std::vector<std::uint32_t> previous_;  // block -> the one before it in its bucket, or kNoBlock
};

struct Match {
  std::size_t target_start;
  std::size_t source_start;
  std::size_t length;
};

// Compares by memcmp in chunks first: on repetitive inputs candidates often share kilobytes.
std::size_t common_prefix(std::string_view a, std::string_view b) {
  constexpr std::size_t kChunk = 64;
  std::size_t limit = std::min(a.size(), b.size());
  std::size_t equal = 0;
  while (equal + kChunk <= limit && std::memcmp(a.data() + equal, b.data() + equal, kChunk) == 0) {
    equal += kChunk;
  }
  a.remove_prefix(equal);
  b.remove_prefix(equal);
  return equal + static_cast<std::size_t>(
                     std::mismatch(a.begin(), a.end(), b.begin(), b.end()).first - a.begin());
}

std::size_t common_suffix(std::string_view a, std::string_view b) {
  return static_cast<std::size_t>(std::mismatch(a.rbegin(), a.rend(), b.rbegin(), b.rend()).first -
                                  a.rbegin());
}

// Delta bytes spent on `match`: its copy command and the header of the literal before it.
std::size_t command_cost(const Match& match, std::size_t literal_length) {
  std::size_t cost = digit_count(match.length) + digit_count(match.source_start) + 2;  // N@O,
  if (literal_length > 0) cost += digit_count(literal_length) + 1;                     // N:
  return cost;
}

class Encoder {
 public:
  Encoder(std::string_view source, std::string_view target)
      : source_(source), target_(target), index_(source) {}

  std::string run() {
    append_int(delta_, static_cast<std::uint32_t>(target_.size()));
    delta_ += '\n';
    std::size_t pending = 0;  // first target byte no command covers yet
    while (!index_.empty() && pending + kWindow <= target_.size()) {
      std::optional<Match> match = next_match(pending);
      if (!match) break;
      emit_literal(pending, match->target_start);
      emit_copy(*match);
      pending = match->target_start + match->length;
    }
    emit_literal(pending, target_.size());
    append_int(delta_, checksum(target_));
    delta_ += ';';
    return std::move(delta_);
  }

 private:
  // Slides a window over the target from `pending` and stops at the first position where some
  // source block gives a match worth a copy command.
  std::optional<Match> next_match(std::size_t pending) const {
    RollingHash hash(target_, pending);
    for (std::size_t position = pending;; ++position) {
      if (std::optional<Match> match = best_match_at(position, pending, hash.value())) return match;
      if (position + kWindow >= target_.size()) return std::nullopt;
      hash.slide(byte_at(target_, position), byte_at(target_, position + kWindow));
    }
  }

  std::optional<Match> best_match_at(std::size_t position, std::size_t pending,
                                     std::uint32_t hash) const {
    std::optional<Match> best;
    int candidates = 0;
    for (std::uint32_t block = index_.first(hash); block != kNoBlock && candidates < kMaxCandidates;
         block = index_.next(block), ++candidates) {
      Match match = extend(block, position, pending);
      // Equal hashes do not mean equal bytes: a short or empty match is not worth a command.
      if (match.length <= command_cost(match, match.target_start - pending)) continue;
      if (!best || match.length > best->length) best = match;
      if (best->target_start + best->length == target_.size()) break;  // covers the rest
    }
    return best;
  }

  // The match through source block `block` and target `position`, grown both ways; backwards
  // only over target bytes still pending.
  Match extend(std::uint32_t block, std::size_t position, std::size_t pending) const {
    std::size_t source_position = std::size_t{block} * kWindow;
    std::size_t forward = common_prefix(source_.substr(source_position), target_.substr(position));
    std::size_t backward = common_suffix(source_.substr(0, source_position),
                                         target_.substr(pending, position - pending));
    return {position - backward, source_position - backward, backward + forward};
  }

  void emit_literal(std::size_t from, std::size_t to) {
    if (from == to) return;
    append_int(delta_, static_cast<std::uint32_t>(to - from));
    delta_ += ':';
    delta_ += target_.substr(from, to - from);
  }

  void emit_copy(const Match& match) {
    append_int(delta_, static_cast<std::uint32_t>(match.length));
    delta_ += '@';
    append_int(delta_, static_cast<std::uint32_t>(match.source_start));
    delta_ += ',';
  }

  std::string_view source_;
  std::string_view target_;
  SourceIndex index_;
  std::string delta_;
};

// ---------------------------------------------------------------------------------------------
// Decoder

// Reads a delta front to back; every read is bounds-checked.
class DeltaReader {
 public:
  explicit DeltaReader(std::string_view delta) : delta_(delta) {}

  bool at_end() const { return position_ == delta_.size(); }

  // One or more base-64 digits whose value fits 32 bits. Stricter than centrifuge-js, which
  // takes no digits as 0 and ignores the high bit of each byte: no encoder writes either.
  std::optional<std::uint32_t> read_int() {
    std::uint64_t value = 0;
    std::size_t start = position_;
    for (; !at_end(); ++position_) {
      int digit = digit_value(byte_at(delta_, position_));
      if (digit < 0) break;
      value = value * 64 + static_cast<std::uint64_t>(digit);
      if (value > std::numeric_limits<std::uint32_t>::max()) return std::nullopt;
    }
    if (position_ == start) return std::nullopt;
    return static_cast<std::uint32_t>(value);
  }

  std::optional<char> read_char() {
    if (at_end()) return std::nullopt;
    return delta_[position_++];
  }

  std::optional<std::string_view> read_bytes(std::size_t count) {
    if (count > delta_.size() - position_) return std::nullopt;
    std::string_view bytes = delta_.substr(position_, count);
    position_ += count;
    return bytes;
  }

 private:
  std::string_view delta_;
  std::size_t position_ = 0;
};

// The most a delta of `delta_size` bytes can produce: a copy command takes at least 4 bytes
// ("1@0,") for at most the whole source; an insert takes more bytes than it produces. A larger
// claimed size (or one above kMaxSize) is rejected before anything is reserved for it.
std::size_t reachable_size(std::size_t source_size, std::size_t delta_size) {
  std::size_t copies = delta_size / 4;
  if (source_size != 0 && copies > kMaxSize / source_size) return kMaxSize;
  return std::min(kMaxSize, delta_size + copies * source_size);
}

struct Output {
  std::string bytes;
  std::size_t declared_size;

  bool has_room_for(std::size_t count) const { return count <= declared_size - bytes.size(); }
};

bool copy_from_source(DeltaReader& reader, std::string_view source, std::size_t count,
                      Output& out) {
  std::optional<std::uint32_t> offset = reader.read_int();
  if (!offset || reader.read_char() != ',') return false;
  if (!out.has_room_for(count)) return false;
  if (*offset > source.size() || count > source.size() - *offset) return false;
  out.bytes += source.substr(*offset, count);
  return true;
}

bool insert_literal(DeltaReader& reader, std::size_t count, Output& out) {
  if (!out.has_room_for(count)) return false;
  std::optional<std::string_view> literal = reader.read_bytes(count);
  if (!literal) return false;
  out.bytes += *literal;
  return true;
}

}  // namespace

std::string create(std::string_view source, std::string_view target) {
  if (source.size() > kMaxSize || target.size() > kMaxSize) {
    throw std::length_error("fossil delta: input larger than kMaxSize");
  }
  return Encoder(source, target).run();
}

std::optional<std::string> apply(std::string_view source, std::string_view delta) {
  DeltaReader reader(delta);
  std::optional<std::uint32_t> declared_size = reader.read_int();
  if (!declared_size || reader.read_char() != '\n') return std::nullopt;
  if (*declared_size > reachable_size(source.size(), delta.size())) return std::nullopt;

  Output out{{}, *declared_size};
  out.bytes.reserve(out.declared_size);
  for (;;) {
    std::optional<std::uint32_t> count = reader.read_int();
    std::optional<char> command = reader.read_char();
    if (!count || !command) return std::nullopt;  // bad integer or no final ';'
    switch (*command) {
      case '@':
        if (!copy_from_source(reader, source, *count, out)) return std::nullopt;
        break;
      case ':':
        if (!insert_literal(reader, *count, out)) return std::nullopt;
        break;
      case ';':  // the count is the target's checksum, and nothing may follow
        if (!reader.at_end() || out.bytes.size() != out.declared_size ||
            checksum(out.bytes) != *count) {
          return std::nullopt;
        }
        return std::move(out.bytes);
      default:
        return std::nullopt;
    }
  }
}

}  // namespace neo::fossil
