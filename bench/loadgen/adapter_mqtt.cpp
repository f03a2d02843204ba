// MQTT 3.1.1 (mosquitto): subscribers over WebSocket (subprotocol "mqtt", binary frames) at
// QoS 0; the publisher over plain TCP at QoS 1 so that every publication is acknowledged.
#include <unistd.h>
#include <atomic>

#include "adapter.h"

namespace bench {
namespace {

constexpr uint8_t kConnect = 0x10;
constexpr uint8_t kConnack = 0x20;
constexpr uint8_t kPublish = 0x30;
constexpr uint8_t kPuback = 0x40;
constexpr uint8_t kSubscribe = 0x82;  // with the reserved flags 0010
constexpr uint8_t kSuback = 0x90;
constexpr uint8_t kPingreq = 0xC0;
constexpr uint8_t kPingresp = 0xD0;
constexpr uint16_t kKeepaliveSeconds = 60;

void put_u16(std::string& out, uint16_t v) {
  out += static_cast<char>(v >> 8);
  out += static_cast<char>(v & 0xFF);
}

void put_string(std::string& out, std::string_view s) {
  put_u16(out, static_cast<uint16_t>(s.size()));
  out += s;
}

void put_remaining_length(std::string& out, size_t len) {
  do {
    auto byte = static_cast<uint8_t>(len % 128);
    len /= 128;
    if (len > 0) byte |= 0x80;
    out += static_cast<char>(byte);
  } while (len > 0);
}

std::string connect_packet(std::string_view client_id) {
  std::string body;
  put_string(body, "MQTT");
  body += static_cast<char>(4);     // protocol level 3.1.1
  body += static_cast<char>(0x02);  // clean session
  put_u16(body, kKeepaliveSeconds);
  put_string(body, client_id);
  std::string packet(1, static_cast<char>(kConnect));
  put_remaining_length(packet, body.size());
  return packet + body;
}

// Unique per process and connection; built with append because g++ 12 -O3 gives a false
// -Wrestrict warning on `"literal" + std::string`.
std::string client_id(char kind, uint32_t n) {
  std::string id(1, kind);
  id += std::to_string(getpid());
  id += '-';
  id += std::to_string(n);
  return id;
}

struct Packet {
  uint8_t type_flags = 0;
  std::string_view body;
};

// Parses packets out of data; returns bytes consumed (a partial packet stays for later).
template <typename OnPacket>
size_t parse_packets(std::string_view data, OnPacket on_packet) {
  size_t pos = 0;
  while (data.size() - pos >= 2) {
    size_t len = 0;
    size_t i = pos + 1;
    int shift = 0;
    bool complete = false;
    while (i < data.size() && shift <= 21) {
      auto byte = static_cast<uint8_t>(data[i++]);
      len |= static_cast<size_t>(byte & 0x7F) << shift;
      shift += 7;
      if ((byte & 0x80) == 0) {
        complete = true;
        break;
      }
    }
    if (!complete || data.size() - i < len) break;
    on_packet(Packet{static_cast<uint8_t>(data[pos]), data.substr(i, len)});
    pos = i + len;
  }
  return pos;
}

// The application payload of a PUBLISH packet body.
std::string_view publish_payload(const Packet& p) {
  if (p.body.size() < 2) return {};
  size_t topic_len = (static_cast<uint8_t>(p.body[0]) << 8) | static_cast<uint8_t>(p.body[1]);
  size_t offset = 2 + topic_len + (((p.type_flags >> 1) & 3) != 0 ? 2 : 0);
  return offset <= p.body.size() ? p.body.substr(offset) : std::string_view{};
}

class MqttSubscriber final : public SubscriberAdapter {
 public:
  std::string path(std::string_view /*channel*/) const override { return "/mqtt"; }
  std::string_view subprotocol() const override { return "mqtt"; }
  bool stream() const override { return true; }
  uint32_t keepalive_seconds() const override { return kKeepaliveSeconds / 2; }

  void on_open(SubConn& conn, std::string_view channel, SubSink& sink) override {
    std::string out = connect_packet(client_id('s', conn.index));
    std::string body;
    put_u16(body, 1);  // packet id
    put_string(body, channel);
    body += '\0';  // QoS 0
    out += static_cast<char>(kSubscribe);
    put_remaining_length(out, body.size());
    out += body;
    sink.send(conn, ws::kBinary, out);
  }

  size_t on_data(SubConn& conn, std::string_view data, SubSink& sink) override {
    return parse_packets(data, [&](const Packet& p) {
      switch (p.type_flags & 0xF0) {
        case kPublish:
          sink.delivery(conn, publish_payload(p));
          break;
        case kConnack:
          if (p.body.size() != 2 || p.body[1] != 0) sink.server_error(conn, "CONNACK refused");
          break;
        case kSuback:
          if (p.body.size() == 3 && static_cast<uint8_t>(p.body[2]) <= 2)
            sink.subscribed(conn);
          else
            sink.server_error(conn, "SUBACK refused");
          break;
        case kPingresp:
          break;
        default:
          sink.protocol_error(conn, "unexpected MQTT packet");
      }
    });
  }

  void keepalive(SubConn& conn, SubSink& sink) override {
    sink.send(conn, ws::kBinary, std::string_view("\xC0\x00", 2));
  }
};

class MqttPublisher final : public PublisherAdapter {
 public:
  std::string greeting() const override {
    static std::atomic<int> next{0};
    return connect_packet(client_id('p', static_cast<uint32_t>(next++)));
  }
  uint32_t max_batch() const override { return 1000; }

  // A request is a run of QoS 1 PUBLISH packets; each is acknowledged by its own PUBACK.
  void append_request(std::string& out, std::span<const PubMessage> messages) override {
    for (const auto& m : messages) {
      out += static_cast<char>(kPublish | 0x02);  // QoS 1
      put_remaining_length(out, 2 + m.channel.size() + 2 + m.payload.size());
      put_string(out, m.channel);
      if (++packet_id_ == 0) packet_id_ = 1;  // 0 is not a valid packet id
      put_u16(out, packet_id_);
      out += m.payload;
    }
  }

  size_t on_data(std::string_view data, AckSink& sink) override {
    return parse_packets(data, [&](const Packet& p) {
      switch (p.type_flags & 0xF0) {
        case kPuback:
          sink.message_acked();
          break;
        case kConnack:
          if (p.body.size() != 2 || p.body[1] != 0) sink.error("CONNACK refused");
          break;
        case kPingresp:
          break;
        default:
          sink.error("unexpected MQTT packet on the publisher");
      }
    });
  }

 private:
  uint16_t packet_id_ = 0;
};

}  // namespace

std::unique_ptr<SubscriberAdapter> make_mqtt_subscriber(const TargetOptions& /*target*/) {
  return std::make_unique<MqttSubscriber>();
}

std::unique_ptr<PublisherAdapter> make_mqtt_publisher(const TargetOptions& /*target*/) {
  return std::make_unique<MqttPublisher>();
}

}  // namespace bench
