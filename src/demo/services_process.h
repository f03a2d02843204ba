// The simulated services (examples/services/run.mjs) as a child process of `neo-events demo`:
// started once the server listens, stopped (SIGTERM, then SIGKILL) when the server shuts down,
// and killed by the kernel should the server die first (PR_SET_PDEATHSIG).
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

namespace neo::demo {

class ServicesProcess {
 public:
  // `node` run on `script` with --url/--api-key; nullptr and `why` set when node is not on
  // PATH, the script is missing or the fork fails.
  static std::unique_ptr<ServicesProcess> start(const std::string& script, const std::string& url,
                                                const std::string& api_key, std::string& why);
  ~ServicesProcess();
  ServicesProcess(const ServicesProcess&) = delete;
  ServicesProcess& operator=(const ServicesProcess&) = delete;

  // Idempotent; waits up to 6 s for the services to deliver what they hold and exit.
  void stop();

 private:
  explicit ServicesProcess(pid_t pid) : pid_(pid) {}
  pid_t pid_;
};

}  // namespace neo::demo
