// The body of POST /emulation from a protobuf client (centrifuge-js's http_stream transport with
// the protobuf build): one EmulationRequest message, not length-prefixed. The JSON body is
// transport::parse_emulation_request's.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace neo::protocol {

struct EmulationRequest {
  std::string node;
  std::string session;
  std::string data;  // the commands, length-prefixed as in a WebSocket frame
};

// nullopt for a body that is not an EmulationRequest, or that names no session or carries no
// commands (as the JSON body's parser decides).
std::optional<EmulationRequest> decode_emulation_request(std::string_view body);

}  // namespace neo::protocol
