#include "auth/policy.h"

namespace neo::auth {
namespace {

constexpr std::string_view kTenantVar = "{tenant_id}";
constexpr std::string_view kUserVar = "{user_id}";
constexpr std::string_view kTenantPrefix = "tenant:";
constexpr std::string_view kTenantNamespace = "tenant";
constexpr std::size_t kMaxChannelBytes = 255;

// One left-to-right pass, so a substituted value is never itself scanned for variables.
std::string substitute(std::string_view pattern, std::string_view tenant, std::string_view user) {
  std::string out;
  out.reserve(pattern.size() + tenant.size() + user.size());
  for (std::size_t i = 0; i < pattern.size();) {
    const std::string_view rest = pattern.substr(i);
    if (rest.starts_with(kTenantVar)) {
      out += tenant;
      i += kTenantVar.size();
    } else if (rest.starts_with(kUserVar)) {
      out += user;
      i += kUserVar.size();
    } else {
      out += pattern[i++];
    }
  }
  return out;
}

// An identity value that may stand in for a variable: empty never does.
bool usable(std::string_view value) { return !value.empty() && valid_identity_value(value); }

}  // namespace

std::string_view namespace_of(std::string_view channel) {
  const auto colon = channel.find(':');
  return colon == std::string_view::npos ? std::string_view() : channel.substr(0, colon);
}

std::string_view tenant_of(std::string_view channel) {
  if (!channel.starts_with(kTenantPrefix)) return {};
  const std::string_view rest = channel.substr(kTenantPrefix.size());
  return rest.substr(0, rest.find(':'));
}

bool valid_channel_name(std::string_view channel) {
  if (channel.empty() || channel.size() > kMaxChannelBytes) return false;
  for (const unsigned char c : channel)
    if (c < 0x21 || c > 0x7e) return false;
  return true;
}

Policy::Policy(const config::Config& config) : config_(config) {
  const auto compile = [](const std::vector<std::string>& patterns) {
    std::vector<Pattern> out;
    for (const auto& text : patterns)
      out.push_back({text, text.find(kTenantVar) != std::string::npos,
                     text.find(kUserVar) != std::string::npos, text.starts_with("tenant:*")});
    return out;
  };
  for (const auto& role : config.roles)
    roles_.push_back({role.name, compile(role.subscribe), compile(role.publish)});
}

Decision Policy::check_channel(std::string_view channel) const {
  if (!valid_channel_name(channel)) return Decision::bad_channel;
  if (config_.find_namespace(namespace_of(channel)) == nullptr) return Decision::unknown_channel;
  return Decision::allow;
}

Decision Policy::check(const Identity& who, std::string_view channel, Action action,
                       bool has_subscription_token) const {
  if (const Decision d = check_channel(channel); d != Decision::allow) return d;
  // Rule 2: another tenant's channel (or one with no tenant) only through "tenant:*" patterns;
  // neither a subscription token nor a {tenant_id} pattern can open it.
  if (namespace_of(channel) == kTenantNamespace &&
      !(usable(who.tenant) && tenant_of(channel) == who.tenant))
    return roles_allow(who, channel, action, true) ? Decision::allow : Decision::denied;
  // Rule 3. A subscription token is presented only with a subscribe, so it grants only that.
  if (has_subscription_token && action == Action::subscribe) return Decision::allow;
  return roles_allow(who, channel, action, false) ? Decision::allow : Decision::denied;
}

bool Policy::roles_allow(const Identity& who, std::string_view channel, Action action,
                         bool any_tenant_only) const {
  const bool tenant_ok = usable(who.tenant);
  const bool user_ok = usable(who.user);
  const auto matches = [&](const Pattern& p) {
    if ((any_tenant_only && !p.any_tenant) || (p.uses_tenant && !tenant_ok) ||
        (p.uses_user && !user_ok))
      return false;
    if (!p.uses_tenant && !p.uses_user) return match_pattern(p.text, channel);
    return match_pattern(substitute(p.text, who.tenant, who.user), channel);
  };
  for (const auto& name : who.roles) {
    for (const auto& role : roles_) {
      if (role.name != name) continue;
      for (const auto& p : action == Action::subscribe ? role.subscribe : role.publish)
        if (matches(p)) return true;
      break;  // the first role of that name is the configured one
    }
  }
  return false;
}

bool Policy::tenant_key_allows(std::string_view key_tenant, std::string_view channel) {
  if (!usable(key_tenant) || !channel.starts_with(kTenantPrefix)) return false;
  const std::string_view rest = channel.substr(kTenantPrefix.size());
  return rest.size() > key_tenant.size() && rest.starts_with(key_tenant) &&
         rest[key_tenant.size()] == ':';
}

}  // namespace neo::auth
