// RequestReader: HTTP/1.x framing, sans I/O. The rules that keep a proxy and us agreeing on
// where each request ends (RFC 9112 §6.1, §6.3), and that a head is judged before its body.
#include "transport/http/request_reader.h"

#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>
#include <string>
#include <string_view>

namespace neo::transport::http {
namespace {

using Step = RequestReader::Step;

void append(boost::beast::flat_buffer& input, std::string_view bytes) {
  boost::asio::buffer_copy(input.prepare(bytes.size()), boost::asio::buffer(bytes));
  input.commit(bytes.size());
}

// Appends `bytes` to `input` and parses.
Step feed(RequestReader& reader, boost::beast::flat_buffer& input, std::string_view bytes) {
  append(input, bytes);
  return reader.parse(input);
}

class RequestReaderTest : public ::testing::Test {
 protected:
  RequestReader reader{1024, 1000};
  boost::beast::flat_buffer input;

  void give(std::string_view bytes) { append(input, bytes); }
  Step parse(std::string_view bytes) { return feed(reader, input, bytes); }
  // A whole request: head, body admitted up to `limit`, then the request.
  RequestReader::Request read_whole(std::string_view bytes, std::uint64_t limit = 1000) {
    EXPECT_EQ(parse(bytes), Step::head);
    EXPECT_TRUE(reader.read_body(limit));
    EXPECT_EQ(reader.parse(input), Step::request);
    return reader.take();
  }
  void expect_refused(std::string_view bytes, unsigned status) {
    Step step = parse(bytes);
    if (step == Step::head) step = reader.read_body(1000) ? reader.parse(input) : Step::refused;
    ASSERT_EQ(step, Step::refused) << bytes;
    EXPECT_EQ(reader.refusal().status, status) << bytes << " -> " << reader.refusal().reason;
  }
};

TEST_F(RequestReaderTest, ReadsARequestWithoutABody) {
  auto request = read_whole("GET /health HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_EQ(request.target(), "/health");
  EXPECT_TRUE(request.body().empty());
  EXPECT_EQ(input.size(), 0u);
}

TEST_F(RequestReaderTest, ReadsABodyArrivingInPieces) {
  ASSERT_EQ(parse("POST /api/publish HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n01234"),
            Step::head);
  ASSERT_TRUE(reader.read_body(1000));
  EXPECT_EQ(reader.parse(input), Step::need_more);
  EXPECT_EQ(parse("56789"), Step::request);
  EXPECT_EQ(reader.take().body(), "0123456789");
}

TEST_F(RequestReaderTest, ReportsTheHeadBeforeTakingAnyBodyByte) {
  ASSERT_EQ(parse("POST /api HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n0123456789"),
            Step::head);
  EXPECT_EQ(reader.declared_length(), 10u);
  EXPECT_EQ(input.size(), 10u);  // the body is still the caller's, unread
  EXPECT_TRUE(reader.head().body().empty());
  EXPECT_EQ(reader.parse(input), Step::head);  // until the caller lets the body be read
}

TEST_F(RequestReaderTest, ReadsAChunkedBody) {
  auto request = read_whole(
      "POST /api HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
  EXPECT_EQ(request.body(), "abcde");
}

TEST_F(RequestReaderTest, DeclaredLengthIsUnknownForChunkedAndZeroWithoutABody) {
  ASSERT_EQ(parse("POST /api HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"),
            Step::head);
  EXPECT_EQ(reader.declared_length(), std::nullopt);
  RequestReader other(1024, 1000);
  boost::beast::flat_buffer buffer;
  std::string_view get = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
  ASSERT_EQ(feed(other, buffer, get), Step::head);
  EXPECT_EQ(other.declared_length(), 0u);
}

TEST_F(RequestReaderTest, ReadsPipelinedRequestsOneByOne) {
  give("GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_EQ(reader.parse(input), Step::head);
  reader.read_body(0);
  ASSERT_EQ(reader.parse(input), Step::request);
  EXPECT_EQ(reader.take().target(), "/a");
  ASSERT_EQ(reader.parse(input), Step::head);
  EXPECT_EQ(reader.head().target(), "/b");
}

TEST_F(RequestReaderTest, SkipsARequestWithoutABodyAnsweredFromItsHead) {
  give("GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_EQ(reader.parse(input), Step::head);
  ASSERT_TRUE(reader.skip_body(0));
  ASSERT_EQ(reader.parse(input), Step::head);
  EXPECT_EQ(reader.head().target(), "/b");
}

TEST_F(RequestReaderTest, SkipsASmallRefusedBodyAsItArrivesWithoutDeliveringIt) {
  ASSERT_EQ(parse("POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\n\r\nGET"), Step::head);
  ASSERT_TRUE(reader.skip_body(6));
  EXPECT_EQ(reader.parse(input), Step::need_more);
  EXPECT_EQ(input.size(), 0u);  // dropped, not kept
  EXPECT_EQ(parse(" /xGET /b HTTP/1.1\r\nHost: a\r\n\r\n"), Step::head);
  EXPECT_EQ(reader.head().target(), "/b");  // the body's "GET /x" was never a request
}

TEST_F(RequestReaderTest, DoesNotSkipALargeOrChunkedBody) {
  ASSERT_EQ(parse("POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 7\r\n\r\n"), Step::head);
  EXPECT_FALSE(reader.skip_body(6));
  RequestReader other(1024, 1000);
  boost::beast::flat_buffer buffer;
  std::string_view chunked = "POST /a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
  ASSERT_EQ(feed(other, buffer, chunked), Step::head);
  EXPECT_FALSE(other.skip_body(1000));
}

// --- smuggling: a Transfer-Encoding we would not frame as a proxy might ---------------------

TEST_F(RequestReaderTest, RefusesTransferEncodingIdentity) {
  expect_refused("POST /api HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n", 400);
}

TEST_F(RequestReaderTest, RefusesChunkedThatIsNotTheFinalCoding) {
  expect_refused("POST /api HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n",
                 400);
}

TEST_F(RequestReaderTest, RefusesChunkedInAnHttp10Request) {
  expect_refused(
      "POST /api HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n", 400);
}

TEST_F(RequestReaderTest, RefusesChunkedTwice) {
  expect_refused("POST /api HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
                 400);
  RequestReader other(1024, 1000);
  boost::beast::flat_buffer buffer;
  std::string_view two =
      "POST /api HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  ASSERT_EQ(feed(other, buffer, two), Step::refused);
  EXPECT_EQ(other.refusal().status, 400u);
}

TEST_F(RequestReaderTest, RefusesTransferEncodingSplitOverTwoFields) {
  expect_refused(
      "POST /api HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
      "Transfer-Encoding: identity\r\n\r\n",
      400);
}

TEST_F(RequestReaderTest, AnswersUnknownCodingsBeforeChunkedWith501) {
  expect_refused("POST /api HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501);
}

TEST_F(RequestReaderTest, RefusesBothTransferEncodingAndContentLength) {
  expect_refused(
      "POST /api HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
      400);
}

TEST_F(RequestReaderTest, RefusesConflictingContentLengths) {
  expect_refused(
      "POST /api HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 30\r\n\r\nabc", 400);
}

TEST_F(RequestReaderTest, RefusesAMalformedContentLength) {
  expect_refused("POST /api HTTP/1.1\r\nHost: a\r\nContent-Length: 3x\r\n\r\nabc", 400);
}

TEST_F(RequestReaderTest, RefusesMissingOrRepeatedHost) {
  expect_refused("GET / HTTP/1.1\r\n\r\n", 400);
  RequestReader other(1024, 1000);
  boost::beast::flat_buffer buffer;
  std::string_view two = "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n";
  ASSERT_EQ(feed(other, buffer, two), Step::refused);
  EXPECT_EQ(other.refusal().status, 400u);
}

TEST_F(RequestReaderTest, AcceptsHttp10WithoutHost) {
  auto request = read_whole("GET /health HTTP/1.0\r\n\r\n");
  EXPECT_EQ(request.version(), 10u);
}

TEST_F(RequestReaderTest, AnswersOtherVersionsWith505) {
  expect_refused("GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505);
}

TEST_F(RequestReaderTest, AnswersGarbageWith400) {
  expect_refused("\x16\x03\x01 hello\r\n\r\n", 400);
}

TEST_F(RequestReaderTest, AnswersAnOversizedHeadWith431) {
  expect_refused("GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(2000, 'a') + "\r\n\r\n", 431);
}

TEST_F(RequestReaderTest, RefusesADeclaredLengthOverTheLimitBeforeReadingIt) {
  ASSERT_EQ(parse("POST /api HTTP/1.1\r\nHost: a\r\nContent-Length: 501\r\n\r\n"), Step::head);
  EXPECT_FALSE(reader.read_body(500));
  EXPECT_EQ(reader.refusal().status, 413u);
  EXPECT_EQ(reader.parse(input), Step::refused);
}

TEST_F(RequestReaderTest, RefusesAChunkedBodyWhenItPassesTheLimit) {
  ASSERT_EQ(parse("POST /api HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"),
            Step::head);
  ASSERT_TRUE(reader.read_body(4));
  ASSERT_EQ(parse("3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n"), Step::refused);
  EXPECT_EQ(reader.refusal().status, 413u);
}

TEST_F(RequestReaderTest, ARefusalIsFinalAndNothingAfterItIsParsed) {
  expect_refused(
      "POST /api HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n"
      "GET /hidden HTTP/1.1\r\nHost: a\r\n\r\n",
      400);
  std::size_t left = input.size();
  EXPECT_EQ(reader.parse(input), Step::refused);
  EXPECT_EQ(input.size(), left);
}

TEST_F(RequestReaderTest, TellsWhenARequestHasStarted) {
  EXPECT_FALSE(reader.mid_request());
  EXPECT_EQ(parse("GET / HT"), Step::need_more);
  EXPECT_TRUE(reader.mid_request());
  EXPECT_EQ(parse("TP/1.1\r\nHost: a\r\n\r\n"), Step::head);
  reader.read_body(0);
  ASSERT_EQ(reader.parse(input), Step::request);
  reader.take();
  EXPECT_FALSE(reader.mid_request());
}

}  // namespace
}  // namespace neo::transport::http

namespace neo::transport::http {
namespace {

// Regression (fuzz_http_request): Boost 1.81's chunk parser asserted when the last chunk arrived
// byte by byte (BOOST_ASSERT(n >= 5)); a debug build aborted on such a client.
TEST_F(RequestReaderTest, ReadsAnEmptyChunkedBodyArrivingByteByByte) {
  std::string_view bytes =
      "POST /api HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
  Step step = Step::need_more;
  for (char c : bytes) {
    step = parse(std::string_view(&c, 1));
    if (step == Step::head) {
      ASSERT_TRUE(reader.read_body(1000));
      step = reader.parse(input);
    }
  }
  ASSERT_EQ(step, Step::request);
  EXPECT_EQ(reader.take().body(), "");
}

// Beast bounds the start line and the fields separately when a head arrives at once, but the
// whole head when it arrives in pieces; the reader bounds the whole head either way.
TEST_F(RequestReaderTest, BoundsTheWholeHeadHoweverItArrives) {
  std::string target(600, 'a');
  std::string bytes = "GET /" + target + " HTTP/1.1\r\nHost: a\r\nX: " + std::string(500, 'b') +
                      "\r\n\r\n";  // start line and fields each under 1024, together over
  expect_refused(bytes, 431);
  RequestReader other(1024, 1000);
  boost::beast::flat_buffer buffer;
  Step step = Step::need_more;
  for (std::size_t i = 0; i < bytes.size() && step == Step::need_more; i += 7) {
    step = feed(other, buffer, std::string_view(bytes).substr(i, 7));
  }
  ASSERT_EQ(step, Step::refused);
  EXPECT_EQ(other.refusal().status, 431u);
}

}  // namespace
}  // namespace neo::transport::http
