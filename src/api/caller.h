// Who is calling the server API: the master key may do anything; a tenant key only acts on
// channels "tenant:{tenant}:*" (spec §6).
#pragma once

#include <string>
#include <string_view>

namespace neo::api {

struct Caller {
  bool master = false;
  std::string tenant;  // set for a tenant key
  std::string remote;  // the client address, for the audit log
  // A command another node accepted and broadcast: run it here only, never broadcast again.
  bool relayed = false;
  bool may_use(std::string_view channel) const;
};

}  // namespace neo::api
