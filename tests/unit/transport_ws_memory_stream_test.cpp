// WsConnection's own code (BasicWsConnection) over an in-memory stream with injected failures,
// as Beast proves its stream with test::stream: scripted conversations are replayed with the
// peer's bytes in every chunk size, short and blocked writes, a reset or EOF at every byte
// offset, and the session closing or aborting after every handler. Whatever happens, the
// session hears on_close exactly once, receives a prefix of what was sent, uncorrupted, and
// nothing after a protocol error; the server's bytes are valid server frames ending with a
// close; the connection object is gone once the io_context runs out of work, with no wait or
// timer left behind, within the close deadlines (virtual time, support/virtual_clock.h).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "support/ws_memory_harness.h"

namespace neo::transport {
namespace {

using namespace std::chrono_literals;
using test::StreamFaults;
using test::ws::client_close;
using test::ws::client_frame;
using test::ws::Harness;
using test::ws::parse_server_output;
using test::ws::ServerOutput;
namespace wsop = test::ws;

// The bound on any connection's life once nothing more arrives: our close frame written, then
// kCloseHandshakeTimeout (5 s) for the answer; an abort's 2 s deadline is re-armed that way too.
constexpr auto kLongestClose = 10s;
constexpr std::size_t kMaxSteps = 20000;

std::string text(std::string_view payload, bool fin = true) {
  return client_frame(wsop::kText, fin, payload);
}
std::string continuation(std::string_view payload, bool fin) {
  return client_frame(wsop::kContinuation, fin, payload);
}

// --- the conversations -------------------------------------------------------------------------

struct Script {
  std::string name;
  std::string input;                    // the client's bytes, there from the start
  std::vector<std::string> messages;    // what the session receives when nothing fails
  std::vector<std::string> pings;       // each answered with a pong carrying the same payload
  std::uint16_t close_code = 1000;      // the code of the server's close frame
  bool client_answers_close = false;    // the client answers the server's close once it reads it
  bool session_closes_on_last = false;  // the session closes (4001) on the message "last"
  bool every_send_arrives = false;      // no message the session sent is dropped
  std::chrono::seconds elapsed{0};      // virtual time the conversation takes
  WsLimits limits{};
};

// A 200-byte UTF-8 text: a 16-bit length, and multi-byte characters that chunks may split.
std::string long_text() {
  constexpr std::string_view kWords = "h\xC3\xA9llo \xE2\x9C\x93 ";
  std::string out;
  while (out.size() + kWords.size() <= 200) out += kWords;
  return out + std::string(200 - out.size(), '!');
}

// Text, binary (not UTF-8), a fragmented text with a ping between its fragments, a long text,
// a ping, "last".
std::string conversation_frames() {
  return text("hello") + client_frame(wsop::kBinary, true, std::string("\x00\x01\xFE\xFF", 4)) +
         text("frag", false) + client_frame(wsop::kPing, true, "p1") + continuation("men", false) +
         continuation("ted", true) + text(long_text()) + client_frame(wsop::kPing, true, "p2") +
         text("last");
}
std::vector<std::string> conversation_messages() {
  return {"hello", std::string("\x00\x01\xFE\xFF", 4), "fragmented", long_text(), "last"};
}

// The client ends with its close; the server answers with the same code, then closes.
Script client_closes() {
  Script s;
  s.name = "ClientCloses";
  s.input = conversation_frames() + client_close(1000, "bye");
  s.messages = conversation_messages();
  s.pings = {"p1", "p2"};
  s.close_code = 1000;
  return s;
}

// The session closes after the last message; its queue is written first, then the close,
// which the client answers.
Script server_closes() {
  Script s;
  s.name = "ServerCloses";
  s.input = conversation_frames();
  s.messages = conversation_messages();
  s.pings = {"p1", "p2"};
  s.close_code = 4001;
  s.client_answers_close = true;
  s.session_closes_on_last = true;
  s.every_send_arrives = true;
  return s;
}

// "hello", then `bad`, then "last": the server closes with `code`, the client answers it.
Script protocol_error(std::string name, std::string bad, std::uint16_t code) {
  Script s;
  s.name = std::move(name);
  s.input = text("hello") + bad + text("last");
  s.messages = {"hello"};
  s.close_code = code;
  s.client_answers_close = true;
  return s;
}

std::vector<Script> scripts() {
  std::vector<Script> all{client_closes(), server_closes()};
  all.push_back(protocol_error("ReservedBit", client_frame(0x40 | wsop::kText, true, "x"), 1002));
  all.push_back(protocol_error("OrphanContinuation", continuation("x", true), 1002));
  all.push_back(protocol_error("NewMessageInAFragmentedOne", text("a", false) + text("b"), 1002));
  all.push_back(protocol_error("InvalidUtf8", text("ok \xFF\xFE"), 1007));
  all.push_back(
      protocol_error("Utf8SplitThenBroken", text("\xC3", false) + continuation("(", true), 1007));
  // Its payload, read as frames, would not fall back in step by chance: it must be skipped.
  Script too_big = protocol_error("FrameOverTheLimit", text(std::string(65, 'y')), 1009);
  too_big.limits.max_message_bytes = 64;
  all.push_back(too_big);
  Script too_long = protocol_error(
      "MessageOverTheLimit",
      text(std::string(40, 'x'), false) + continuation(std::string(25, 'y'), true), 1009);
  too_long.limits.max_message_bytes = 64;
  all.push_back(too_long);
  // A 64-bit length with its top bit set: no frame boundary can be trusted after it, so the
  // client's answer is never read and the close handshake's deadline ends the connection.
  Script blind = protocol_error("LengthWithTheTopBitSet",
                                std::string("\x81\xFF\x80\x00\x00\x00\x00\x00\x00\x01", 10), 1002);
  blind.elapsed = 5s;
  all.push_back(blind);
  // The client closes right after a broken frame, before it could read the server's close:
  // the server still says why it failed (1002), however the bytes were split into reads.
  Script error_then_close =
      protocol_error("ErrorThenClientClose",
                     client_frame(0x40 | wsop::kText, true, "x") + client_close(1000), 1002);
  error_then_close.client_answers_close = false;
  all.push_back(error_then_close);
  // The client's close is malformed (1005 is never sent): answered with 1002, then closed.
  Script bad_close;
  bad_close.name = "MalformedClientClose";
  bad_close.input = text("hello") + client_close(1005);
  bad_close.messages = {"hello"};
  bad_close.close_code = 1002;
  all.push_back(bad_close);
  return all;
}

// --- running one -------------------------------------------------------------------------------

// The session: two messages when created, an acknowledgement per message received, and, when
// the script says so, a close on "last". The client answers the server's close once it reads it.
void wire(Harness& h, const Script& script) {
  h.log.on_create = [&h](Connection& c) {
    h.log.send(c, "welcome");
    h.log.send(c, "w2");
  };
  h.log.on_message = [&h, &script](Connection& c, std::string_view message) {
    h.log.send(c, "ack:" + std::to_string(h.log.delivered.size() - 1));
    if (script.session_closes_on_last && message == "last") c.close(4001, "done");
  };
  if (!script.client_answers_close) return;
  h.peer->on_output = [&h, answered = false]() mutable {
    if (answered) return;
    ServerOutput out = parse_server_output(h.peer->output());
    if (const auto* close = out.close_frame()) {
      answered = true;
      h.peer->write(client_close(close->close_code()));
    }
  };
}

struct Played {
  std::unique_ptr<Harness> harness;
  std::size_t steps = 0;
};

// Plays `script` to its end. `after_each` runs after every handler; `adjust` may change the
// session's or the client's behaviour before it starts.
Played play(const Script& script, StreamFaults faults,
            const std::function<void(Harness&, std::size_t)>& after_each = {},
            const std::function<void(Harness&)>& adjust = {}) {
  Played run{std::make_unique<Harness>(faults, script.limits), 0};
  Harness& h = *run.harness;
  wire(h, script);
  if (adjust) adjust(h);
  h.peer->write(script.input);
  run.steps = h.run(kMaxSteps, [&](std::size_t step) {
    if (after_each) after_each(h, step);
  });
  return run;
}

template <class T>
bool is_prefix(const std::vector<T>& prefix, const std::vector<T>& of) {
  return prefix.size() <= of.size() && std::equal(prefix.begin(), prefix.end(), of.begin());
}

std::string describe(const std::vector<std::string>& list) {
  std::ostringstream out;
  out << "[";
  for (const auto& s : list)
    out << (&s == list.data() ? "" : ", ") << '"' << s.substr(0, 20) << '"';
  return out.str() + "]";
}

// What must hold however the conversation went; "" when it all does, else the first failure.
std::string broken_invariant(const Played& run, const Script& script) {
  Harness& h = *run.harness;
  if (run.steps >= kMaxSteps) return "the connection never stopped running";
  if (h.log.creates != 1) return "sessions created: " + std::to_string(h.log.creates);
  if (h.log.closes != 1) return "on_close calls: " + std::to_string(h.log.closes);
  if (h.log.messages_after_close) return "a message delivered after on_close";
  if (!is_prefix(h.log.delivered, script.messages))
    return "delivered " + describe(h.log.delivered) + ", not a prefix of what was sent";
  if (!h.connection.expired()) return "the connection outlived its io_context's work";
  if (h.peer->pending_waits()) return "a socket wait is left pending";
  if (h.timers_pending()) return "a timer is left pending";
  if (!h.peer->closed_by_server()) return "the socket was not closed";
  if (!h.peer->misuse().empty()) return "socket misuse: " + h.peer->misuse().front();
  if (h.elapsed() > kLongestClose) return "the connection outlived the close deadlines";
  ServerOutput out = parse_server_output(h.peer->output());
  if (!out.error.empty()) return "the server wrote " + out.error;
  if (!is_prefix(out.messages(), h.log.sent))
    return "wrote " + describe(out.messages()) + ", not a prefix of " + describe(h.log.sent);
  std::vector<std::string> pongs;
  for (const auto& f : out.frames)
    if (f.opcode == wsop::kPong) pongs.push_back(f.payload);
  if (!is_prefix(pongs, script.pings)) return "pongs " + describe(pongs) + " answer no ping";
  return "";
}

// ... and what must hold when no failure was injected: the whole conversation.
std::string broken_outcome(const Played& run, const Script& script) {
  std::string broken = broken_invariant(run, script);
  if (!broken.empty()) return broken;
  Harness& h = *run.harness;
  if (h.log.delivered != script.messages) return "delivered " + describe(h.log.delivered);
  ServerOutput out = parse_server_output(h.peer->output());
  if (out.incomplete) return "the output ends inside a frame";
  if (!out.close_frame()) return "no close frame";
  if (out.close_frame()->close_code() != script.close_code)
    return "closed with " + std::to_string(out.close_frame()->close_code());
  if (script.every_send_arrives && out.messages() != h.log.sent)
    return "wrote " + describe(out.messages()) + ", sent " + describe(h.log.sent);
  std::size_t pongs = 0;
  for (const auto& f : out.frames) pongs += f.opcode == wsop::kPong;
  if (pongs != script.pings.size()) return std::to_string(pongs) + " pongs";
  if (h.elapsed() != script.elapsed)
    return "took " + std::to_string(h.elapsed() / 1ms) + " ms of virtual time";
  return "";
}

// The server's bytes when nothing fails: how far the write offsets go.
std::size_t output_size(const Script& script) {
  Played run = play(script, {});
  return run.harness->peer->output().size();
}

// --- every script, every chunking, every offset ------------------------------------------------

class WsMemoryStreamScriptTest : public ::testing::TestWithParam<Script> {};

TEST_P(WsMemoryStreamScriptTest, CompletesUnderEveryChunkingAndBlockedIo) {
  const Script& script = GetParam();
  for (std::size_t read_chunk : {0, 1, 2, 3, 4, 5, 7, 11, 64}) {
    for (std::size_t write_chunk : {0, 1, 2, 3, 5, 16}) {
      for (std::size_t blocks : {0, 2, 3}) {
        StreamFaults faults;
        faults.read_chunk = read_chunk;
        faults.write_chunk = write_chunk;
        faults.read_would_block_every = blocks;
        faults.write_would_block_every = blocks;
        Played run = play(script, faults);
        ASSERT_EQ(broken_outcome(run, script), "")
            << "read chunk " << read_chunk << ", write chunk " << write_chunk
            << ", would_block every " << blocks;
      }
    }
  }
}

// Plays `script` with one fault at every offset 0..last, for each chunk size; `place` puts the
// fault (and the chunk size) into the stream's faults. Every run must keep the invariants.
template <class Place>
void expect_invariants_at_every_offset(const Script& script,
                                       std::initializer_list<std::size_t> chunks, std::size_t last,
                                       Place place, std::string_view fault) {
  for (std::size_t chunk : chunks) {
    for (std::size_t offset = 0; offset <= last; ++offset) {
      StreamFaults faults;
      place(faults, chunk, offset);
      ASSERT_EQ(broken_invariant(play(script, faults), script), "")
          << fault << " after " << offset << " bytes, chunk " << chunk;
    }
  }
}

std::size_t input_with_answer(const Script& script) {
  return script.input.size() + (script.client_answers_close ? client_close(1000).size() : 0);
}

TEST_P(WsMemoryStreamScriptTest, SurvivesAResetAtEveryReadOffset) {
  expect_invariants_at_every_offset(
      GetParam(), {0, 1, 3}, input_with_answer(GetParam()),
      [](StreamFaults& f, std::size_t chunk, std::size_t offset) {
        f.read_chunk = chunk;
        f.reset_at_read = offset;
      },
      "read reset");
}

TEST_P(WsMemoryStreamScriptTest, SurvivesEofAtEveryReadOffset) {
  expect_invariants_at_every_offset(
      GetParam(), {0, 1, 3}, input_with_answer(GetParam()),
      [](StreamFaults& f, std::size_t chunk, std::size_t offset) {
        f.read_chunk = chunk;
        f.eof_at_read = offset;
      },
      "EOF");
}

TEST_P(WsMemoryStreamScriptTest, SurvivesAResetAtEveryWriteOffset) {
  std::size_t total = output_size(GetParam());
  ASSERT_GT(total, 0u);
  expect_invariants_at_every_offset(
      GetParam(), {0, 1, 4}, total,
      [](StreamFaults& f, std::size_t chunk, std::size_t offset) {
        f.read_chunk = 5;
        f.write_chunk = chunk;
        f.reset_at_write = offset;
      },
      "write reset");
}

TEST_P(WsMemoryStreamScriptTest, EndsWhenThePeerStopsReadingAtEveryWriteOffset) {
  expect_invariants_at_every_offset(
      GetParam(), {0, 3}, output_size(GetParam()),
      [](StreamFaults& f, std::size_t chunk, std::size_t offset) {
        f.read_chunk = 5;
        f.write_chunk = chunk;
        f.stall_at_write = offset;
      },
      "stall");
}

INSTANTIATE_TEST_SUITE_P(Scripts, WsMemoryStreamScriptTest, ::testing::ValuesIn(scripts()),
                         [](const ::testing::TestParamInfo<Script>& info) {
                           return info.param.name;
                         });

// --- a close at every state --------------------------------------------------------------------

// Where the conversation stood when the session acted; every one must be reached.
struct Moments {
  bool before_101_written = false;
  bool mid_write = false;  // the output ends inside a frame (a partial write)
  bool in_fragmented_message = false;
  bool after_peer_close = false;  // read, not yet answered
  bool after_our_close = false;   // written, not yet answered
};

void note_moment(Harness& h, const Script& script, Moments& seen) {
  const std::string& output = h.peer->output();
  ServerOutput out = parse_server_output(output);
  std::size_t first_fragment = script.input.find(text("frag", false));
  std::size_t last_fragment_end =
      script.input.find(continuation("ted", true)) + continuation("ted", true).size();
  std::size_t read = h.peer->input_read();
  seen.before_101_written |= output.empty();
  seen.mid_write |= out.incomplete > 0 && !output.empty();
  seen.in_fragmented_message |= read > first_fragment && read < last_fragment_end;
  seen.after_peer_close |= !script.client_answers_close && read == script.input.size();
  seen.after_our_close |= out.close_frame() != nullptr;
}

// The undisturbed conversation, run k of it: after its k-th handler, `act` on the connection
// (while it is alive and its session open), as the session would from a handler of its own.
// Checks every run; `moments` collects where they acted.
void act_after_every_step(const Script& script, StreamFaults faults, std::uint16_t code,
                          const std::function<void(Connection&)>& act, Moments& moments) {
  std::size_t steps = play(script, faults).steps;
  ASSERT_LT(steps, kMaxSteps);
  for (std::size_t k = 0; k < steps; ++k) {
    std::optional<std::size_t> sent_before;
    Played run = play(script, faults, [&](Harness& h, std::size_t step) {
      auto connection = h.alive();
      if (step != k || !connection || h.log.closes) return;
      note_moment(h, script, moments);
      sent_before = h.log.sent.size();
      act(*connection);
    });
    ASSERT_EQ(broken_invariant(run, script), "") << "acted after handler " << k;
    ServerOutput out = parse_server_output(run.harness->peer->output());
    if (!sent_before || !out.close_frame()) continue;
    std::uint16_t closed_with = out.close_frame()->close_code();
    ASSERT_TRUE(closed_with == code || closed_with == script.close_code)
        << "closed with " << closed_with << " after handler " << k;
    // A close (not an abort) that went first writes what was queued before it.
    if (code == 4000 && closed_with == code) {
      ASSERT_GE(out.messages().size(), *sent_before) << "after handler " << k;
    }
  }
}

// Parameters: abort (else close), and the script: the server's close (else the client's).
class WsMemoryStreamCloseTest : public ::testing::TestWithParam<std::tuple<bool, bool>> {
 protected:
  bool abort() const { return std::get<0>(GetParam()); }
  std::uint16_t code() const { return abort() ? 4002 : 4000; }
  Script script() const { return std::get<1>(GetParam()) ? server_closes() : client_closes(); }
};

TEST_P(WsMemoryStreamCloseTest, AtEveryStateOfTheConversation) {
  const Script script = this->script();
  auto act = [this](Connection& c) {
    if (abort()) return c.abort(code(), "slow");
    c.close(code(), "bye");
  };
  Moments moments;
  StreamFaults partial_writes;
  partial_writes.read_chunk = 3;
  partial_writes.write_chunk = 7;
  partial_writes.write_would_block_every = 3;
  ASSERT_NO_FATAL_FAILURE(act_after_every_step(script, partial_writes, code(), act, moments));
  StreamFaults bytewise;
  bytewise.read_chunk = 1;
  bytewise.write_chunk = 1;
  ASSERT_NO_FATAL_FAILURE(act_after_every_step(script, bytewise, code(), act, moments));
  EXPECT_TRUE(moments.before_101_written);
  EXPECT_TRUE(moments.mid_write);
  EXPECT_TRUE(moments.in_fragmented_message);
  // Only the client's close is read while unanswered; only the server's waits for an answer.
  if (script.client_answers_close) {
    EXPECT_TRUE(moments.after_our_close);
  } else {
    EXPECT_TRUE(moments.after_peer_close);
  }
}

// The session closes or aborts from its own callbacks: while created (the 101 not yet written),
// on each message, after sending, and once more on top of the first.
TEST_P(WsMemoryStreamCloseTest, FromTheSessionsOwnCallbacks) {
  const bool abort = this->abort();
  const std::uint16_t code = this->code();
  const Script script = this->script();
  {
    for (int at = -1; at < static_cast<int>(script.messages.size()); ++at) {
      for (bool twice : {false, true}) {
        auto act = [&](Connection& c) {
          if (abort) c.abort(code, "slow");
          if (!abort) c.close(code, "bye");
          if (twice) c.abort(4003, "again");
        };
        StreamFaults faults;
        faults.read_chunk = 4;
        faults.write_would_block_every = 2;
        Played run = play(script, faults, {}, [&](Harness& h) {
          auto on_create = h.log.on_create;
          auto on_message = h.log.on_message;
          h.log.on_create = [&h, on_create, act, at](Connection& c) {
            on_create(c);
            if (at == -1) act(c);
          };
          h.log.on_message = [&h, on_message, act, at](Connection& c, std::string_view m) {
            on_message(c, m);
            if (static_cast<int>(h.log.delivered.size()) - 1 == at) act(c);
          };
        });
        ASSERT_EQ(broken_invariant(run, script), "")
            << script.name << ": acted at message " << at << (twice ? ", twice" : "");
        Harness& h = *run.harness;
        EXPECT_EQ(h.log.delivered.size(), static_cast<std::size_t>(at + 1)) << script.name;
        ServerOutput out = parse_server_output(h.peer->output());
        ASSERT_NE(out.close_frame(), nullptr) << script.name << " " << at;
        bool script_closed_first =
            script.session_closes_on_last && at + 1 == static_cast<int>(script.messages.size());
        EXPECT_EQ(out.close_frame()->close_code(), script_closed_first ? script.close_code : code)
            << script.name << " " << at;
        if (!abort && !twice) {  // a close writes what was queued; an abort drops it
          EXPECT_EQ(out.messages(), h.log.sent) << script.name << " " << at;
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(CloseAndAbort, WsMemoryStreamCloseTest,
                         ::testing::Combine(::testing::Bool(), ::testing::Bool()),
                         [](const ::testing::TestParamInfo<std::tuple<bool, bool>>& info) {
                           return std::string(std::get<0>(info.param) ? "Abort" : "Close") +
                                  (std::get<1>(info.param) ? "_ServerCloses" : "_ClientCloses");
                         });

// --- the stream itself -------------------------------------------------------------------------

TEST(MemoryStreamTest, ReadsInChunksUpToTheResetThenFails) {
  asio::io_context io;
  StreamFaults faults;
  faults.read_chunk = 2;
  faults.reset_at_read = 5;
  auto peer = std::make_shared<test::MemoryPeer>(io.get_executor(), faults);
  test::MemoryStream stream(peer);
  error_code ec;
  stream.non_blocking(true, ec);
  char buffer[16];
  EXPECT_EQ(stream.read_some(asio::buffer(buffer), ec), 0u);
  EXPECT_EQ(ec, asio::error::would_block);
  peer->write("abcdefgh");
  std::string got;
  for (int i = 0; i < 3; ++i) got.append(buffer, stream.read_some(asio::buffer(buffer), ec));
  EXPECT_EQ(got, "abcde");
  EXPECT_EQ(stream.read_some(asio::buffer(buffer), ec), 0u);
  EXPECT_EQ(ec, asio::error::connection_reset);
  EXPECT_EQ(stream.write_some(asio::buffer("x", 1), ec), 0u);
  EXPECT_EQ(ec, asio::error::connection_reset);
  EXPECT_TRUE(peer->misuse().empty());
}

TEST(MemoryStreamTest, ShortWritesBlockedWritesAndReadiness) {
  asio::io_context io;
  StreamFaults faults;
  faults.write_chunk = 3;
  faults.write_would_block_every = 2;
  auto peer = std::make_shared<test::MemoryPeer>(io.get_executor(), faults);
  test::MemoryStream stream(peer);
  error_code ec;
  stream.write_some(asio::buffer("abcdef", 6), ec);  // before non_blocking(true)
  EXPECT_EQ(ec, asio::error::would_block);
  EXPECT_EQ(peer->misuse(), std::vector<std::string>{"write_some on a blocking socket"});
  std::vector<error_code> woken;
  stream.async_wait(asio::socket_base::wait_write, [&](error_code e) { woken.push_back(e); });
  EXPECT_TRUE(woken.empty());  // completions are posted, never inline
  io.run();
  EXPECT_EQ(woken, std::vector<error_code>{error_code{}});
  EXPECT_EQ(stream.write_some(asio::buffer("abcdef", 6), ec), 3u);
  EXPECT_EQ(peer->output(), "abc");
  stream.async_wait(asio::socket_base::wait_read, [&](error_code e) { woken.push_back(e); });
  stream.close(ec);
  io.restart();
  io.run();
  ASSERT_EQ(woken.size(), 2u);
  EXPECT_EQ(woken[1], asio::error::operation_aborted);
  char buffer[4];
  EXPECT_EQ(stream.read_some(asio::buffer(buffer), ec), 0u);
  EXPECT_EQ(ec, asio::error::bad_descriptor);
}

TEST(MemoryStreamTest, VirtualTimersFireInOrderOnlyWhenNothingElseIsReady) {
  asio::io_context io;
  std::vector<std::string> order;
  test::ManualTimer late(io.get_executor()), early(io.get_executor());
  late.expires_after(5s);
  late.async_wait([&](error_code ec) { order.push_back(ec ? "late aborted" : "late"); });
  early.expires_after(2s);
  early.async_wait([&](error_code ec) { order.push_back(ec ? "early aborted" : "early"); });
  asio::post(io, [&] { order.push_back("posted"); });
  test::run_until_idle(io, 100);
  EXPECT_EQ(order, (std::vector<std::string>{"posted", "early", "late"}));
  EXPECT_EQ(test::VirtualClock::of(io.get_executor()).now(), 5s);
  late.expires_after(1s);
  late.async_wait([&](error_code ec) { order.push_back(ec ? "late aborted" : "late"); });
  late.expires_after(1s);  // cancels the wait, as steady_timer does
  test::run_until_idle(io, 100);
  EXPECT_EQ(order.back(), "late aborted");
}

}  // namespace
}  // namespace neo::transport
