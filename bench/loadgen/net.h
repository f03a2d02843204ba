// Socket helpers: non-blocking TCP connect to a loopback address, proc statistics.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace bench {

// Starts a non-blocking connect to host:port (IPv4). source_index picks the local address
// 127.0.0.(1 + source_index % 32) so that tens of thousands of connections to one server port
// never exhaust one address's ephemeral ports. Returns the fd, or -errno.
int start_connect(const std::string& host, uint16_t port, uint32_t source_index);

// After EPOLLOUT on a connecting socket: 0 when connected, else the errno.
int connect_result(int fd);

// Closes with RST (SO_LINGER 0): no TIME_WAIT left behind to block the next run's ports.
void close_abortive(int fd);

// Sum over the given processes of user+system CPU (ns) and of VmRSS / Pss (bytes).
struct ProcSample {
  uint64_t cpu_ns = 0;
  uint64_t rss_bytes = 0;
  uint64_t pss_bytes = 0;
  bool ok = true;
};
ProcSample sample_processes(const std::vector<int>& pids, bool with_memory);
ProcSample sample_self();

}  // namespace bench
