#include "api/caller.h"

#include "auth/policy.h"

namespace neo::api {

bool Caller::may_use(std::string_view channel) const {
  return master || auth::Policy::tenant_key_allows(tenant, channel);
}

}  // namespace neo::api
