// RequestReader: HTTP/1.x request framing without I/O. Bytes go in, requests come out in two
// steps: first the head, so that the caller can refuse a request (key, method, declared length)
// before a byte of its body is buffered, then, if the caller lets it, the body.
//
// Beast's parser does the parsing; this class adds the framing rules of RFC 9112 that Beast
// leaves to its user, so that two readers of the same bytes (a proxy and us) can never disagree
// on where a request ends: a Transfer-Encoding other than a lone final `chunked`, or any
// Transfer-Encoding on HTTP/1.0, is refused, and so is every parse error. A refusal is final:
// the connection must answer it and close, because the bytes after it cannot be framed.
#pragma once

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>
#include <optional>
#include <string_view>

namespace neo::transport::http {

// Why a request cannot be read. The connection answers `status` and closes.
struct Refusal {
  unsigned status = 400;
  std::string_view reason;  // for the response body and the log; a literal
};

class RequestReader {
 public:
  using Request = boost::beast::http::request<boost::beast::http::string_body>;
  enum class Step {
    need_more,  // every byte given was used: read more and call parse() again
    head,       // head() is complete: call read_body() (or refuse the request)
    request,    // the request is complete: take() it
    refused,    // refusal() says why; sticky
  };

  // `max_header_bytes` bounds the request line and fields; `max_body_bytes` any body.
  RequestReader(std::uint32_t max_header_bytes, std::uint64_t max_body_bytes);

  // Parses from the front of `input`, consuming what it used.
  Step parse(boost::beast::flat_buffer& input);

  // After Step::head.
  const Request& head() const { return parser_->get(); }
  // The body length the head announces; nullopt for a chunked body (known only at its end).
  std::optional<std::uint64_t> declared_length() const;
  // Lets the body be read, up to `limit` bytes; false (and Step::refused from now on, 413)
  // when the declared length is already over it. A chunked body is refused when it gets there.
  bool read_body(std::uint64_t limit);

  // After Step::request: the request, and the reader is ready for the next one.
  Request take();
  // After Step::head of a request the caller answers without reading its body: drops that body
  // as it arrives (never buffering it) and goes on with the next request. Only a declared
  // length of at most `max` bytes can be skipped so; false otherwise (chunked, or larger): the
  // caller must answer and close.
  bool skip_body(std::uint64_t max);

  const Refusal& refusal() const { return refusal_; }
  // Some bytes of a request have arrived but not all of it (a timeout then deserves a 408).
  bool mid_request() const { return started_ || skipping_ > 0; }

 private:
  Step refuse(unsigned status, std::string_view reason);
  Step check_framing();
  void reset();

  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  std::uint32_t max_header_bytes_;
  std::uint64_t max_body_bytes_;
  Refusal refusal_;
  bool refused_ = false;
  bool started_ = false;
  std::uint64_t head_bytes_ = 0;  // of the current request's head, as far as Beast took it
  bool head_seen_ = false;        // Step::head was reported for the current request
  bool body_allowed_ = false;
  std::uint64_t skipping_ = 0;  // body bytes still to drop
};

}  // namespace neo::transport::http
