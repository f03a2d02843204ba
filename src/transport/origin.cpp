#include "transport/origin.h"

#include <algorithm>
#include <cctype>

namespace neo::transport {
namespace {

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

// Case-insensitive glob where '*' matches any run without '/' (an origin has no path, so a '/'
// can only be an attempt to smuggle another host past a wildcard); iterative, one backtrack.
bool glob_match(std::string_view pattern, std::string_view text) {
  std::size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && lower(pattern[p]) == lower(text[t])) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos && text[mark] != '/') {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace

bool origin_allowed(std::string_view origin, const std::vector<std::string>& allowed) {
  if (origin.empty()) return true;  // not a browser
  return std::any_of(allowed.begin(), allowed.end(), [&](const std::string& pattern) {
    return pattern == "*" || glob_match(pattern, origin);
  });
}

}  // namespace neo::transport
