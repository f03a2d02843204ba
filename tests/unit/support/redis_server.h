// RedisServer: a real /usr/bin/redis-server for one test, on a free loopback port in its own
// temp dir, without persistence (so a restart loses every key, like a replaced instance).
// The constructor returns once the server answers PING and throws std::runtime_error when it
// never does; the destructor kills it and removes the dir. With Tls files it also listens
// for TLS on tls_port() (the plain port stays, for the readiness PING).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace neo::test {

// A loopback port the kernel just handed out (free until someone binds it).
int free_port();

struct RedisServer {
  struct Tls {
    std::string cert_file, key_file, ca_file;  // PEM; clients are not asked for certificates
  };
  explicit RedisServer(std::vector<std::string> extra_args = {});
  RedisServer(std::vector<std::string> extra_args, Tls tls);
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;
  ~RedisServer();

  int port() const { return port_; }
  std::string url() const;  // redis://127.0.0.1:<port>
  int tls_port() const { return tls_port_; }
  void stop();     // SIGTERM, waits for the process
  void kill();     // SIGKILL, waits for the process
  void restart();  // stops if running, starts again on the same port, empty

 private:
  bool launch();  // starts the process and waits for PING; false if it exited or never answered
  bool exited();  // reaps the process if it has exited
  void signal_and_wait(int signal);

  std::vector<std::string> extra_args_;
  std::string dir_;
  int port_ = 0;
  int tls_port_ = 0;  // 0 = no TLS
  pid_t pid_ = -1;
};

}  // namespace neo::test
