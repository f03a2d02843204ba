// The demo's users (two tenants with a tenant_admin and a tenant_user each, and the platform
// admin), the role the demo adds for the certification portal, and connection tokens for them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.h"

namespace neo::demo {

struct DemoUser {
  std::string id;  // the token's sub; matches the simulated services' users (u-<tenant>-<n>)
  std::string name;
  std::string tenant;  // empty for the platform admin
  std::vector<std::string> roles;
};

const std::vector<DemoUser>& demo_users();
const DemoUser* find_demo_user(std::string_view id);

// Adds the demo role `candidate` (the certification portal's channels and the tenant presence
// channel) to `config`. Only `neo-events demo` calls this.
void add_demo_roles(config::Config& config);

}  // namespace neo::demo
