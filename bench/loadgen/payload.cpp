#include "payload.h"

#include <charconv>
#include <cstring>

namespace bench {
namespace {

char* put(char* out, std::string_view text) {
  std::memcpy(out, text.data(), text.size());
  return out + text.size();
}

char* put_number(char* out, uint64_t value) { return std::to_chars(out, out + 20, value).ptr; }

// Reads the digits right after `key` at position pos; advances pos past them.
bool read_field(std::string_view text, size_t& pos, std::string_view key, uint64_t& value) {
  if (text.compare(pos, key.size(), key) != 0) return false;
  pos += key.size();
  const char* begin = text.data() + pos;
  auto [end, ec] = std::from_chars(begin, text.data() + text.size(), value);
  if (ec != std::errc{} || end == begin) return false;
  pos += static_cast<size_t>(end - begin);
  return true;
}

}  // namespace

size_t write_stamp(char* out, const Stamp& stamp, size_t pad_bytes) {
  char* p = put(out, "{\"s\":");
  p = put_number(p, stamp.seq);
  p = put(p, ",\"t\":");
  p = put_number(p, stamp.sent_ns);
  p = put(p, ",\"p\":");
  p = put_number(p, stamp.publisher);
  p = put(p, ",\"k\":");
  p = put_number(p, stamp.step);
  if (pad_bytes > 0) {
    p = put(p, ",\"x\":\"");
    std::memset(p, 'x', pad_bytes);
    p += pad_bytes;
    *p++ = '"';
  }
  *p++ = '}';
  return static_cast<size_t>(p - out);
}

bool parse_stamp(std::string_view text, Stamp& stamp) {
  size_t pos = text.find("{\"s\":");
  if (pos == std::string_view::npos) return false;
  pos += 1;
  uint64_t publisher = 0;
  uint64_t step = 0;
  if (!read_field(text, pos, "\"s\":", stamp.seq) ||
      !read_field(text, pos, ",\"t\":", stamp.sent_ns) ||
      !read_field(text, pos, ",\"p\":", publisher) || !read_field(text, pos, ",\"k\":", step))
    return false;
  stamp.publisher = static_cast<uint32_t>(publisher);
  stamp.step = static_cast<uint32_t>(step);
  return true;
}

}  // namespace bench
