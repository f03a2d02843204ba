// permessage-deflate (RFC 7692) as the server negotiates it: no context takeover in either
// direction, so every message is one self-contained deflate stream. That lets a publication be
// compressed once and the same bytes go to every compressed subscriber (Frame::companion), and
// no connection keeps a zlib window (32 KiB each way) between messages: the deflater and the
// inflater are per thread, reset for each message.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace neo::transport::websocket {

// What the server answers in Sec-WebSocket-Extensions when it accepts.
inline constexpr std::string_view kDeflateResponse =
    "permessage-deflate; server_no_context_takeover; client_no_context_takeover";

// True when the Sec-WebSocket-Extensions offer has a permessage-deflate the server can take:
// parameters among client_max_window_bits, server_no_context_takeover,
// client_no_context_takeover, and server_max_window_bits only as 15 (a smaller window would
// make the shared compressed bytes depend on the connection).
bool accepts_permessage_deflate(std::string_view offer);

// The payload of a compressed message: raw deflate at `level` (1..9), flushed, without the
// final 00 00 ff ff (RFC 7692 7.2.1).
std::string deflate_message(std::string_view message, int level);

enum class InflateResult { ok, too_big, corrupt };
// Inflates one received message's payload into `out` (replaced); too_big as soon as the output
// would pass `limit` bytes, so a small bomb never becomes a large allocation.
InflateResult inflate_message(std::string_view payload, std::size_t limit, std::string& out);

}  // namespace neo::transport::websocket
