// NATS: the text protocol, over WebSocket for subscribers and plain TCP for the publisher.
#include <charconv>

#include "adapter.h"

namespace bench {
namespace {

constexpr std::string_view kConnect = "CONNECT {\"verbose\":false,\"pedantic\":false}\r\n";

// Parses "MSG <subject> <sid> [reply-to] <size>": the size is the last field.
bool msg_size(std::string_view line, size_t& size) {
  size_t space = line.rfind(' ');
  if (space == std::string_view::npos) return false;
  return std::from_chars(line.data() + space + 1, line.data() + line.size(), size).ec ==
         std::errc{};
}

// Parses the server's control lines and MSGs out of data. Returns the bytes consumed; stops at
// an incomplete line or payload. on_msg gets each payload; on_line every other line.
template <typename OnMsg, typename OnLine>
size_t parse_stream(std::string_view data, OnMsg on_msg, OnLine on_line) {
  size_t pos = 0;
  while (pos < data.size()) {
    size_t eol = data.find("\r\n", pos);
    if (eol == std::string_view::npos) break;
    std::string_view line = data.substr(pos, eol - pos);
    if (line.starts_with("MSG ")) {
      size_t size = 0;
      if (!msg_size(line, size)) {
        on_line(line);
        pos = eol + 2;
        continue;
      }
      if (data.size() - (eol + 2) < size + 2) break;  // payload and its CRLF not all here
      on_msg(data.substr(eol + 2, size));
      pos = eol + 2 + size + 2;
      continue;
    }
    on_line(line);
    pos = eol + 2;
  }
  return pos;
}

class NatsSubscriber final : public SubscriberAdapter {
 public:
  std::string path(std::string_view /*channel*/) const override { return "/"; }
  bool stream() const override { return true; }

  // The server speaks first (INFO); we may send right away, it reads after its INFO.
  // The PING after SUB is answered after the SUB is processed: that PONG confirms it.
  void on_open(SubConn& conn, std::string_view channel, SubSink& sink) override {
    std::string out(kConnect);
    out += "SUB ";
    out += channel;
    out += " 1\r\nPING\r\n";
    sink.send(conn, ws::kBinary, out);
  }

  size_t on_data(SubConn& conn, std::string_view data, SubSink& sink) override {
    return parse_stream(
        data, [&](std::string_view payload) { sink.delivery(conn, payload); },
        [&](std::string_view line) {
          if (line == "PING") {
            sink.send(conn, ws::kBinary, "PONG\r\n");
          } else if (line == "PONG") {
            if (conn.state != SubConn::State::kSubscribed) sink.subscribed(conn);
          } else if (line.starts_with("-ERR")) {
            sink.server_error(conn, line);
          } else if (!line.starts_with("INFO ") && line != "+OK") {
            sink.protocol_error(conn, line);
          }
        });
  }
};

class NatsPublisher final : public PublisherAdapter {
 public:
  std::string greeting() const override { return std::string(kConnect); }
  uint32_t max_batch() const override { return 1000; }

  // A request is a run of PUBs closed by a PING: its PONG acknowledges every PUB before it.
  void append_request(std::string& out, std::span<const PubMessage> messages) override {
    char digits[24];
    for (const auto& m : messages) {
      out += "PUB ";
      out += m.channel;
      out += ' ';
      auto end = std::to_chars(digits, digits + sizeof digits, m.payload.size()).ptr;
      out.append(digits, end);
      out += "\r\n";
      out += m.payload;
      out += "\r\n";
    }
    out += "PING\r\n";
  }

  size_t on_data(std::string_view data, AckSink& sink) override {
    return parse_stream(
        data, [&](std::string_view) { sink.error("unexpected MSG on the publisher"); },
        [&](std::string_view line) {
          if (line == "PONG")
            sink.request_done(AckSink::kAll);
          else if (line == "PING")
            sink.reply("PONG\r\n");
          else if (line.starts_with("-ERR"))
            sink.error(line);
        });
  }
};

}  // namespace

std::unique_ptr<SubscriberAdapter> make_nats_subscriber(const TargetOptions& /*target*/) {
  return std::make_unique<NatsSubscriber>();
}

std::unique_ptr<PublisherAdapter> make_nats_publisher(const TargetOptions& /*target*/) {
  return std::make_unique<NatsPublisher>();
}

}  // namespace bench
