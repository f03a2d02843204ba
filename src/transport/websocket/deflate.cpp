#include "transport/websocket/deflate.h"

#include <zlib.h>

#include <memory>
#include <stdexcept>

namespace neo::transport::websocket {

namespace {

constexpr unsigned char kTail[] = {0x00, 0x00, 0xff, 0xff};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool acceptable_parameter(std::string_view param) {
  auto eq = param.find('=');
  std::string_view name = trim(param.substr(0, eq));
  std::string_view value = eq == std::string_view::npos ? "" : trim(param.substr(eq + 1));
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
    value = value.substr(1, value.size() - 2);
  if (name == "server_no_context_takeover" || name == "client_no_context_takeover")
    return value.empty();
  if (name == "client_max_window_bits") return true;  // we do not depend on the client's window
  if (name == "server_max_window_bits") return value == "15";
  return false;
}

bool acceptable_offer(std::string_view offer) {
  auto semi = offer.find(';');
  if (trim(offer.substr(0, semi)) != "permessage-deflate") return false;
  while (semi != std::string_view::npos) {
    offer.remove_prefix(semi + 1);
    semi = offer.find(';');
    if (!acceptable_parameter(offer.substr(0, semi))) return false;
  }
  return true;
}

// One deflater and one inflater per thread: connections never keep zlib state between messages.
struct Deflater {
  z_stream z{};
  int level = -1;
  ~Deflater() {
    if (level >= 0) deflateEnd(&z);
  }
  z_stream& for_level(int wanted) {
    if (level != wanted) {
      if (level >= 0) deflateEnd(&z);
      z = z_stream{};
      if (deflateInit2(&z, wanted, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        throw std::runtime_error("deflateInit2 failed");
      level = wanted;
    } else {
      deflateReset(&z);
    }
    return z;
  }
};

struct Inflater {
  z_stream z{};
  bool ready = false;
  ~Inflater() {
    if (ready) inflateEnd(&z);
  }
  z_stream& fresh() {
    if (!ready) {
      if (inflateInit2(&z, -15) != Z_OK) throw std::runtime_error("inflateInit2 failed");
      ready = true;
    } else {
      inflateReset(&z);
    }
    return z;
  }
};

}  // namespace

bool accepts_permessage_deflate(std::string_view offers) {
  while (!offers.empty()) {
    auto comma = offers.find(',');
    if (acceptable_offer(offers.substr(0, comma))) return true;
    if (comma == std::string_view::npos) break;
    offers.remove_prefix(comma + 1);
  }
  return false;
}

std::string deflate_message(std::string_view message, int level) {
  static thread_local Deflater deflater;
  z_stream& z = deflater.for_level(level);
  std::string out;
  out.resize(deflateBound(&z, message.size()) + 16);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(message.data()));
  z.avail_in = static_cast<uInt>(message.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_SYNC_FLUSH);  // the bound leaves room: one call takes all
  out.resize(out.size() - z.avail_out);
  if (out.size() >= 4 && std::string_view(out).substr(out.size() - 4) ==
                             std::string_view(reinterpret_cast<const char*>(kTail), 4))
    out.resize(out.size() - 4);
  return out;
}

InflateResult inflate_message(std::string_view payload, std::size_t limit, std::string& out) {
  static thread_local Inflater inflater;
  z_stream& z = inflater.fresh();
  out.clear();
  char chunk[16 * 1024];
  auto run = [&](std::string_view input) -> int {
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
    z.avail_in = static_cast<uInt>(input.size());
    while (true) {
      z.next_out = reinterpret_cast<Bytef*>(chunk);
      z.avail_out = sizeof(chunk);
      int status = inflate(&z, Z_SYNC_FLUSH);
      std::size_t produced = sizeof(chunk) - z.avail_out;
      if (out.size() + produced > limit) return Z_MEM_ERROR;  // our "too big"
      out.append(chunk, produced);
      if (status == Z_STREAM_END) return Z_STREAM_END;
      if (status == Z_BUF_ERROR) return Z_OK;  // input used up: no progress possible
      if (status != Z_OK) return status;
      if (z.avail_in == 0 && z.avail_out != 0) return Z_OK;
    }
  };
  int status = run(payload);
  if (status == Z_OK) status = run(std::string_view(reinterpret_cast<const char*>(kTail), 4));
  if (status == Z_MEM_ERROR) return InflateResult::too_big;
  if (status != Z_OK && status != Z_STREAM_END) return InflateResult::corrupt;
  return InflateResult::ok;
}

}  // namespace neo::transport::websocket
