// RedisServer: a real /usr/bin/redis-server for one test, on a free loopback port in its own
// temp dir, without persistence (so a restart loses every key, like a replaced instance).
// The constructor returns once the server answers PING and throws std::runtime_error when it
// never does; the destructor kills it and removes the dir.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace neo::test {

// A loopback port the kernel just handed out (free until someone binds it).
int free_port();

struct RedisServer {
  explicit RedisServer(std::vector<std::string> extra_args = {});
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;
  ~RedisServer();

  int port() const { return port_; }
  std::string url() const;  // redis://127.0.0.1:<port>
  void stop();              // SIGTERM, waits for the process
  void kill();              // SIGKILL, waits for the process
  void restart();           // stops if running, starts again on the same port, empty

 private:
  bool launch();  // starts the process and waits for PING; false if it exited or never answered
  bool exited();  // reaps the process if it has exited
  void signal_and_wait(int signal);

  std::vector<std::string> extra_args_;
  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace neo::test
