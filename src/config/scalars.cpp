// Scalar parsing (durations, numbers, booleans) shared by YAML decoding and environment
// overrides, plus the problem collector.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>

#include "config/internal.h"
#include "config/loader.h"

namespace neo::config {
namespace {

struct DurationUnit {
  std::string_view name;
  std::int64_t ms;
};
constexpr DurationUnit kDurationUnits[] = {{"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}};

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Consumes leading decimal digits; false when there are none or they overflow.
bool take_number(std::string_view& text, std::int64_t& out) {
  std::size_t n = 0;
  out = 0;
  for (; n < text.size() && is_digit(text[n]); ++n) {
    if (__builtin_mul_overflow(out, 10, &out) || __builtin_add_overflow(out, text[n] - '0', &out))
      return false;
  }
  text.remove_prefix(n);
  return n > 0;
}

std::string_view take_letters(std::string_view& text) {
  std::size_t n = 0;
  while (n < text.size() && is_letter(text[n])) ++n;
  std::string_view unit = text.substr(0, n);
  text.remove_prefix(n);
  return unit;
}

std::optional<std::int64_t> unit_ms(std::string_view name) {
  for (const auto& unit : kDurationUnits)
    if (unit.name == name) return unit.ms;
  return std::nullopt;
}

std::optional<std::string> parse_unsigned(std::string_view text, std::uint64_t max,
                                          std::uint64_t& out) {
  if (text.empty() || !std::all_of(text.begin(), text.end(), is_digit))
    return "expected a non-negative integer";
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec != std::errc{} || end != text.data() + text.size() || out > max)
    return "expected a non-negative integer up to " + std::to_string(max);
  return std::nullopt;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Paths `outer` and `inner` where `inner` is `outer` or lies inside it.
bool within(const std::string& outer, const std::string& inner) {
  if (outer.empty() || outer == inner) return true;
  return inner.size() > outer.size() && inner.starts_with(outer) &&
         (inner[outer.size()] == '.' || inner[outer.size()] == '[');
}

}  // namespace

std::optional<Duration> parse_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::int64_t total = 0;
  bool first = true;
  while (!text.empty()) {
    std::int64_t number = 0;
    if (!take_number(text, number)) return std::nullopt;
    std::string_view unit = take_letters(text);
    if (unit.empty() && first && text.empty()) unit = "s";  // a bare integer means seconds
    auto scale = unit_ms(unit);
    std::int64_t part = 0;
    if (!scale || __builtin_mul_overflow(number, *scale, &part) ||
        __builtin_add_overflow(total, part, &total))
      return std::nullopt;
    first = false;
  }
  return Duration(total);
}

namespace detail {

std::string join_path(const std::string& parent, std::string_view key) {
  return parent.empty() ? std::string(key) : parent + "." + std::string(key);
}

std::string index_path(const std::string& parent, std::size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

void Problems::bad_value(const std::string& where, const std::string& path,
                         const std::string& what) {
  lines_.push_back(where + ": " + what);
  failed_.push_back(path);
}

void Problems::merge(Problems&& other, const std::string& path) {
  if (other.empty()) return;
  lines_.insert(lines_.end(), other.lines_.begin(), other.lines_.end());
  failed_.push_back(path);
}

void Problems::invalid(const std::string& path, const std::string& what) {
  if (overlaps_failed(path)) return;
  auto env = env_.find(path);
  lines_.push_back(path + ": " + what + (env == env_.end() ? "" : " (set by " + env->second + ")"));
}

bool Problems::overlaps_failed(const std::string& path) const {
  return std::any_of(failed_.begin(), failed_.end(), [&](const std::string& failed) {
    return within(failed, path) || within(path, failed);
  });
}

std::optional<std::string> parse_scalar(std::string_view text, std::string& out) {
  out = text;
  return std::nullopt;
}

std::optional<std::string> parse_scalar(std::string_view text, bool& out) {
  struct Word {
    std::string_view text;
    bool value;
  };
  static constexpr Word kWords[] = {{"true", true}, {"false", false}, {"yes", true}, {"no", false},
                                    {"on", true},   {"off", false},   {"1", true},   {"0", false}};
  const std::string word = lower(text);
  for (const auto& w : kWords) {
    if (w.text == word) {
      out = w.value;
      return std::nullopt;
    }
  }
  return expectation(out);
}

std::optional<std::string> parse_scalar(std::string_view text, std::uint32_t& out) {
  std::uint64_t wide = 0;
  auto error = parse_unsigned(text, std::numeric_limits<std::uint32_t>::max(), wide);
  if (!error) out = static_cast<std::uint32_t>(wide);
  return error;
}

std::optional<std::string> parse_scalar(std::string_view text, std::uint64_t& out) {
  return parse_unsigned(text, std::numeric_limits<std::uint64_t>::max(), out);
}

std::optional<std::string> parse_scalar(std::string_view text, double& out) {
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() ||
      !std::isfinite(value))
    return expectation(out);
  out = value;
  return std::nullopt;
}

std::optional<std::string> parse_scalar(std::string_view text, Duration& out) {
  auto value = parse_duration(text);
  if (!value) return expectation(out);
  out = *value;
  return std::nullopt;
}

std::string expectation(const std::string&) { return "expected a string"; }
std::string expectation(const bool&) { return "expected true or false"; }
std::string expectation(const std::uint32_t&) { return "expected a non-negative integer"; }
std::string expectation(const std::uint64_t&) { return "expected a non-negative integer"; }
std::string expectation(const double&) { return "expected a number"; }
std::string expectation(const Duration&) { return "expected a duration like 25s"; }

std::string quoted(std::string_view text) {
  constexpr std::size_t kMax = 60;
  std::string out = "\"";
  for (char c : text.substr(0, kMax)) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", static_cast<unsigned char>(c));
      out += hex;
    } else {
      out += c;
    }
  }
  out += text.size() > kMax ? "...\"" : "\"";
  return out;
}

std::string format_duration(Duration d) {
  std::int64_t ms = d.count();
  if (ms == 0) return "0s";
  if (ms % 1000 != 0) return std::to_string(ms) + "ms";
  std::string out;
  for (const auto& unit : {kDurationUnits[3], kDurationUnits[2], kDurationUnits[1]}) {
    if (ms >= unit.ms) out += std::to_string(ms / unit.ms) + std::string(unit.name);
    ms %= unit.ms;
  }
  return out;
}

}  // namespace detail
}  // namespace neo::config
