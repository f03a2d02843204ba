// Channel permissions (spec §6): namespace existence, channel name rules, tenant isolation,
// role patterns with {tenant_id}/{user_id}. Pure functions of the config; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "auth/token.h"
#include "config/config.h"
#include "core/pattern.h"

namespace neo::auth {

enum class Action { subscribe, publish };

enum class Decision {
  allow,
  unknown_channel,  // namespace not configured -> 102
  bad_channel,      // empty, > 255 bytes, or not printable ASCII -> 107
  denied,           // -> 103
};

using neo::match_pattern;

// "ns:rest" -> "ns"; a channel without ':' has no namespace ("").
std::string_view namespace_of(std::string_view channel);

// For "tenant:X..." returns X (up to the next ':' or the end); otherwise "".
std::string_view tenant_of(std::string_view channel);

// Name rules only: 1..255 bytes of printable ASCII (0x21..0x7e).
bool valid_channel_name(std::string_view channel);

class Policy {
 public:
  explicit Policy(const config::Config& config);

  // Rules 1-3 of spec §6. `has_subscription_token` = the client presented a valid
  // subscription token for exactly this channel (grants rule 3, never rule 2).
  Decision check(const Identity& who, std::string_view channel, Action action,
                 bool has_subscription_token = false) const;

  // Namespace and name checks only (rule 1), used by the server API.
  Decision check_channel(std::string_view channel) const;

  // A tenant API key may act only on "tenant:{tenant}:*".
  static bool tenant_key_allows(std::string_view key_tenant, std::string_view channel);

 private:
  struct Pattern {
    std::string text;
    bool uses_tenant = false;  // contains {tenant_id}: needs a non-empty, valid tenant
    bool uses_user = false;    // contains {user_id}: needs a non-empty, valid user
    bool any_tenant = false;   // starts with the literal "tenant:*" (may cross tenants, rule 2)
  };
  struct CompiledRole {
    std::string name;
    std::vector<Pattern> subscribe;
    std::vector<Pattern> publish;
  };
  // True when a pattern of `who`'s roles for `action` matches; with `any_tenant_only`, only
  // patterns that may cross tenants count.
  bool roles_allow(const Identity& who, std::string_view channel, Action action,
                   bool any_tenant_only) const;

  const config::Config& config_;
  std::vector<CompiledRole> roles_;
};

}  // namespace neo::auth
