// neo-events: Centrifugo client protocol v2 (JSON) over WebSocket, server API over HTTP.
#include <charconv>

#include "adapter.h"
#include "http_response.h"

namespace bench {
namespace {

constexpr uint64_t kConnectId = 1;
constexpr uint64_t kSubscribeId = 2;

// Reads N from a line starting with {"id":N
bool reply_id(std::string_view line, uint64_t& id) {
  constexpr std::string_view kPrefix = "{\"id\":";
  if (!line.starts_with(kPrefix)) return false;
  const char* begin = line.data() + kPrefix.size();
  return std::from_chars(begin, line.data() + line.size(), id).ec == std::errc{};
}

class NeoSubscriber final : public SubscriberAdapter {
 public:
  explicit NeoSubscriber(std::string token) : token_(std::move(token)) {}

  std::string path(std::string_view /*channel*/) const override { return "/connection/websocket"; }

  // connect and subscribe travel in one frame, newline-separated, as the protocol allows.
  void on_open(SubConn& conn, std::string_view channel, SubSink& sink) override {
    std::string commands = "{\"id\":1,\"connect\":{\"token\":\"" + token_ +
                           "\"}}\n{\"id\":2,\"subscribe\":{\"channel\":\"" + std::string(channel) +
                           "\"}}";
    sink.send(conn, ws::kText, commands);
  }

  // One frame may carry several replies/pushes separated by '\n'.
  size_t on_data(SubConn& conn, std::string_view data, SubSink& sink) override {
    size_t pos = 0;
    while (pos < data.size()) {
      size_t end = data.find('\n', pos);
      if (end == std::string_view::npos) end = data.size();
      on_line(conn, data.substr(pos, end - pos), sink);
      pos = end + 1;
    }
    return data.size();
  }

 private:
  void on_line(SubConn& conn, std::string_view line, SubSink& sink) {
    if (line.starts_with("{\"push\":")) {
      if (line.find("\"pub\":") != std::string_view::npos)
        sink.delivery(conn, line);
      else  // unsubscribe / disconnect pushes end the measurement for this subscriber
        sink.server_error(conn, line);
      return;
    }
    if (line == "{}") {  // server ping: the connect reply asked for pongs
      sink.send(conn, ws::kText, "{}");
      return;
    }
    uint64_t id = 0;
    if (!reply_id(line, id)) {
      sink.protocol_error(conn, line);
      return;
    }
    if (line.find("\"error\":") != std::string_view::npos) {
      sink.server_error(conn, line);
    } else if (id == kConnectId) {
      conn.progress = 1;
    } else if (id == kSubscribeId) {
      if (conn.progress == 1)
        sink.subscribed(conn);
      else
        sink.protocol_error(conn, "subscribe reply before connect reply");
    } else {
      sink.protocol_error(conn, line);
    }
  }

  std::string token_;
};

// Counts the successes in a server API reply: /api/publish answers {"result":{..}}, /api/batch
// {"replies":[{"publish":{..}},{"error":{..}},..]}; anything else counts as failed.
uint32_t count_successes(std::string_view body, std::string_view marker) {
  uint32_t n = 0;
  for (size_t pos = body.find(marker); pos != std::string_view::npos;
       pos = body.find(marker, pos + marker.size()))
    ++n;
  return n;
}

class NeoPublisher final : public PublisherAdapter {
 public:
  NeoPublisher(const TargetOptions& target, bool single)
      : host_port_(target.host + ":" + std::to_string(target.pub_port)),
        headers_("X-API-Key: " + target.api_key + "\r\nContent-Type: application/json\r\n"),
        single_(single) {}

  uint32_t max_batch() const override { return single_ ? 1 : 1000; }

  void append_request(std::string& out, std::span<const PubMessage> messages) override {
    body_.clear();
    if (single_) {
      append_publish(messages[0]);
      http::append_post(out, host_port_, "/api/publish", headers_, body_);
      return;
    }
    body_ += "{\"commands\":[";
    for (size_t i = 0; i < messages.size(); ++i) {
      if (i > 0) body_ += ',';
      body_ += "{\"publish\":";
      append_publish(messages[i]);
      body_ += '}';
    }
    body_ += "]}";
    http::append_post(out, host_port_, "/api/batch", headers_, body_);
  }

  size_t on_data(std::string_view data, AckSink& sink) override {
    return http::for_each_response(
        data,
        [&](const http::Response& response) {
          uint32_t ok = response.status != 200 ? 0
                        : single_              ? count_successes(response.body, "{\"result\":")
                                               : count_successes(response.body, "{\"publish\":");
          // Errors are HTTP 200 with an "error" object (per item in a batch), or a non-200.
          if (response.status != 200 || response.body.find("\"error\":") != std::string_view::npos)
            sink.error(response.body.empty() ? std::string_view("HTTP error status")
                                             : response.body);
          sink.request_done(ok);
        },
        [&] { sink.error("unparsable HTTP response from the server API"); });
  }

 private:
  void append_publish(const PubMessage& m) {
    body_ += "{\"channel\":\"";
    body_ += m.channel;
    body_ += "\",\"data\":";
    body_ += m.payload;
    body_ += '}';
  }

  std::string host_port_;
  std::string headers_;
  bool single_;
  std::string body_;  // reused: no allocation per request once it has grown
};

}  // namespace

std::unique_ptr<SubscriberAdapter> make_neo_subscriber(const TargetOptions& target) {
  return std::make_unique<NeoSubscriber>(target.token);
}

std::unique_ptr<PublisherAdapter> make_neo_publisher(const TargetOptions& target) {
  return std::make_unique<NeoPublisher>(target, target.neo_single);
}

}  // namespace bench
