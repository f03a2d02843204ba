// What a reload (SIGHUP, `neo-events reload`) may change while the server runs, and the pid
// file that `neo-events reload` finds the server by.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/config.h"

namespace neo::node {

// The keys whose value in `next` differs from `running` but that only a restart applies (the
// listener, engine, threads, logging, audit, transport limits, ...): their running values are
// put back into `next`, and their key paths returned for the log. Everything else (token keys,
// namespaces, roles, rate limits, tenant quotas, API keys, the other client options, the TLS
// certificate files, shutdown) changes live.
std::vector<std::string> keep_restart_only(const config::Config& running, config::Config& next);

// Writes this process's pid to `path`; the error text when it cannot.
std::optional<std::string> write_pid(const std::string& path);
// The pid `path` holds; nullopt with `error` set when it cannot be read or is not a pid.
std::optional<long> read_pid(const std::string& path, std::string& error);

}  // namespace neo::node
