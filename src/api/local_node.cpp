#include "api/local_node.h"

#include <spdlog/spdlog.h>

#include <set>

#include "auth/policy.h"
#include "core/json_read.h"
#include "core/json_writer.h"
#include "session/shards.h"

namespace neo::api {

namespace dom = simdjson::dom;

void local_channel_counts(session::Services& services, std::string pattern,
                          std::function<void(ChannelCounts)> done) {
  session::gather_from_shards<ChannelCounts>(
      services.shards,
      [pattern](session::Shard& shard) {
        ChannelCounts counts;
        shard.hub.for_each_channel([&](const std::string& name, std::uint32_t live) {
          if (pattern.empty() || auth::match_pattern(pattern, name)) counts[name] += live;
        });
        return counts;
      },
      [done = std::move(done)](std::vector<ChannelCounts> parts) {
        ChannelCounts total;
        for (const auto& part : parts)
          for (const auto& [name, n] : part) total[name] += n;
        done(std::move(total));
      });
}

std::string encode_channel_counts(const ChannelCounts& counts) {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  for (const auto& [name, n] : counts) w.field_u64(name, n);
  w.end_object();
  return out;
}

bool add_channel_counts(std::string_view json, ChannelCounts& total) {
  dom::object obj;
  if (json::thread_parser().parse(json.data(), json.size()).get(obj)) return false;
  for (auto [name, value] : obj) {
    std::uint64_t n = 0;
    if (value.get(n)) return false;
    total[std::string(name)] += n;
  }
  return true;
}

void describe_node(session::Services& services, std::chrono::steady_clock::time_point started,
                   std::function<void(cluster::NodeInfo)> done) {
  struct Counts {
    std::uint64_t clients = 0, subs = 0;
    std::set<std::string> users, channels;
  };
  session::gather_from_shards<Counts>(
      services.shards,
      [](session::Shard& shard) {
        Counts c;
        c.subs = shard.subscriptions.load(std::memory_order_relaxed);
        for (const auto& [user, list] : shard.users) {
          c.users.insert(user);
          c.clients += list.size();
        }
        shard.hub.for_each_channel(
            [&](const std::string& name, std::uint32_t) { c.channels.insert(name); });
        return c;
      },
      [&services, started, done = std::move(done)](std::vector<Counts> parts) {
        Counts total;
        for (auto& part : parts) {
          total.clients += part.clients;
          total.subs += part.subs;
          total.users.merge(part.users);
          total.channels.merge(part.channels);
        }
        cluster::NodeInfo info;
        info.uid = services.node_id;
        info.name = services.node_name;
        info.version = services.version;
        info.num_clients = total.clients;
        info.num_users = total.users.size();
        info.num_channels = total.channels.size();
        info.num_subs = total.subs;
        info.uptime = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                                     std::chrono::steady_clock::now() - started)
                                                     .count());
        if (services.limits)
          for (auto& [tenant, n] : services.limits->local_connections())
            info.tenants.emplace_back(tenant, n);
        done(std::move(info));
      });
}

ClusterBridge::ClusterBridge(session::Services& services) : services_(services), api_(services) {}

void ClusterBridge::describe(std::function<void(cluster::NodeInfo)> done) {
  describe_node(services_, started_, std::move(done));
}

void ClusterBridge::run_command(std::string_view method, std::string_view params) {
  dom::element root;
  if (json::thread_parser().parse(params.data(), params.size()).get(root)) return;
  Caller relayed{true, "", "cluster", true};
  api_.call(relayed, method, root, [method = std::string(method)](Result<std::string> r) {
    if (!r.ok()) spdlog::warn("cluster: relayed {} failed: {}", method, r.error().message);
  });
}

void ClusterBridge::answer_survey(std::string_view method, std::string_view params,
                                  std::function<void(std::string)> reply) {
  dom::object obj;
  std::string pattern;
  if (method != "channels" || json::thread_parser().parse(params.data(), params.size()).get(obj) ||
      !json::read_string(obj, "pattern", pattern)) {
    return reply("{}");
  }
  local_channel_counts(services_, std::move(pattern), [reply = std::move(reply)](auto counts) {
    reply(encode_channel_counts(counts));
  });
}

}  // namespace neo::api
