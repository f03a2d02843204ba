#include "redis_cluster.h"

#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <thread>

namespace neo::test {
namespace {

using namespace std::chrono_literals;

constexpr int kMasters = 3;
constexpr auto kJoinTimeout = 20s;

// Runs a shell command: its stdout, and pclose's status in `status`.
std::string run(const std::string& command, int& status) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) throw std::runtime_error("RedisCluster: popen failed");
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof(buffer), pipe)) out.append(buffer, n);
  status = ::pclose(pipe);
  return out;
}

bool cluster_ok(int port) {
  int status = 0;
  std::string info = run("redis-cli -p " + std::to_string(port) + " cluster info", status);
  return status == 0 && info.find("cluster_state:ok") != std::string::npos;
}

}  // namespace

RedisCluster::RedisCluster() {
  std::string create = "redis-cli --cluster create";
  for (int i = 0; i < kMasters; ++i) {
    masters_.push_back(std::make_unique<RedisServer>(std::vector<std::string>{
        "--cluster-enabled", "yes", "--cluster-port", std::to_string(free_port()),
        "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000"}));
    create += " 127.0.0.1:" + std::to_string(masters_.back()->port());
  }
  int status = 0;
  std::string out = run(create + " --cluster-replicas 0 --cluster-yes 2>&1", status);
  if (status != 0)
    throw std::runtime_error("RedisCluster: redis-cli --cluster create failed: " + out);
  auto deadline = std::chrono::steady_clock::now() + kJoinTimeout;
  for (const auto& master : masters_) {
    while (!cluster_ok(master->port())) {
      if (std::chrono::steady_clock::now() > deadline)
        throw std::runtime_error("RedisCluster: no cluster_state:ok on port " +
                                 std::to_string(master->port()));
      std::this_thread::sleep_for(100ms);
    }
  }
}

std::string RedisCluster::cli(std::size_t master, const std::string& commands) const {
  int status = 0;
  std::string out = run("printf '%s\\n' '" + commands + "' | redis-cli -p " +
                            std::to_string(masters_.at(master)->port()) + " 2>&1",
                        status);
  if (status != 0) throw std::runtime_error("RedisCluster: redis-cli failed: " + out);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

std::size_t RedisCluster::owner_of(const std::string& key) const {
  for (std::size_t i = 0; i < masters_.size(); ++i)
    if (cli(i, "EXISTS " + key).find("MOVED") == std::string::npos) return i;
  throw std::runtime_error("RedisCluster: no master owns " + key);
}

std::vector<std::string> RedisCluster::seeds() const {
  std::vector<std::string> urls;
  for (const auto& master : masters_) urls.push_back(master->url());
  return urls;
}

}  // namespace neo::test
