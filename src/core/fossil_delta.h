// Fossil delta encoding (the format of the Fossil SCM, which Centrifugo uses for delta-compressed
// publications and centrifuge-js decodes with applyDelta).
//
// A delta is "<target size>\n", then commands "<count>@<offset>," (copy count bytes of the
// source from offset) and "<count>:<count bytes>" (insert those bytes), then "<checksum>;".
// Integers are written in base 64, most significant digit first, with the digits
// 0-9 A-Z _ a-z ~. The checksum is Fossil's 32-bit checksum of the target.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace neo::fossil {

// Neither create() nor apply() handles more: the format's integers are 32-bit and a decoder
// must not reserve whatever size a delta claims.
inline constexpr std::size_t kMaxSize = std::size_t{1} << 28;  // 256 MiB

// A delta that turns `source` into `target`. Throws std::length_error when either is larger
// than kMaxSize. It works on bytes: an insert may begin or end inside a UTF-8 character, so a
// delta that travels as a JSON string (Centrifugo's JSON protocol) is not always valid UTF-8.
std::string create(std::string_view source, std::string_view target);

// The target that `delta` makes of `source`; nullopt for any malformed delta (bad integer, copy
// outside the source, insert past the end of the delta, unknown command, size or checksum
// mismatch, missing or trailing bytes after the final ';').
std::optional<std::string> apply(std::string_view source, std::string_view delta);

}  // namespace neo::fossil
