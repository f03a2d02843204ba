#include "demo/demo_users.h"

#include "auth/token.h"
#include "core/clock.h"
#include "core/json_writer.h"

namespace neo::demo {

const std::vector<DemoUser>& demo_users() {
  static const std::vector<DemoUser> users = {
      {"admin", "Platform admin", "", {"admin"}},
      {"u-1-1", "Ana (tenant 1 admin)", "1", {"tenant_admin", "candidate"}},
      {"u-1-2", "Bruno (tenant 1 user)", "1", {"tenant_user", "candidate"}},
      {"u-2-1", "Carla (tenant 2 admin)", "2", {"tenant_admin", "candidate"}},
      {"u-2-2", "Diego (tenant 2 user)", "2", {"tenant_user", "candidate"}},
  };
  return users;
}

const DemoUser* find_demo_user(std::string_view id) {
  for (const auto& user : demo_users())
    if (user.id == id) return &user;
  return nullptr;
}

// The certification channels have no role in genconfig's set; the demo's exams need the exam
// channel (proctoring, collaboration) and UserPresence needs the tenant presence channel.
void add_demo_roles(config::Config& config) {
  config.roles.push_back({"candidate",
                          {"certification:exam:*", "certification:timer:{user_id}",
                           "certification:results:{user_id}", "tenant:{tenant_id}:presence"},
                          {"certification:exam:*"}});
}

std::string sign_connection_token(const config::Config& config, const std::string& user,
                                  const std::string& tenant, const std::vector<std::string>& roles,
                                  std::int64_t ttl_seconds) {
  std::string payload;
  JsonWriter w(payload);
  w.begin_object().field("sub", user);
  if (!tenant.empty()) w.field(config.client.token.tenant_claim, tenant);
  w.key(config.client.token.roles_claim).begin_array();
  for (const auto& role : roles) w.string(role);
  w.end_array();
  auto now = unix_seconds();
  w.key("iat").number_signed(now);
  if (ttl_seconds > 0) w.key("exp").number_signed(now + ttl_seconds);
  if (!config.client.token.audience.empty()) w.field("aud", config.client.token.audience);
  if (!config.client.token.issuer.empty()) w.field("iss", config.client.token.issuer);
  w.end_object();
  return auth::sign_hmac_jwt(auth::HmacAlg::hs256, config.client.token.hmac_secret, payload);
}

}  // namespace neo::demo
