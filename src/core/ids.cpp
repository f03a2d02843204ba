#include "core/ids.h"

#include <cstdint>
#include <random>

namespace neo {
namespace {

std::mt19937_64& generator() {
  // Seeded once per thread from the OS; ids need uniqueness, not secrecy.
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return engine;
}

constexpr char kHex[] = "0123456789abcdef";

}  // namespace

std::string random_uuid() {
  std::uint64_t hi = generator()(), lo = generator()();
  hi = (hi & ~0xF000ULL) | 0x4000ULL;                         // version 4
  lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // variant 10
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 32; ++i) {
    std::uint64_t word = i < 16 ? hi : lo;
    int shift = 60 - 4 * (i % 16);
    out.push_back(kHex[(word >> shift) & 0xF]);
    if (i == 7 || i == 11 || i == 15 || i == 19) out.push_back('-');
  }
  return out;
}

std::string random_epoch() {
  static constexpr char kLetters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  std::uniform_int_distribution<int> pick(0, 51);
  std::string out(8, 'a');
  for (auto& c : out) c = kLetters[pick(generator())];
  return out;
}

std::string random_secret(std::size_t bytes) {
  // Secrets must be unpredictable: use the OS source directly.
  std::random_device device;
  std::string out;
  out.reserve(bytes * 2);
  for (std::size_t i = 0; i < bytes; ++i) {
    unsigned value = device() & 0xFF;
    out.push_back(kHex[value >> 4]);
    out.push_back(kHex[value & 0xF]);
  }
  return out;
}

}  // namespace neo
