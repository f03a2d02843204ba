#include "redis_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <thread>

namespace neo::test {
namespace {

using namespace std::chrono_literals;

constexpr auto kStartTimeout = 5s;
constexpr int kPortAttempts = 5;

sockaddr_in loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  return addr;
}

}  // namespace

// Another process may take the port before redis-server binds it, which launch() notices (the
// server exits) and the constructor then tries another.
int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("RedisServer: socket() failed");
  sockaddr_in addr = loopback(0);
  socklen_t len = sizeof(addr);
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
            ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  ::close(fd);
  if (!ok) throw std::runtime_error("RedisServer: no free port");
  return ntohs(addr.sin_port);
}

namespace {

bool answers_ping(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr = loopback(port);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  if (ok) {
    static constexpr char kPing[] = "PING\r\n";
    char reply[16] = {};
    ok = ::send(fd, kPing, sizeof(kPing) - 1, MSG_NOSIGNAL) == sizeof(kPing) - 1 &&
         ::recv(fd, reply, sizeof(reply) - 1, 0) > 0 &&
         std::string_view(reply).starts_with("+PONG");
  }
  ::close(fd);
  return ok;
}

std::string make_temp_dir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "neo-redis-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("RedisServer: mkdtemp failed");
  return pattern;
}

}  // namespace

RedisServer::RedisServer(std::vector<std::string> extra_args)
    : RedisServer(std::move(extra_args), Tls{}) {}

RedisServer::RedisServer(std::vector<std::string> extra_args, Tls tls) : dir_(make_temp_dir()) {
  for (int attempt = 0; attempt < kPortAttempts; ++attempt) {
    port_ = free_port();
    extra_args_ = extra_args;
    if (!tls.cert_file.empty()) {
      tls_port_ = free_port();
      extra_args_.insert(extra_args_.end(),
                         {"--tls-port", std::to_string(tls_port_), "--tls-cert-file", tls.cert_file,
                          "--tls-key-file", tls.key_file, "--tls-ca-cert-file", tls.ca_file,
                          "--tls-auth-clients", "no"});
    }
    if (launch()) return;
  }
  std::filesystem::remove_all(dir_);
  throw std::runtime_error("RedisServer: redis-server did not start; see its log in " + dir_);
}

RedisServer::~RedisServer() {
  kill();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string RedisServer::url() const { return "redis://127.0.0.1:" + std::to_string(port_); }

void RedisServer::stop() { signal_and_wait(SIGTERM); }

void RedisServer::kill() { signal_and_wait(SIGKILL); }

void RedisServer::restart() {
  stop();
  if (!launch())
    throw std::runtime_error("RedisServer: restart on port " + std::to_string(port_) + " failed");
}

bool RedisServer::exited() {
  if (::waitpid(pid_, nullptr, WNOHANG) != pid_) return false;
  pid_ = -1;
  return true;
}

void RedisServer::signal_and_wait(int signal) {
  if (pid_ <= 0) return;
  ::kill(pid_, signal);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

bool RedisServer::launch() {
  std::vector<std::string> args{"/usr/bin/redis-server",
                                "--port",
                                std::to_string(port_),
                                "--bind",
                                "127.0.0.1",
                                "--save",
                                "",
                                "--appendonly",
                                "no",
                                "--dir",
                                dir_,
                                "--logfile",
                                dir_ + "/redis.log"};
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("RedisServer: fork failed");
  if (pid_ == 0) {
    // Dies with the test process even when that is killed (a timeout), and keeps off its
    // stdout, which a pipe reader would otherwise wait on for as long as the server lives.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, STDIN_FILENO);
    ::dup2(null, STDOUT_FILENO);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    // Exited (the port was taken, most likely) is checked on both sides of the PING: a PONG
    // from whoever took the port must not count.
    if (exited()) return false;
    if (answers_ping(port_)) return !exited();
    std::this_thread::sleep_for(10ms);
  }
  kill();
  return false;
}

}  // namespace neo::test
