#include "session/services.h"

namespace neo::session {

engine::HistoryOptions history_options(const config::NamespaceOptions& ns) {
  engine::HistoryOptions options;
  if (!ns.history_enabled()) return options;
  options.size = ns.history_size;
  options.ttl = ns.history_ttl;
  options.meta_ttl = ns.history_meta_ttl;
  return options;
}

std::uint32_t error_code_for(auth::Decision decision) {
  switch (decision) {
    case auth::Decision::allow:
      return 0;
    case auth::Decision::unknown_channel:
      return 102;
    case auth::Decision::bad_channel:
      return 107;
    case auth::Decision::denied:
      return 103;
  }
  return 103;
}

std::optional<std::uint32_t> Services::admit_publication(std::string_view channel,
                                                         const audit::Event& who) const {
  if (!limits) return 0;
  auto verdict = limits->admit_publication(channel, std::chrono::steady_clock::now());
  if (verdict == limits::Verdict::pending) return std::nullopt;
  return answer(verdict, channel, who);
}

namespace {

// An audit::Event's text kept for an answer that comes later (an Event only views it).
struct HeldEvent {
  explicit HeldEvent(const audit::Event& e)
      : action(e.action), user(e.user), tenant(e.tenant), remote(e.remote) {}
  audit::Event view() const { return audit::Event{action, user, tenant, "", "", remote, 0}; }
  std::string action, user, tenant, remote;
};

}  // namespace

void Services::admit_publication_later(std::string_view channel, const audit::Event& who,
                                       std::function<void(std::uint32_t)> done) const {
  if (!limits) return done(0);
  limits->admit_publication_later(
      channel, std::chrono::steady_clock::now(),
      [this, channel = std::string(channel), who = HeldEvent(who), done = std::move(done)](
          limits::Verdict verdict) { done(answer(verdict, channel, who.view())); });
}

std::uint32_t Services::answer(limits::Verdict verdict, std::string_view channel,
                               const audit::Event& who) const {
  if (verdict == limits::Verdict::allow) return 0;
  if (metrics)
    metrics->rate_limited(verdict == limits::Verdict::tenant_rate
                              ? metrics::RateLimit::tenant_publish
                              : metrics::RateLimit::publish);
  audit::Event event = who;
  event.action =
      verdict == limits::Verdict::tenant_rate ? "quota:tenant_publish_rate" : "quota:channel_rate";
  event.channel = channel;
  event.reason = "too many requests";
  event.code = 111;
  record(event);
  return 111;
}

std::optional<Error> Services::check_event(const config::NamespaceOptions& ns,
                                           std::string_view channel, std::string_view data,
                                           const audit::Event& who) const {
  if (!ns.validate_events || !catalogue) return std::nullopt;
  auto problem = catalogue->check(channel, data);
  if (!problem) return std::nullopt;
  invalid_events.fetch_add(1, std::memory_order_relaxed);
  Error error{107, "invalid event: " + *problem, false};
  audit::Event event = who;
  event.action = "publish";
  event.channel = channel;
  event.reason = error.message;
  event.code = error.code;
  record(event);
  return error;
}

void Services::published(std::string_view channel) const {
  if (!metrics) return;
  metrics->publications.inc();
  metrics->broker_sent(metrics::BrokerMessage::publication, metrics->namespace_index(channel));
  auto& tenants = metrics->tenants;
  if (tenants.enabled())
    tenants.add(tenants.resolve(auth::tenant_of(channel)), metrics::Tenants::publications, 1);
}

const config::NamespaceOptions* namespace_for(const config::Config& config,
                                              std::string_view channel) {
  return config.find_namespace(auth::namespace_of(channel));
}

}  // namespace neo::session
