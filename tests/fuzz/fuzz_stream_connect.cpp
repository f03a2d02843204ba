// What opens and drives the streaming transports, from arbitrary bytes: the request target
// whose cf_connect query parameter carries the connect request (uni_sse and sse GET,
// uni_websocket), the bare ConnectRequest body (uni POST), and the body of POST /emulation,
// whose commands then go through the client protocol decoder. Whatever decodes must survive
// the way back: its connect result, encoded as the connect push and unwrapped as uni transports
// send it, is one valid JSON object.
#include <cstdint>
#include <string>
#include <vector>

#include "core/uri.h"
#include "fuzz_support.h"
#include "protocol/command.h"
#include "protocol/encoder.h"
#include "transport/emulation.h"
#include "transport/push_framing.h"

namespace {

using namespace neo;
using namespace neo::protocol;

void check_connect_request(std::string_view request) {
  Command cmd;
  if (decode_connect_request(request, cmd) != DecodeStatus::ok) return;
  if (cmd.method != Method::connect || cmd.id != 1) fuzz::fail("connect request: not a connect");
  ConnectResult result;
  result.client = cmd.token;
  result.version = cmd.version;
  result.data = cmd.data;
  for (const auto& [channel, sub] : cmd.subs) {
    SubscribeResult r;
    r.epoch = sub.epoch;
    r.offset = sub.offset;
    r.recovered = sub.recover;
    r.data = sub.data;
    result.subs.emplace_back(channel, r);
  }
  std::string body;
  JsonWriter w(body);
  write_connect_result(w, result);
  std::string push = encode_connect_push(body);
  std::string_view bare = transport::bare_push(push);
  if (bare.size() + transport::kPushPrefix.size() + 1 != push.size())
    fuzz::fail("bare_push did not unwrap the connect push", push);
  fuzz::require_json("bare connect push", bare);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  // An escape never decodes to a NUL (a raw one only passes through: HTTP framing refuses it).
  bool raw_nul = input.find('\0') != std::string_view::npos;
  // As a request target (uni_sse GET, uni_websocket): the query's cf_connect.
  if (auto request = query_value(input, "cf_connect")) {
    if (!raw_nul && request->find('\0') != std::string::npos)
      fuzz::fail("query_value decoded a NUL", input);
    check_connect_request(*request);
  }
  if (auto path = percent_decode(input); !raw_nul && path && path->find('\0') != std::string::npos)
    fuzz::fail("percent_decode decoded a NUL", input);
  // As a POST body.
  check_connect_request(input);
  // As POST /emulation: a session, a node and a command batch.
  if (auto request = transport::parse_emulation_request(input)) {
    if (request->session.empty() || request->data.empty())
      fuzz::fail("emulation request without session or data", input);
    std::vector<Command> commands;
    if (decode_commands(request->data, commands) == DecodeStatus::ok && commands.empty())
      fuzz::fail("emulation commands: ok with no command", request->data);
  }
  // As POST /emulation with protobuf: an EmulationRequest message.
  if (auto request = transport::parse_emulation_request(input, transport::WireFormat::protobuf)) {
    if (request->session.empty() || request->data.empty())
      fuzz::fail("protobuf emulation request without session or data", input);
    if (request->session.size() + request->node.size() + request->data.size() > input.size())
      fuzz::fail("protobuf emulation request larger than its input", input);
  }
  return 0;
}
