// neo-loadgen: drives one server under test through one scenario and prints a JSON result.
// Usage examples are in bench/run.sh, which is the intended caller.
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <sstream>

#include "scenario.h"

namespace {

template <typename T>
std::vector<T> parse_list(const std::string& text) {
  std::vector<T> values;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ','))
    if (!item.empty()) values.push_back(static_cast<T>(std::stod(item)));
  return values;
}

// Connections are file descriptors: take the hard limit, whatever the shell left as soft.
void raise_fd_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

}  // namespace

int main(int argc, char** argv) {
  bench::RunOptions o;
  std::string pids;
  std::string rates;
  double subscribe_timeout_s = 60;
  CLI::App app{"neo-loadgen: fan-out, latency, loss and density measurements"};
  app.add_option("--mode", o.mode, "idle | fanout | publish")->required();
  app.add_option("--target", o.target.kind, "neo | nats | mqtt | nchan")->required();
  app.add_option("--label", o.label, "free text copied into the result");
  app.add_option("--host", o.target.host, "server address (loopback)");
  app.add_option("--ws-port", o.target.ws_port, "WebSocket port of the subscribers");
  app.add_option("--pub-port", o.target.pub_port, "port of the publishers");
  app.add_option("--token", o.target.token, "neo: connection JWT");
  app.add_option("--api-key", o.target.api_key, "neo: server API key");
  app.add_flag("--neo-single", o.target.neo_single, "neo: /api/publish instead of /api/batch");
  app.add_flag("--neo-protobuf", o.target.neo_protobuf,
               "neo: subscribers speak protobuf (subprotocol centrifuge-protobuf)");
  app.add_flag("--ws-deflate", o.subscribers.deflate,
               "subscribers offer permessage-deflate (no context takeover) and inflate");
  app.add_flag("--tls", o.subscribers.tls,
               "subscribers connect with TLS (wss; the certificate is not verified)");
  app.add_option("--subscribers", o.subscribers.subscribers, "subscriber connections");
  app.add_option("--channels", o.subscribers.channels, "channels (subscriber i on i % channels)");
  app.add_option("--channel", o.subscribers.channel_pattern, "channel name, {} = index")
      ->required();
  app.add_option("--threads", o.subscribers.threads, "subscriber threads");
  app.add_option("--connect-concurrency", o.subscribers.connect_concurrency,
                 "handshakes in progress per thread");
  app.add_option("--subscribe-timeout", subscribe_timeout_s, "seconds");
  app.add_option("--pub-conns", o.publisher.connections, "publisher connections (max 8)");
  app.add_option("--pipeline", o.publisher.pipeline, "requests in flight per publisher connection");
  app.add_option("--batch", o.publisher.batch, "publications per request at most");
  app.add_option("--pad", o.publisher.pad_bytes, "extra payload bytes");
  app.add_option("--rates", rates, "fanout: comma-separated publications/s per step");
  app.add_option("--step-seconds", o.step_seconds, "fanout: seconds per rate step");
  app.add_option("--drain-seconds", o.drain_seconds, "fanout: wait for late deliveries");
  app.add_option("--stop-after", o.stop_after_failed_steps, "fanout: failed steps before stopping");
  app.add_flag("--half-peak", o.half_peak_step, "fanout: one more step at half the peak rate");
  app.add_option("--settle-seconds", o.settle_seconds, "idle: wait before reading memory");
  app.add_option("--duration", o.duration_seconds, "publish: seconds measured");
  app.add_option("--server-pids", pids, "comma-separated pids of the server's processes");
  CLI11_PARSE(app, argc, argv);

  raise_fd_limit();
  o.subscribers.host = o.target.host;
  o.subscribers.port = o.target.ws_port;
  o.subscribers.subscribe_timeout_ns = static_cast<uint64_t>(subscribe_timeout_s * 1e9);
  o.subscribers.channels = std::max(1u, o.subscribers.channels);
  o.subscribers.threads = std::max(1u, o.subscribers.threads);
  o.publisher.host = o.target.host;
  o.publisher.port = o.target.pub_port;
  o.publisher.channel_pattern = o.subscribers.channel_pattern;
  o.publisher.channels = o.subscribers.channels;
  o.server_pids = parse_list<int>(pids);
  o.rates = parse_list<double>(rates);

  std::string json;
  int status = 2;
  if (o.mode == "idle")
    status = bench::run_idle(o, json);
  else if (o.mode == "fanout")
    status = bench::run_fanout(o, json);
  else if (o.mode == "publish")
    status = bench::run_publish(o, json);
  else
    std::fprintf(stderr, "neo-loadgen: unknown mode %s\n", o.mode.c_str());
  if (!json.empty()) std::printf("%s\n", json.c_str());
  return status;
}
