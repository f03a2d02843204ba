#include "core/pattern.h"

namespace neo {

bool match_pattern(std::string_view pattern, std::string_view text) {
  // Greedy scan remembering only the last '*': a later star supersedes earlier ones, so
  // this is O(|pattern| * |text|) at worst and never recurses.
  std::size_t p = 0, t = 0;
  std::size_t star = std::string_view::npos, star_text = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_text = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++star_text;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace neo
