#include "demo/services_process.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>
#include <vector>

namespace neo::demo {

namespace {

namespace fs = std::filesystem;

std::string find_on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string_view rest = path ? path : "";
  while (!rest.empty()) {
    auto colon = rest.find(':');
    fs::path candidate = fs::path(std::string(rest.substr(0, colon))) / name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate.string();
    rest = colon == std::string_view::npos ? std::string_view{} : rest.substr(colon + 1);
  }
  return {};
}

// Polls for the child's exit: the demo stops it once, so a short poll beats a SIGCHLD handler.
bool wait_exit(pid_t pid, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid || done < 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

}  // namespace

std::unique_ptr<ServicesProcess> ServicesProcess::start(const std::string& script,
                                                        const std::string& url,
                                                        const std::string& api_key,
                                                        std::string& why) {
  std::string node = find_on_path("node");
  if (node.empty()) {
    why = "node is not on PATH (scripts/setup.sh installs it)";
    return nullptr;
  }
  if (!fs::is_regular_file(script)) {
    why = script + " not found (run from the repository, or pass --services FILE)";
    return nullptr;
  }
  std::vector<std::string> args = {node, script, "--url", url, "--api-key", api_key, "--quiet"};
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    why = "fork failed";
    return nullptr;
  }
  if (pid == 0) {  // only async-signal-safe calls until exec
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(1);
    // The server's sockets (listener, clients) must not live on in the services: a restarted
    // server could not bind its port while they held the listener.
    close_range(3, ~0U, 0);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return std::unique_ptr<ServicesProcess>(new ServicesProcess(pid));
}

ServicesProcess::~ServicesProcess() { stop(); }

void ServicesProcess::stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  if (!wait_exit(pid_, std::chrono::seconds(6))) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  pid_ = -1;
}

}  // namespace neo::demo
