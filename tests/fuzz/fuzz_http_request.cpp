// The HTTP request path's framing: bytes -> transport::http::RequestReader, driven as
// HttpSession drives it (head judged first; some heads refused, with or without their body
// unread; bodies up to a limit). Invariants:
//   - how the bytes arrive never changes what is read: the same input given at once and in
//     pieces of 1..N bytes yields the same heads, bodies and skips (a reader that depended on
//     the segmentation could be made to disagree with a proxy about where a request ends).
//     Only where reading stops may differ: Beast rejects a malformed field as soon as it sees
//     it when the head is there at once, but waits for the head's end (or the size limit) when
//     the head came in pieces. So when a reading ends in a refusal, what it read must be a
//     prefix of what the other read (and equal when neither was refused);
//   - a body refused from its head is skipped whole, never delivered;
//   - a refusal is final: nothing more is parsed or consumed after it;
//   - a body is never longer than its limit, and is exactly its Content-Length when declared;
//   - what reaches the caller is framed unambiguously: HTTP/1.0 or 1.1, one Host on 1.1, no
//     Transfer-Encoding on 1.0, only a lone `chunked`, never with Content-Length.
//
// Input: [limit][piece] then the bytes. limit % 4 picks the body limit (0, 7, 100, 4096);
// piece % 16 + 1 is the largest piece when the bytes are given in pieces.
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/rfc7230.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "transport/http/request_reader.h"

namespace {

using neo::transport::http::RequestReader;
using Step = RequestReader::Step;
namespace bhttp = boost::beast::http;

constexpr std::uint32_t kMaxHeader = 512;
constexpr std::uint64_t kMaxBody = 1 << 16;

void check_framing(const RequestReader::Request& head, std::optional<std::uint64_t> declared) {
  if (head.version() != 10 && head.version() != 11) neo::fuzz::fail("version passed");
  if (head.version() == 11 && head.count(bhttp::field::host) != 1) neo::fuzz::fail("Host passed");
  std::size_t codings = 0;
  for (const auto& field : head) {
    if (field.name() != bhttp::field::transfer_encoding) continue;
    if (head.version() == 10) neo::fuzz::fail("Transfer-Encoding on HTTP/1.0 passed");
    for (auto coding : bhttp::token_list(field.value())) {
      if (!boost::beast::iequals(coding, "chunked")) neo::fuzz::fail("a coding passed");
      ++codings;
    }
  }
  if (codings > 1) neo::fuzz::fail("chunked twice passed");
  if (codings == 1 && (declared || head.count(bhttp::field::content_length)))
    neo::fuzz::fail("chunked with a length passed");
}

// What one reading of the input produced, as text, to compare two readings.
std::string read_all(std::string_view data, std::size_t max_piece, std::uint64_t limit) {
  RequestReader reader(kMaxHeader, kMaxBody);
  boost::beast::flat_buffer input;
  std::string log;
  std::optional<std::uint64_t> declared;
  std::size_t given = 0;
  for (;;) {
    Step step = reader.parse(input);
    if (step == Step::need_more) {
      if (given == data.size()) break;
      std::size_t n = std::min(max_piece, data.size() - given);
      boost::asio::buffer_copy(input.prepare(n), boost::asio::buffer(data.data() + given, n));
      input.commit(n);
      given += n;
      continue;
    }
    if (step == Step::refused) {
      std::size_t left = input.size();
      if (reader.parse(input) != Step::refused || input.size() != left)
        neo::fuzz::fail("parsing went on after a refusal");
      log += "!";  // refused: what was read before must agree with the other reading
      break;
    }
    if (step == Step::head) {
      const auto& head = reader.head();
      declared = reader.declared_length();
      check_framing(head, declared);
      log += "head " + std::string(head.method_string()) + " " + std::string(head.target()) + "\n";
      // As HttpSession: a target starting with /r is refused from its head.
      if (head.target().starts_with("/r")) {
        if (!reader.skip_body(64)) break;  // answered, then closed: the body is never read
        log += "skipped\n";
        continue;
      }
      if (!reader.read_body(limit)) continue;  // Step::refused next
      continue;
    }
    RequestReader::Request request = reader.take();
    if (request.body().size() > limit) neo::fuzz::fail("a body over its limit");
    if (declared && request.body().size() != *declared) neo::fuzz::fail("body != Content-Length");
    log += "request " + std::to_string(request.body().size()) + " " +
           std::to_string(std::hash<std::string>{}(request.body())) + "\n";
  }
  return log;
}

// Equal, or, where a reading was refused ('!'), a prefix of the other.
bool agree(std::string_view a, std::string_view b) {
  bool a_refused = a.ends_with('!'), b_refused = b.ends_with('!');
  if (!a_refused && !b_refused) return a == b;
  if (a_refused) a.remove_suffix(1);
  if (b_refused) b.remove_suffix(1);
  if (a_refused && (!b_refused || a.size() <= b.size())) return b.starts_with(a);
  return a.starts_with(b);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  neo::fuzz::Input in(data, size);
  constexpr std::uint64_t kLimits[] = {0, 7, 100, 4096};
  const std::uint64_t limit = kLimits[in.byte() % 4];
  const std::size_t max_piece = in.byte() % 16 + 1;
  std::string_view bytes = in.rest();
  std::string whole = read_all(bytes, bytes.size() + 1, limit);
  std::string pieces = read_all(bytes, max_piece, limit);
  if (!agree(whole, pieces))
    neo::fuzz::fail("the reading depends on how the bytes arrive", whole + "--\n" + pieces);
  return 0;
}
