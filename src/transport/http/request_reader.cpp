#include "transport/http/request_reader.h"

#include <algorithm>

#include <boost/beast/http/error.hpp>
#include <boost/beast/http/rfc7230.hpp>

namespace neo::transport::http {

namespace beast = boost::beast;
namespace bhttp = beast::http;

namespace {

Refusal refusal_for(beast::error_code ec) {
  if (ec == bhttp::error::header_limit) return {431, "request header fields too large"};
  if (ec == bhttp::error::body_limit) return {413, "request body too large"};
  if (ec == bhttp::error::bad_content_length) return {400, "bad Content-Length"};
  if (ec == bhttp::error::multiple_content_length) return {400, "conflicting Content-Length"};
  if (ec == bhttp::error::bad_transfer_encoding) return {400, "bad Transfer-Encoding"};
  // Beast reports both a malformed and an unsupported version (anything but 1.x) this way.
  if (ec == bhttp::error::bad_version) return {505, "HTTP version not supported"};
  return {400, "malformed request"};
}

// What the Transfer-Encoding fields of a head say, all of them taken as one list.
struct Codings {
  bool present = false;
  unsigned chunked = 0;  // how many times `chunked` appears
  bool chunked_last = false;
  bool others = false;
};

Codings transfer_codings(const RequestReader::Request& head) {
  Codings c;
  for (const auto& field : head) {
    if (field.name() != bhttp::field::transfer_encoding) continue;
    c.present = true;
    for (auto coding : bhttp::token_list(field.value())) {
      bool chunked = beast::iequals(coding, "chunked");
      c.chunked += chunked ? 1 : 0;
      c.others |= !chunked;
      c.chunked_last = chunked;
    }
  }
  return c;
}

}  // namespace

RequestReader::RequestReader(std::uint32_t max_header_bytes, std::uint64_t max_body_bytes)
    : max_header_bytes_(max_header_bytes), max_body_bytes_(max_body_bytes) {
  reset();
}

void RequestReader::reset() {
  parser_.emplace();
  parser_->header_limit(max_header_bytes_);
  // No limit while the head is read, or Beast would answer an oversized Content-Length (413)
  // before the caller has judged the key (401); read_body() sets the limit.
  parser_->body_limit(boost::none);
  parser_->eager(false);  // stop after the head, so the caller judges it before the body
  started_ = false;
  head_bytes_ = 0;
  head_seen_ = false;
  body_allowed_ = false;
}

RequestReader::Step RequestReader::parse(beast::flat_buffer& input) {
  if (refused_) return Step::refused;
  for (;;) {
    if (skipping_ > 0) {
      if (input.size() == 0) return Step::need_more;
      std::size_t n = std::min<std::uint64_t>(skipping_, input.size());
      input.consume(n);
      skipping_ -= n;
      continue;
    }
    if (parser_->is_header_done() && !head_seen_) {
      head_seen_ = true;
      return check_framing();
    }
    if (head_seen_ && !body_allowed_) return Step::head;  // the caller has not decided yet
    if (parser_->is_done()) return Step::request;
    if (input.size() == 0) return Step::need_more;
    // Boost 1.81's chunk parser asserts (BOOST_ASSERT(n >= 5), basic_parser.ipp) when the
    // last-chunk line was seen and it is then given fewer than 5 bytes, as a client sending
    // byte by byte makes it: found by fuzz_http_request. A chunked body's remaining framing
    // is always at least 5 bytes ("0\r\n\r\n"), so waiting for 5 never stalls a request.
    if (parser_->chunked() && input.size() < 5) return Step::need_more;
    started_ = true;
    beast::error_code ec;
    const bool in_head = !parser_->is_header_done();
    std::size_t used = parser_->put(input.data(), ec);
    input.consume(used);
    // Beast bounds the start line and the fields each on their own when the head arrives at
    // once, but the whole head when it arrives in pieces: one rule for the whole head here.
    if (in_head) head_bytes_ += used;
    if (!ec && parser_->is_header_done() && head_bytes_ > max_header_bytes_)
      return refuse(431, "request header fields too large");
    if (ec == bhttp::error::need_more) return Step::need_more;
    if (ec) {
      refusal_ = refusal_for(ec);
      refused_ = true;
      return Step::refused;
    }
  }
}

// RFC 9112 §6.1, §6.3: the framing rules Beast leaves to its user.
RequestReader::Step RequestReader::check_framing() {
  const Request& head = parser_->get();
  if (head.version() != 10 && head.version() != 11)
    return refuse(505, "HTTP version not supported");
  if (head.version() == 11 && head.count(bhttp::field::host) != 1)
    return refuse(400, "exactly one Host field required");
  Codings codings = transfer_codings(head);
  if (!codings.present) return Step::head;
  if (head.version() == 10) return refuse(400, "Transfer-Encoding in an HTTP/1.0 request");
  if (head.count(bhttp::field::content_length) != 0)
    return refuse(400, "both Transfer-Encoding and Content-Length");
  if (!codings.chunked_last || codings.chunked != 1)
    return refuse(400, "Transfer-Encoding must end with one chunked");
  if (codings.others) return refuse(501, "transfer coding not implemented");
  return Step::head;
}

RequestReader::Step RequestReader::refuse(unsigned status, std::string_view reason) {
  refusal_ = {status, reason};
  refused_ = true;
  return Step::refused;
}

std::optional<std::uint64_t> RequestReader::declared_length() const {
  if (parser_->chunked()) return std::nullopt;
  return parser_->content_length().value_or(0);
}

bool RequestReader::read_body(std::uint64_t limit) {
  limit = std::min(limit, max_body_bytes_);
  auto declared = declared_length();
  // Beast checks a Content-Length against its body limit only while parsing the head.
  if (declared && *declared > limit) return refuse(413, "request body too large") == Step::head;
  body_allowed_ = true;
  parser_->body_limit(limit);
  parser_->eager(true);
  return true;
}

RequestReader::Request RequestReader::take() {
  Request request = parser_->release();
  reset();
  return request;
}

bool RequestReader::skip_body(std::uint64_t max) {
  auto declared = declared_length();
  if (!declared || *declared > max) return false;
  reset();
  skipping_ = *declared;
  return true;
}

}  // namespace neo::transport::http
