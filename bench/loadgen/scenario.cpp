#include "scenario.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <thread>

#include "json.h"
#include "net.h"

namespace bench {
namespace {

void sleep_s(double seconds) {
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
}

void progress(const std::string& text) { std::fprintf(stderr, "neo-loadgen: %s\n", text.c_str()); }

// All subscriber threads of a run, and sums over them.
class Subscribers {
 public:
  Subscribers(const SubscriberOptions& options, const TargetOptions& target) : options_(options) {
    for (uint32_t t = 0; t < options.threads; ++t)
      threads_.push_back(std::make_unique<SubscriberThread>(options, target, t));
  }

  uint64_t sum(Counter SubscriberStats::*field) const {
    uint64_t total = 0;
    for (const auto& t : threads_) total += (t->stats().*field).get();
    return total;
  }

  uint64_t step_sum(uint32_t step, Counter StepCounters::*field) const {
    uint64_t total = 0;
    for (const auto& t : threads_) total += (t->stats().steps[step].*field).get();
    return total;
  }

  HistogramSum latency(uint32_t step) const {
    HistogramSum merged;
    for (const auto& t : threads_) merged.add(t->stats().steps[step].latency);
    return merged;
  }

  std::vector<uint64_t> per_channel() const {
    std::vector<uint64_t> counts(options_.channels, 0);
    for (const auto& t : threads_)
      for (uint32_t c = 0; c < options_.channels; ++c)
        counts[c] += t->stats().subscribed_per_channel[c].get();
    return counts;
  }

  // Errors that mean something went wrong with the connections, whatever the phase.
  uint64_t error_total() const {
    return sum(&SubscriberStats::connect_failed) + sum(&SubscriberStats::upgrade_failed) +
           sum(&SubscriberStats::protocol_errors) + sum(&SubscriberStats::server_errors) +
           sum(&SubscriberStats::closed_by_server) + sum(&SubscriberStats::timed_out) +
           sum(&SubscriberStats::unparsable);
  }

  std::string errors_json() const {
    std::vector<std::string> samples;
    for (const auto& t : threads_)
      for (const auto& s : t->error_samples()) samples.push_back(json_string(s));
    return JsonObject()
        .add("connect_failed", sum(&SubscriberStats::connect_failed))
        .add("upgrade_failed", sum(&SubscriberStats::upgrade_failed))
        .add("protocol_errors", sum(&SubscriberStats::protocol_errors))
        .add("server_errors", sum(&SubscriberStats::server_errors))
        .add("closed_by_server", sum(&SubscriberStats::closed_by_server))
        .add("timed_out", sum(&SubscriberStats::timed_out))
        .add("unparsable_deliveries", sum(&SubscriberStats::unparsable))
        .raw("samples", json_array(samples))
        .str();
  }

  // What permessage-deflate did (all zero without --ws-deflate): proof that it was in use.
  std::string compression_json() const {
    return JsonObject()
        .add("messages", sum(&SubscriberStats::compressed_messages))
        .add("wire_bytes", sum(&SubscriberStats::compressed_bytes))
        .add("inflated_bytes", sum(&SubscriberStats::inflated_bytes))
        .str();
  }

  struct Phase {
    uint64_t subscribed = 0;
    uint64_t failed = 0;
    double seconds = 0;
    double rate = 0;
  };

