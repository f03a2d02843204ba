#include "node/reload.h"

#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>

#include "core/file.h"

namespace neo::node {
namespace {

template <class T>
void keep(const char* key, const T& running, T& next, std::vector<std::string>& changed) {
  if (running == next) return;
  changed.emplace_back(key);
  next = running;
}

}  // namespace

std::vector<std::string> keep_restart_only(const config::Config& running, config::Config& next) {
  std::vector<std::string> changed;
  const auto& r = running;
  auto& n = next;
  keep("http.listen", r.http.listen, n.http.listen, changed);
  keep("http.allowed_origins", r.http.allowed_origins, n.http.allowed_origins, changed);
  keep("http.max_body_bytes", r.http.max_body_bytes, n.http.max_body_bytes, changed);
  keep("http.max_bodies_in_flight_bytes", r.http.max_bodies_in_flight_bytes,
       n.http.max_bodies_in_flight_bytes, changed);
  keep("http.tls.handshake_timeout", r.http.tls.handshake_timeout, n.http.tls.handshake_timeout,
       changed);
  // The listener's scheme: TLS on or off. New files for TLS that stays on are a live change.
  if (r.http.tls.cert_file.empty() != n.http.tls.cert_file.empty()) {
    changed.emplace_back("http.tls (on or off)");
    n.http.tls = r.http.tls;
  }
  keep("client.max_message_bytes", r.client.max_message_bytes, n.client.max_message_bytes, changed);
  keep("client.queue_max_bytes", r.client.queue_max_bytes, n.client.queue_max_bytes, changed);
  keep("websocket", r.websocket, n.websocket, changed);
  keep("api.idempotency_max_keys", r.api.idempotency_max_keys, n.api.idempotency_max_keys, changed);
  keep("engine", r.engine, n.engine, changed);
  keep("metrics", r.metrics, n.metrics, changed);
  keep("log", r.log, n.log, changed);
  keep("node", r.node, n.node, changed);
  keep("audit", r.audit, n.audit, changed);
  keep("catalogue_file", r.catalogue_file, n.catalogue_file, changed);
  return changed;
}

std::optional<std::string> write_pid(const std::string& path) {
  std::ofstream out(path, std::ios::trunc);
  out << ::getpid() << "\n";
  out.close();
  if (!out) return std::string(std::strerror(errno));
  return std::nullopt;
}

std::optional<long> read_pid(const std::string& path, std::string& error) {
  std::string text;
  if (auto problem = read_file(path, text)) {
    error = "cannot read " + path + ": " + *problem;
    return std::nullopt;
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  long pid = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), pid);
  if (ec != std::errc() || end != text.data() + text.size() || pid <= 1) {
    error = path + " does not hold a pid";
    return std::nullopt;
  }
  return pid;
}

}  // namespace neo::node
