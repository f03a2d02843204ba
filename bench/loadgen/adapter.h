// What differs between the servers under test, behind two small interfaces: how a subscriber
// connects, subscribes and finds deliveries in its byte stream, and how a publisher writes
// publications and reads their acknowledgements.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "common.h"
#include "websocket.h"

struct ssl_st;  // OpenSSL's SSL: only subscriber_pool.cpp and tls.cpp look inside

namespace bench {

// One subscriber connection, owned by one subscriber thread.
struct SubConn {
  enum class State : uint8_t {
    kIdle,
    kConnecting,
    kHandshaking,  // --tls: TCP connected, TLS handshake in progress
    kUpgrading,
    kOpen,
    kSubscribed,
    kClosed
  };
  int fd = -1;
  ssl_st* tls = nullptr;  // --tls only; freed by the subscriber thread
  uint32_t index = 0;     // among all subscribers of the run
  uint32_t channel = 0;   // channel index
  State state = State::kIdle;
  uint8_t progress = 0;          // adapter-specific handshake progress
  bool writing = false;          // EPOLLOUT armed because `out` holds unsent bytes
  bool frag_compressed = false;  // the message being received had RSV1 on its first frame
  uint64_t started_ns = 0;
  std::string in;      // received bytes not parsed yet (partial frame or upgrade response)
  std::string stream;  // stream protocols: bytes of a partial protocol message across frames
  std::string frag;    // a fragmented WebSocket message being reassembled
  std::string out;     // bytes the socket did not take yet
  std::array<uint64_t, kMaxPublisherConns> last_seq{};
};

// What a subscriber adapter reports to its thread.
class SubSink {
 public:
  virtual void delivery(SubConn& conn, std::string_view message) = 0;
  virtual void subscribed(SubConn& conn) = 0;
  virtual void server_error(SubConn& conn, std::string_view what) = 0;
  virtual void protocol_error(SubConn& conn, std::string_view what) = 0;
  virtual void send(SubConn& conn, ws::Opcode opcode, std::string_view payload) = 0;

 protected:
  ~SubSink() = default;
};

class SubscriberAdapter {
 public:
  virtual ~SubscriberAdapter() = default;
  virtual std::string path(std::string_view channel) const = 0;
  virtual std::string_view subprotocol() const { return {}; }
  // Stream protocols (NATS, MQTT) may split or merge their messages across WebSocket frames;
  // message protocols get one whole WebSocket message per on_data call.
  virtual bool stream() const { return false; }
  // nchan subscribes by the upgrade itself: the 101 is the confirmation.
  virtual bool subscribed_on_upgrade() const { return false; }
  virtual void on_open(SubConn& conn, std::string_view channel, SubSink& sink) = 0;
  // Returns the bytes consumed (stream protocols keep the rest for the next frame).
  virtual size_t on_data(SubConn& conn, std::string_view data, SubSink& sink) = 0;
  // Seconds between keepalive() calls on each open connection; 0 = none needed.
  virtual uint32_t keepalive_seconds() const { return 0; }
  virtual void keepalive(SubConn& /*conn*/, SubSink& /*sink*/) {}
};

struct PubMessage {
  std::string_view channel;
  std::string_view payload;
};

// What a publisher adapter reports to the publisher thread.
class AckSink {
 public:
  // The oldest outstanding request is answered and `succeeded` of its publications were
  // accepted (kAll: every one of them); the rest count as failed.
  static constexpr uint32_t kAll = UINT32_MAX;
  virtual void request_done(uint32_t succeeded) = 0;
  // One publication of the oldest outstanding request is acknowledged (MQTT QoS 1 PUBACK).
  virtual void message_acked() = 0;
  virtual void error(std::string_view what) = 0;
  virtual void reply(std::string_view bytes) = 0;  // e.g. PONG to a server PING

 protected:
  ~AckSink() = default;
};

class PublisherAdapter {
 public:
  virtual ~PublisherAdapter() = default;
  virtual std::string greeting() const { return {}; }  // sent right after the TCP connect
  virtual uint32_t max_batch() const = 0;              // publications per request at most
  virtual void append_request(std::string& out, std::span<const PubMessage> messages) = 0;
  virtual size_t on_data(std::string_view data, AckSink& sink) = 0;
};

struct TargetOptions {
  std::string kind;  // neo | nats | mqtt | nchan
  std::string host = "127.0.0.1";
  uint16_t ws_port = 0;
  uint16_t pub_port = 0;
  std::string token;          // neo connection JWT
  std::string api_key;        // neo server API key
  bool neo_single = false;    // /api/publish instead of /api/batch
  bool neo_protobuf = false;  // subscribers speak protobuf instead of JSON
};

std::unique_ptr<SubscriberAdapter> make_subscriber_adapter(const TargetOptions& target);
std::unique_ptr<PublisherAdapter> make_publisher_adapter(const TargetOptions& target);

// The per-kind factories (one file each).
std::unique_ptr<SubscriberAdapter> make_neo_subscriber(const TargetOptions& target);
std::unique_ptr<SubscriberAdapter> make_neo_protobuf_subscriber(const TargetOptions& target);
std::unique_ptr<PublisherAdapter> make_neo_publisher(const TargetOptions& target);
std::unique_ptr<SubscriberAdapter> make_nats_subscriber(const TargetOptions& target);
std::unique_ptr<PublisherAdapter> make_nats_publisher(const TargetOptions& target);
std::unique_ptr<SubscriberAdapter> make_mqtt_subscriber(const TargetOptions& target);
std::unique_ptr<PublisherAdapter> make_mqtt_publisher(const TargetOptions& target);
std::unique_ptr<SubscriberAdapter> make_nchan_subscriber(const TargetOptions& target);
std::unique_ptr<PublisherAdapter> make_nchan_publisher(const TargetOptions& target);

}  // namespace bench
