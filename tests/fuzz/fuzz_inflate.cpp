// permessage-deflate from arbitrary bytes: `inflate_message` on them as a client's compressed
// payload must end ok, too_big or corrupt and never hand back more than its limit; and the same
// bytes as a message must come back unchanged through deflate_message and inflate_message.
#include <cstdint>
#include <string>

#include "fuzz_support.h"
#include "transport/websocket/deflate.h"

using namespace neo::transport::websocket;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::size_t limit = size ? 1 + data[0] * 64 : 1;
  std::string out;
  inflate_message(input, limit, out);
  if (out.size() > limit) neo::fuzz::fail("inflate_message passed its limit", input);

  int level = size ? 1 + data[size - 1] % 9 : 1;
  std::string compressed = deflate_message(input, level);
  if (inflate_message(compressed, size, out) != InflateResult::ok || out != input)
    neo::fuzz::fail("deflate/inflate round trip", input);
  return 0;
}
