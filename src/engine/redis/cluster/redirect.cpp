#include "engine/redis/cluster/redirect.h"

#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>

#include <charconv>

#include "engine/redis/cluster/slot.h"

namespace neo::engine::redis::cluster {

namespace {

template <typename T>
std::optional<T> number(std::string_view text) {
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

}  // namespace

Address node_address(std::string host, int port) {
  Address address;
  address.text = "redis://" + host + ":" + std::to_string(port);
  address.host = std::move(host);
  address.port = port;
  return address;
}

std::optional<Address> parse_endpoint(std::string_view endpoint) {
  auto colon = endpoint.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  auto port = number<int>(endpoint.substr(colon + 1));
  if (!port || *port < 1 || *port > 65535) return std::nullopt;
  return node_address(std::string(endpoint.substr(0, colon)), *port);
}

RedirectParse parse_redirect(std::string_view error) {
  Redirect redirect;
  if (error.starts_with("MOVED ")) {
    redirect.kind = Redirect::Kind::moved;
  } else if (error.starts_with("ASK ")) {
    redirect.kind = Redirect::Kind::ask;
  } else {
    return {};
  }
  std::string_view rest = error.substr(error.find(' ') + 1);
  auto space = rest.find(' ');
  auto malformed = [&](std::string_view what) {
    return RedirectParse{std::nullopt, std::string(what) + " in \"" + std::string(error) + "\""};
  };
  if (space == std::string_view::npos || rest.find(' ', space + 1) != std::string_view::npos)
    return malformed("expected <slot> <host>:<port>");
  auto slot = number<unsigned>(rest.substr(0, space));
  if (!slot || *slot >= kSlots) return malformed("bad slot");
  auto to = parse_endpoint(rest.substr(space + 1));
  if (!to) return malformed("bad endpoint");
  redirect.slot = static_cast<std::uint16_t>(*slot);
  redirect.to = std::move(*to);
  return {std::move(redirect), {}};
}

std::optional<Redirect> redirect_in(std::string_view error, std::string_view asked_host) {
  auto parsed = parse_redirect(error);
  if (!parsed.problem.empty()) spdlog::warn("redis cluster: {}", parsed.problem);
  if (parsed.redirect && parsed.redirect->to.host.empty())
    parsed.redirect->to = node_address(std::string(asked_host), parsed.redirect->to.port);
  return parsed.redirect;
}

std::optional<Redirect> redirect_in(const redisReply* reply, std::string_view asked_host) {
  if (!reply || reply->type != REDIS_REPLY_ERROR) return std::nullopt;
  return redirect_in(std::string_view(reply->str, reply->len), asked_host);
}

}  // namespace neo::engine::redis::cluster
