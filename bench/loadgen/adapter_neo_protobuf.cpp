// neo-events: Centrifugo client protocol v2 in protobuf (subprotocol centrifuge-protobuf) over
// WebSocket. Binary frames hold varint-length-delimited messages, Command up and Reply down
// (proto/client.proto); publishers are the JSON server API ones of adapter_neo.cpp.
//
// The few fields the benchmark needs are written and read by hand instead of with libprotobuf:
// the loadgen shares the machine with the server, so it must stay cheap per message, and
// decoding a whole Reply object (allocations, every field) per delivery would cost it more than
// this bounds-checked walk over the wire bytes, which allocates nothing. It also keeps the
// loadgen measuring through the wire alone, with no server code in between.
#include <string>

#include "adapter.h"

namespace bench {
namespace {

// Field numbers of proto/client.proto.
constexpr uint32_t kCommandId = 1;
constexpr uint32_t kCommandConnect = 4;    // ConnectRequest, its token = 1
constexpr uint32_t kCommandSubscribe = 5;  // SubscribeRequest, its channel = 1
constexpr uint32_t kRequestFirstField = 1;
constexpr uint32_t kReplyId = 1;
constexpr uint32_t kReplyError = 2;
constexpr uint32_t kReplyPush = 4;
constexpr uint32_t kPushPub = 4;
constexpr uint32_t kPushUnsubscribe = 7;
constexpr uint32_t kPushDisconnect = 11;
constexpr uint32_t kPublicationData = 4;

constexpr uint64_t kConnectId = 1;
constexpr uint64_t kSubscribeId = 2;

enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLen = 2, kFixed32 = 5 };

void put_varint(std::string& out, uint64_t value) {
  for (; value >= 0x80; value >>= 7) out += static_cast<char>((value & 0x7F) | 0x80);
  out += static_cast<char>(value);
}

void put_bytes_field(std::string& out, uint32_t number, std::string_view bytes) {
  put_varint(out, uint64_t{number} << 3 | kLen);
  put_varint(out, bytes.size());
  out += bytes;
}

// A delimited Command{id, <request_field>: {1: text}}: connect and subscribe both have that shape.
void put_command(std::string& out, uint64_t id, uint32_t request_field, std::string_view text) {
  std::string request;
  put_bytes_field(request, kRequestFirstField, text);
  std::string command;
  put_varint(command, uint64_t{kCommandId} << 3 | kVarint);
  put_varint(command, id);
  put_bytes_field(command, request_field, request);
  put_varint(out, command.size());
  out += command;
}

// One field read from the wire: a varint's value, or a length-delimited field's bytes.
struct Field {
  uint32_t number = 0;
  uint32_t wire = 0;
  uint64_t value = 0;
  std::string_view bytes;
};

// A cursor over protobuf wire bytes; every read fails rather than pass the end.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}

  bool done() const { return pos_ == data_.size(); }

  bool varint(uint64_t& value) {
    value = 0;
    for (unsigned shift = 0; shift < 64 && pos_ < data_.size(); shift += 7) {
      auto byte = static_cast<uint8_t>(data_[pos_++]);
      value |= uint64_t{byte & 0x7Fu} << shift;
      if ((byte & 0x80) == 0) return true;
    }
    return false;
  }

  bool bytes(std::string_view& out) {
    uint64_t length = 0;
    if (!varint(length) || length > data_.size() - pos_) return false;
    out = data_.substr(pos_, length);
    pos_ += length;
    return true;
  }

  bool field(Field& field) {
    uint64_t key = 0;
    if (!varint(key)) return false;
    field.number = static_cast<uint32_t>(key >> 3);
    field.wire = static_cast<uint32_t>(key & 7);
    switch (field.wire) {
      case kVarint:
        return varint(field.value);
      case kLen:
        return bytes(field.bytes);
      case kFixed64:
        return skip(8);
      case kFixed32:
        return skip(4);
      default:
        return false;  // groups: not in this schema
    }
  }

 private:
  bool skip(size_t n) {
    if (n > data_.size() - pos_) return false;
    pos_ += n;
    return true;
  }

  std::string_view data_;
  size_t pos_ = 0;
};

// The first length-delimited field `number` of a message; false when absent or unparsable.
bool find_bytes(std::string_view message, uint32_t number, std::string_view& out) {
  Reader reader(message);
  Field field;
  while (!reader.done() && reader.field(field)) {
    if (field.number == number && field.wire == kLen) {
      out = field.bytes;
      return true;
    }
  }
  return false;
}

