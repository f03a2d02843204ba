#include "demo/demo_users.h"

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

}  // namespace neo::demo
