// The payload every publication carries: {"s":SEQ,"t":SENT_NS,"p":PUBLISHER,"k":STEP}. It is
// JSON so that neo-events can embed it as publication data, and raw bytes for the peers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace bench {

struct Stamp {
  uint64_t seq = 0;      // per publisher connection, increasing in publish order
  uint64_t sent_ns = 0;  // CLOCK_MONOTONIC when the request carrying it was written
  uint32_t publisher = 0;
  uint32_t step = 0;
};

inline constexpr size_t kMaxStampBytes = 96;

// Writes the payload into out (at least kMaxStampBytes + pad_bytes) and returns its length.
// pad_bytes > 0 appends a "x" string field so payload size can be chosen.
size_t write_stamp(char* out, const Stamp& stamp, size_t pad_bytes);

// Finds the payload inside text (a raw message or a whole protocol line around it).
bool parse_stamp(std::string_view text, Stamp& stamp);

}  // namespace bench