// "what: code N text" for the report's samples. Error, Unsubscribe and Disconnect each hold one
// uint32 code and one string, so the first varint and the first bytes field are those.
std::string describe(std::string_view what, std::string_view message) {
  uint64_t code = 0;
  std::string_view text;
  Reader reader(message);
  Field field;
  while (!reader.done() && reader.field(field)) {
    if (field.wire == kVarint && code == 0) code = field.value;
    if (field.wire == kLen && text.empty()) text = field.bytes;
  }
  std::string out(what);
  out += ": code ";
  out += std::to_string(code);
  out += ' ';
  out += text;
  return out;
}

struct ReplyView {
  uint64_t id = 0;
  bool has_error = false;
  bool has_push = false;
  std::string_view error;
  std::string_view push;
};

bool parse_reply(std::string_view message, ReplyView& reply) {
  Reader reader(message);
  Field field;
  while (!reader.done()) {
    if (!reader.field(field)) return false;
    if (field.number == kReplyId && field.wire == kVarint) {
      reply.id = field.value;
    } else if (field.number == kReplyError && field.wire == kLen) {
      reply.has_error = true;
      reply.error = field.bytes;
    } else if (field.number == kReplyPush && field.wire == kLen) {
      reply.has_push = true;
      reply.push = field.bytes;
    }
  }
  return true;
}

class NeoProtobufSubscriber final : public SubscriberAdapter {
 public:
  explicit NeoProtobufSubscriber(std::string token) : token_(std::move(token)) {}

  std::string path(std::string_view /*channel*/) const override { return "/connection/websocket"; }
  std::string_view subprotocol() const override { return "centrifuge-protobuf"; }

  // connect and subscribe travel in one binary frame, one delimited Command after the other.
  void on_open(SubConn& conn, std::string_view channel, SubSink& sink) override {
    std::string commands;
    put_command(commands, kConnectId, kCommandConnect, token_);
    put_command(commands, kSubscribeId, kCommandSubscribe, channel);
    sink.send(conn, ws::kBinary, commands);
  }

  // One message may carry several delimited Replies; a broken length ends the connection.
  size_t on_data(SubConn& conn, std::string_view data, SubSink& sink) override {
    Reader reader(data);
    std::string_view reply;
    while (!reader.done() && conn.state != SubConn::State::kClosed) {
      if (!reader.bytes(reply)) {
        sink.protocol_error(conn, "truncated length-delimited protobuf Reply");
        break;
      }
      on_reply(conn, reply, sink);
    }
    return data.size();
  }

 private:
  void on_reply(SubConn& conn, std::string_view message, SubSink& sink) {
    static constexpr char kEmptyCommand[] = {'\0'};  // a delimited Command with no field
    if (message.empty()) {  // server ping: the connect reply asked for pongs
      sink.send(conn, ws::kBinary, std::string_view(kEmptyCommand, sizeof kEmptyCommand));
      return;
    }
    ReplyView reply;
    if (!parse_reply(message, reply)) {
      sink.protocol_error(conn, "unparsable protobuf Reply");
    } else if (reply.has_push) {
      on_push(conn, reply.push, sink);
    } else if (reply.has_error) {
      sink.server_error(conn, describe("error reply", reply.error));
    } else if (reply.id == kConnectId) {
      conn.progress = 1;
    } else if (reply.id == kSubscribeId && conn.progress == 1) {
      sink.subscribed(conn);
    } else {
      std::string what("protobuf Reply out of place, id ");  // appended: g++ 12's -Wrestrict
      what += std::to_string(reply.id);
      sink.protocol_error(conn, what);
    }
  }

  // A publication is a delivery of its data (the JSON stamp); unsubscribe and disconnect pushes
  // end the measurement for this subscriber, as in the JSON adapter.
  static void on_push(SubConn& conn, std::string_view push, SubSink& sink) {
    std::string_view body;
    std::string_view data;
    if (find_bytes(push, kPushPub, body)) {
      bool has_data = find_bytes(body, kPublicationData, data);
      sink.delivery(conn, has_data ? data : "protobuf publication without data");
    } else if (find_bytes(push, kPushUnsubscribe, body)) {
      sink.server_error(conn, describe("unsubscribe push", body));
    } else if (find_bytes(push, kPushDisconnect, body)) {
      sink.server_error(conn, describe("disconnect push", body));
    } else {
      sink.server_error(conn, "protobuf push other than pub, unsubscribe or disconnect");
    }
  }

  std::string token_;
};

}  // namespace

std::unique_ptr<SubscriberAdapter> make_neo_protobuf_subscriber(const TargetOptions& target) {
  return std::make_unique<NeoProtobufSubscriber>(target.token);
}

}  // namespace bench