  // Opens every connection and waits until each is subscribed or has failed.
  Phase connect_all() {
    uint64_t start = now_ns();
    for (auto& t : threads_) t->start_connecting();
    uint64_t deadline = start + options_.subscribe_timeout_ns + 5'000'000'000ull;
    Phase phase;
    while (now_ns() < deadline) {
      phase.subscribed = sum(&SubscriberStats::subscribed);
      phase.failed = sum(&SubscriberStats::failed);
      if (phase.subscribed + phase.failed >= options_.subscribers) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    phase.subscribed = sum(&SubscriberStats::subscribed);
    phase.failed = sum(&SubscriberStats::failed);
    uint64_t last = 0;
    for (const auto& t : threads_) last = std::max(last, t->stats().last_subscribed_ns.get());
    phase.seconds = last > start ? static_cast<double>(last - start) / 1e9 : 0;
    phase.rate = phase.seconds > 0 ? static_cast<double>(phase.subscribed) / phase.seconds : 0;
    progress("subscribed " + std::to_string(phase.subscribed) + "/" +
             std::to_string(options_.subscribers) + " (failed " + std::to_string(phase.failed) +
             ") in " + std::to_string(phase.seconds) + " s");
    return phase;
  }

  std::string phase_json(const Phase& p) const {
    return JsonObject()
        .add("requested", options_.subscribers)
        .add("subscribed", p.subscribed)
        .add("failed", p.failed)
        .add("seconds", p.seconds)
        .add("per_second", p.rate)
        .str();
  }

  void stop() {
    for (auto& t : threads_) t->stop();
  }

 private:
  SubscriberOptions options_;
  std::vector<std::unique_ptr<SubscriberThread>> threads_;
};

std::string header_json(const RunOptions& o) {
  return JsonObject()
      .add("label", o.label)
      .add("mode", o.mode)
      .add("target", o.target.kind)
      .add("subscribers", o.subscribers.subscribers)
      .add("channels", o.subscribers.channels)
      .add("channel_pattern", o.subscribers.channel_pattern)
      .add("threads", o.subscribers.threads)
      .add("publisher_connections", o.publisher.connections)
      .add("pipeline", o.publisher.pipeline)
      .add("batch", o.publisher.batch)
      .add("neo_single", o.target.neo_single)
      .add("neo_protobuf", o.target.neo_protobuf)
      .add("ws_deflate", o.subscribers.deflate)
      .add("tls", o.subscribers.tls)
      .add("pad_bytes", o.publisher.pad_bytes)
      .str();
}

std::string publisher_json(const Publisher& p) {
  std::vector<std::string> samples;
  for (const auto& s : p.error_samples()) samples.push_back(json_string(s));
  return JsonObject()
      .add("issued", p.stats().issued.get())
      .add("acked", p.stats().acked.get())
      .add("failed", p.stats().failed.get())
      .add("errors", p.stats().errors.get())
      .add("dead_connections", p.stats().dead_conns.get())
      .raw("samples", json_array(samples))
      .str();
}

struct CpuMark {
  uint64_t server_ns = 0;
  uint64_t self_ns = 0;
  uint64_t wall_ns = 0;
};

CpuMark cpu_mark(const std::vector<int>& pids) {
  return {sample_processes(pids, false).cpu_ns, sample_self().cpu_ns, now_ns()};
}

// The outcome of one rate step, as the ramp and the final count need it.
struct StepResult {
  uint32_t step = 0;
  uint64_t expected = 0;
  bool pass = false;
  double delivered_per_s = 0;
  double rate = 0;
  std::string json;
};

// Counters at the start of a step, to take differences from.
struct Baseline {
  std::vector<uint64_t> acked_per_channel;
  uint64_t failed = 0;
  uint64_t errors = 0;  // publisher and subscriber errors together
  CpuMark cpu;
};

uint64_t error_total(const Subscribers& subs, const PublisherStats& ps) {
  return subs.error_total() + ps.errors.get() + ps.dead_conns.get();
}

Baseline baseline(const RunOptions& o, const Subscribers& subs, const PublisherStats& ps) {
  Baseline b;
  for (const auto& c : ps.acked_per_channel) b.acked_per_channel.push_back(c.get());
  b.failed = ps.failed.get();
  b.errors = error_total(subs, ps);
  b.cpu = cpu_mark(o.server_pids);
  return b;
}

// What a step is judged on, read once its drain window is over.
struct StepFigures {
  uint64_t acked = 0;
  uint64_t expected = 0;  // acknowledged publications x confirmed subscribers of their channel
  uint64_t delivered = 0;
  uint64_t failed = 0;
  uint64_t out_of_order = 0;
  uint64_t duplicates = 0;
  uint64_t new_errors = 0;
  bool stuck = false;  // requests still unanswered 10 s after the step
  CpuMark end;
};

// Publishes for one step, waits for every request's answer, then for the deliveries.
StepFigures publish_step(const RunOptions& o, const Subscribers& subs, Publisher& pub,
                         const Baseline& before, uint32_t step, double rate,
                         const std::vector<uint64_t>& subs_per_channel) {
  const auto& ps = pub.stats();
  pub.set_rate(step, rate);
  sleep_s(o.step_seconds);
  pub.set_rate(step, 0);
  uint64_t publish_end = now_ns();
  while (pub.outstanding() > 0 && now_ns() - publish_end < 10'000'000'000ull)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  StepFigures f;
  f.stuck = pub.outstanding() > 0;
  for (size_t c = 0; c < subs_per_channel.size(); ++c) {
    uint64_t n = ps.acked_per_channel[c].get() - before.acked_per_channel[c];
    f.acked += n;
    f.expected += n * subs_per_channel[c];
  }
  auto drain_deadline = publish_end + static_cast<uint64_t>(o.drain_seconds * 1e9);
  while (subs.step_sum(step, &StepCounters::delivered) < f.expected && now_ns() < drain_deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  f.end = cpu_mark(o.server_pids);
  f.delivered = subs.step_sum(step, &StepCounters::delivered);
  f.failed = ps.failed.get() - before.failed;
  f.out_of_order = subs.step_sum(step, &StepCounters::out_of_order);
  f.duplicates = subs.step_sum(step, &StepCounters::duplicates);
  f.new_errors = error_total(subs, ps) - before.errors;
  return f;
}

// Empty when the step passes, else the first reason it does not.
std::string judge(const StepFigures& f, double rate, double step_seconds) {
  double achieved = static_cast<double>(f.acked) / step_seconds;
  if (f.stuck) return "publications still unacknowledged 10 s after the step";
  if (f.failed > 0) return "failed publications";
  if (f.new_errors > 0) return "connection or protocol errors";
  if (f.delivered < f.expected) return "loss";  // the report tells late from lost
  if (f.out_of_order + f.duplicates > 0) return "out-of-order or duplicate deliveries";
  if (rate > 0 && achieved < 0.95 * rate) return "publisher could not reach the rate (lag)";
  return {};
}

std::string step_json(const RunOptions& o, const StepResult& r, const StepFigures& f,
                      const CpuMark& start, const HistogramSum& latency, const Publisher& pub,
                      std::string_view kind, const std::string& reason) {
  double wall = static_cast<double>(f.end.wall_ns - start.wall_ns) / 1e9;
  // How the server answered the publisher: when every connection has its whole pipeline
  // waiting (max_in_flight == in_flight_limit), acknowledgements set the pace, not the clock.
  const auto& answers = pub.stats().steps[r.step];
  HistogramSum ack;
  ack.add(answers.ack_latency);
  uint32_t limit = std::min(o.publisher.connections, kMaxPublisherConns) * o.publisher.pipeline;
  double server_cpu_ns = static_cast<double>(f.end.server_ns - start.server_ns);
  bool sampled = !o.server_pids.empty();
  return JsonObject()
      .add("step", r.step)
      .add("kind", kind)
      .add("target_rate", r.rate)
      .add("seconds", o.step_seconds)
      .add("acked", f.acked)
      .add("achieved_rate", static_cast<double>(f.acked) / o.step_seconds)
      .add("failed_publishes", f.failed)
      .add("expected", f.expected)
      .add("delivered", f.delivered)
      .add("delivered_per_s", r.delivered_per_s)
      .add("loss", f.expected > f.delivered ? f.expected - f.delivered : 0)
      .add("extra", f.delivered > f.expected ? f.delivered - f.expected : 0)
      .add("out_of_order", f.out_of_order)
      .add("duplicates", f.duplicates)
      .add("new_errors", f.new_errors)
      .add("p50_us", static_cast<double>(latency.quantile(0.5)) / 1e3)
      .add("p99_us", static_cast<double>(latency.quantile(0.99)) / 1e3)
      .add("max_us", static_cast<double>(latency.max()) / 1e3)
      .add("ack_p50_us", static_cast<double>(ack.quantile(0.5)) / 1e3)
      .add("ack_p99_us", static_cast<double>(ack.quantile(0.99)) / 1e3)
      .add("ack_max_us", static_cast<double>(ack.max()) / 1e3)
      .add("max_in_flight", answers.max_in_flight.get())
      .add("in_flight_limit", limit)
      .add("wall_s", wall)
      .add("server_cpu_cores", sampled ? server_cpu_ns / 1e9 / wall : NAN)
      .add("server_cpu_ns_per_delivery",
           sampled && f.delivered > 0 ? server_cpu_ns / static_cast<double>(f.delivered) : NAN)
      .add("loadgen_cpu_cores", static_cast<double>(f.end.self_ns - start.self_ns) / 1e9 / wall)
      .add("pass", r.pass)
      .add("reason", reason)
      .str();
}

// One rate step of a fan-out run: publish for step_seconds, let in-flight requests finish and
// deliveries drain, then compare deliveries with acknowledged publications x subscribers.
StepResult run_step(const RunOptions& o, Subscribers& subs, Publisher& pub, uint32_t step,
                    double rate, const std::vector<uint64_t>& subs_per_channel,
                    std::string_view kind) {
  Baseline before = baseline(o, subs, pub.stats());
  StepFigures f = publish_step(o, subs, pub, before, step, rate, subs_per_channel);
  std::string reason = judge(f, rate, o.step_seconds);
  StepResult r;
  r.step = step;
  r.expected = f.expected;
  r.pass = reason.empty();
  r.rate = rate;
  r.delivered_per_s = static_cast<double>(f.delivered) / o.step_seconds;
  r.json = step_json(o, r, f, before.cpu, subs.latency(step), pub, kind, reason);
  progress(std::string(kind) + " step " + std::to_string(step) + " rate " +
           std::to_string(static_cast<uint64_t>(rate)) + ": " + r.json);
  return r;
}

// A step's "loss" is what had not arrived by the end of its drain window. Once publishing has
// stopped for good, count again: what arrives late was queued, not lost; what never arrives
// is lost. Both matter, and only this tells them apart.
std::string late_accounting(const RunOptions& o, const Subscribers& subs,
                            const std::vector<StepResult>& results) {
  uint64_t deadline = now_ns() + static_cast<uint64_t>(2 * o.drain_seconds * 1e9);
  auto missing = [&] {
    uint64_t total = 0;
    for (const auto& r : results) {
      uint64_t got = subs.step_sum(r.step, &StepCounters::delivered);
      total += r.expected > got ? r.expected - got : 0;
    }
    return total;
  };
  while (missing() > 0 && now_ns() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::vector<std::string> items;
  for (const auto& r : results)
    items.push_back(JsonObject()
                        .add("step", r.step)
                        .add("expected", r.expected)
                        .add("delivered_by_end", subs.step_sum(r.step, &StepCounters::delivered))
                        .str());
  return json_array(items);
}

}  // namespace

int run_idle(const RunOptions& o, std::string& json) {
  Subscribers subs(o.subscribers, o.target);
  sleep_s(0.2);  // let the threads reach their loops before the baseline is read
  ProcSample before = sample_processes(o.server_pids, true);
  auto phase = subs.connect_all();
  sleep_s(o.settle_seconds);
  ProcSample after = sample_processes(o.server_pids, true);
  auto n = static_cast<double>(std::max<uint64_t>(phase.subscribed, 1));
  bool complete = phase.subscribed == o.subscribers.subscribers;
  json =
      JsonObject()
          .raw("run", header_json(o))
          .raw("connect", subs.phase_json(phase))
          .add("complete", complete)
          .add("rss_before_bytes", before.rss_bytes)
          .add("rss_after_bytes", after.rss_bytes)
          .add("rss_per_connection_bytes",
               (static_cast<double>(after.rss_bytes) - static_cast<double>(before.rss_bytes)) / n)
          .add("pss_per_connection_bytes",
               (static_cast<double>(after.pss_bytes) - static_cast<double>(before.pss_bytes)) / n)
          .add("server_sampled", before.ok && after.ok && !o.server_pids.empty())
          .raw("subscriber_errors", subs.errors_json())
          .raw("compression", subs.compression_json())
          .str();
  subs.stop();
  return complete ? 0 : 1;
}

int run_fanout(const RunOptions& o, std::string& json) {
  Subscribers subs(o.subscribers, o.target);
  auto phase = subs.connect_all();
  bool complete = phase.subscribed == o.subscribers.subscribers;
  std::vector<std::string> steps;
  std::vector<StepResult> results;
  StepResult best;
  if (phase.subscribed > 0) {
    std::vector<uint64_t> per_channel = subs.per_channel();
    Publisher pub(o.publisher, o.target);
    sleep_s(0.5);  // greetings (CONNECT, INFO) settle before the first timed step
    uint32_t step = 0;
    uint32_t failures = 0;
    for (double rate : o.rates) {
      if (step + 1 >= kMaxSteps || !pub.connected()) break;
      StepResult r = run_step(o, subs, pub, step++, rate, per_channel, "ramp");
      steps.push_back(r.json);
      results.push_back(r);
      if (r.pass && r.delivered_per_s > best.delivered_per_s) best = r;
      if (!r.pass && ++failures >= o.stop_after_failed_steps) break;
    }
    if (o.half_peak_step && best.rate > 0 && pub.connected()) {
      // The ramp ended on a failed step: let its backlog clear so this step starts quiet.
      sleep_s(o.drain_seconds);
      results.push_back(run_step(o, subs, pub, step++, best.rate / 2, per_channel, "half_peak"));
      steps.push_back(results.back().json);
    }
    pub.stop();
    std::string late = late_accounting(o, subs, results);
    json = JsonObject()
               .raw("run", header_json(o))
               .raw("connect", subs.phase_json(phase))
               .add("complete", complete)
               .add("publisher_connected", pub.connected())
               .add("peak_rate", best.rate)
               .add("peak_delivered_per_s", best.delivered_per_s)
               .raw("steps", json_array(steps))
               .raw("final_count", late)
               .raw("publisher", publisher_json(pub))
               .raw("subscriber_errors", subs.errors_json())
               .raw("compression", subs.compression_json())
               .str();
  } else {
    json = JsonObject()
               .raw("run", header_json(o))
               .raw("connect", subs.phase_json(phase))
               .add("complete", false)
               .raw("steps", "[]")
               .raw("subscriber_errors", subs.errors_json())
               .str();
  }
  subs.stop();
  return complete ? 0 : 1;
}

int run_publish(const RunOptions& o, std::string& json) {
  Publisher pub(o.publisher, o.target);
  sleep_s(0.3);
  pub.set_rate(0, -1);  // warm-up: first allocations, TCP windows
  sleep_s(std::min(1.0, o.duration_seconds / 5));
  pub.set_rate(0, 0);
  while (pub.outstanding() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  uint64_t acked_before = pub.stats().acked.get();
  uint64_t failed_before = pub.stats().failed.get();
  CpuMark start = cpu_mark(o.server_pids);
  pub.set_rate(1, -1);
  sleep_s(o.duration_seconds);
  pub.set_rate(1, 0);
  uint64_t stop_ns = now_ns();
  while (pub.outstanding() > 0 && now_ns() - stop_ns < 10'000'000'000ull)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  CpuMark end = cpu_mark(o.server_pids);
  pub.stop();
  double wall = static_cast<double>(end.wall_ns - start.wall_ns) / 1e9;
  uint64_t acked = pub.stats().acked.get() - acked_before;
  uint64_t failed = pub.stats().failed.get() - failed_before;
  json =
      JsonObject()
          .raw("run", header_json(o))
          .add("seconds", wall)
          .add("acked", acked)
          .add("failed", failed)
          .add("per_second", static_cast<double>(acked) / wall)
          .add("server_cpu_cores",
               o.server_pids.empty()
                   ? NAN
                   : static_cast<double>(end.server_ns - start.server_ns) / 1e9 / wall)
          .add("loadgen_cpu_cores", static_cast<double>(end.self_ns - start.self_ns) / 1e9 / wall)
          .raw("publisher", publisher_json(pub))
          .str();
  return failed == 0 && pub.connected() && pub.stats().errors.get() == 0 ? 0 : 1;
}

}  // namespace bench
