#include "net.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace bench {

int start_connect(const std::string& host, uint16_t port, uint32_t source_index) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
  sockaddr_in local{};
  local.sin_family = AF_INET;
  local.sin_addr.s_addr = htonl(0x7f000001u + source_index % 32);
  if (bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  sockaddr_in remote{};
  remote.sin_family = AF_INET;
  remote.sin_port = htons(port);
  if (inet_pton(AF_INET, host.c_str(), &remote.sin_addr) != 1) {
    close(fd);
    return -EINVAL;
  }
  if (connect(fd, reinterpret_cast<sockaddr*>(&remote), sizeof remote) != 0 &&
      errno != EINPROGRESS) {
    int e = errno;
    close(fd);
    return -e;
  }
  return fd;
}

int connect_result(int fd) {
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) return errno;
  return err;
}

void close_abortive(int fd) {
  linger lg{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  close(fd);
}

namespace {

// utime + stime of /proc/<pid>/stat (fields 14 and 15), in ns. The command name (field 2)
// may contain spaces, so fields are counted after its closing parenthesis.
bool read_cpu(const std::string& stat_path, uint64_t& cpu_ns) {
  std::ifstream in(stat_path);
  std::string line;
  if (!std::getline(in, line)) return false;
  size_t close_paren = line.rfind(')');
  if (close_paren == std::string::npos) return false;
  std::istringstream fields(line.substr(close_paren + 2));
  std::string field;
  uint64_t utime = 0;
  uint64_t stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  static const long ticks = sysconf(_SC_CLK_TCK);
  cpu_ns += (utime + stime) * (1'000'000'000ull / static_cast<uint64_t>(ticks));
  return true;
}

// A "Key:   123 kB" line of a /proc status-like file, in bytes.
bool read_kb(const std::string& path, const std::string& key, uint64_t& bytes) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.compare(0, key.size(), key) == 0) {
      bytes += std::stoull(line.substr(key.size())) * 1024;
      return true;
    }
  }
  return false;
}

}  // namespace

ProcSample sample_processes(const std::vector<int>& pids, bool with_memory) {
  ProcSample s;
  for (int pid : pids) {
    std::string dir = "/proc/" + std::to_string(pid);
    s.ok = read_cpu(dir + "/stat", s.cpu_ns) && s.ok;
    if (with_memory) {
      s.ok = read_kb(dir + "/status", "VmRSS:", s.rss_bytes) && s.ok;
      read_kb(dir + "/smaps_rollup", "Pss:", s.pss_bytes);
    }
  }
  return s;
}

ProcSample sample_self() {
  ProcSample s;
  s.ok = read_cpu("/proc/self/stat", s.cpu_ns);
  return s;
}

}  // namespace bench
