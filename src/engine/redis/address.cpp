#include "engine/redis/address.h"

#include <charconv>

#include "core/uri.h"

namespace neo::engine::redis {
namespace {

constexpr std::string_view kPlain = "redis://";
constexpr std::string_view kTls = "rediss://";

// The part after the scheme, or nullopt for another scheme.
std::optional<std::string_view> after_scheme(std::string_view url, bool& tls) {
  tls = url.starts_with(kTls);
  if (tls) return url.substr(kTls.size());
  if (url.starts_with(kPlain)) return url.substr(kPlain.size());
  return std::nullopt;
}

// A whole decimal number in [min, max], nothing else.
std::optional<int> whole_number(std::string_view text, int min, int max) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < min ||
      value > max)
    return std::nullopt;
  return value;
}

// "user:password" -> the address's credentials; an error text, or "" when fine.
std::string take_credentials(std::string_view userinfo, Address& address) {
  auto colon = userinfo.find(':');
  auto user = percent_decode(userinfo.substr(0, colon));
  auto password = colon == std::string_view::npos ? std::optional<std::string>("")
                                                  : percent_decode(userinfo.substr(colon + 1));
  if (!user || !password) return "bad percent-encoding in the user or password";
  if (!user->empty() && password->empty())
    return "user '" + *user + "' needs a password (redis://user:password@host)";
  address.user = std::move(*user);
  address.password = std::move(*password);
  return "";
}

// "host", "host:port", "[v6]", "[v6]:port"; an error text, or "" when fine.
std::string take_host_port(std::string_view text, Address& address) {
  std::string_view port;
  if (text.starts_with('[')) {
    auto close = text.find(']');
    if (close == std::string_view::npos) return "missing ] after the IPv6 host";
    address.host = std::string(text.substr(1, close - 1));
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty() && !rest.starts_with(':')) return "unexpected text after the IPv6 host";
    if (!rest.empty()) port = rest.substr(1);
    if (!rest.empty() && port.empty()) return "port must be 1-65535";
  } else {
    auto colon = text.find(':');
    if (colon != std::string_view::npos && text.find(':', colon + 1) != std::string_view::npos)
      return "an IPv6 host goes in brackets ([::1]:6379)";
    address.host = std::string(text.substr(0, colon));
    if (colon != std::string_view::npos) port = text.substr(colon + 1);
    if (colon != std::string_view::npos && port.empty()) return "port must be 1-65535";
  }
  if (address.host.empty()) return "host is empty";
  if (!port.empty()) {
    auto number = whole_number(port, 1, 65535);
    if (!number) return "port must be 1-65535";
    address.port = *number;
  }
  return "";
}

// "host:port[/db]" after the credentials; an error text, or "" when fine.
std::string take_location(std::string_view text, Address& address) {
  auto slash = text.find('/');
  if (auto error = take_host_port(text.substr(0, slash), address); !error.empty()) return error;
  if (slash == std::string_view::npos) return "";
  std::string_view db = text.substr(slash + 1);
  if (db.empty()) return "";  // "redis://host:6379/": the default database
  auto number = whole_number(db, 0, 1 << 30);
  if (!number) return "database must be a non-negative integer, got '" + std::string(db) + "'";
  address.db = *number;
  return "";
}

}  // namespace

Address with_access(const Address& node, const Address& access) {
  Address out = node;
  out.user = access.user;
  out.password = access.password;
  out.db = access.db;
  out.tls = access.tls;
  if (out.tls && out.text.starts_with(kPlain)) out.text.insert(kPlain.size() - 3, "s");
  if (out.db) out.text += "/" + std::to_string(*out.db);
  return out;
}

std::string mask_password(std::string_view url) {
  auto scheme = url.find("://");
  std::size_t start = scheme == std::string_view::npos ? 0 : scheme + 3;
  auto at = url.rfind('@');
  if (at == std::string_view::npos || at < start) return std::string(url);
  auto colon = url.find(':', start);
  if (colon == std::string_view::npos || colon > at) return std::string(url);
  std::string masked(url.substr(0, colon + 1));
  masked.append("***").append(url.substr(at));
  return masked;
}

ParsedAddress parse_address(std::string_view url) {
  ParsedAddress parsed;
  Address address;
  address.text = mask_password(url);
  auto fail = [&](const std::string& why) {
    parsed.error = "redis address '" + address.text + "': " + why;
    return parsed;
  };
  auto rest = after_scheme(url, address.tls);
  if (!rest) return fail("expected redis://host:port or rediss://host:port");
  // The last '@' ends the credentials: a password may hold an unencoded '@' or '/'.
  auto at = rest->rfind('@');
  if (at != std::string_view::npos) {
    if (auto error = take_credentials(rest->substr(0, at), address); !error.empty())
      return fail(error);
    rest = rest->substr(at + 1);
  }
  if (auto error = take_location(*rest, address); !error.empty()) return fail(error);
  parsed.address = std::move(address);
  return parsed;
}

}  // namespace neo::engine::redis
