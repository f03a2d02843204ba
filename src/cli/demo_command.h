// `neo-events demo`: the development setup serving the built portals and the demo login, with
// the simulated services publishing into it as a child process (scripts/dev.sh runs this).
#pragma once

#include <string>

namespace neo::cli {

struct DemoArgs {
  std::string web = "web/dist";
  std::string services = "examples/services/run.mjs";
};

int run_demo(const DemoArgs& args);

}  // namespace neo::cli
