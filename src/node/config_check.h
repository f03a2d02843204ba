// One validation for every path that accepts a config: `neo-events checkconfig`, `serve` and a
// reload (SIGHUP) run exactly these checks, so a config that checkconfig passes never fails at
// start or reload for a reason it could have known. Besides the rules of config::validate
// (values and their relations), they check what the machine must provide: the TLS certificate
// and key (readable, PEM, matching), the token keys, the audit file (writable or creatable), the
// event catalogue, the listen address (an IP address, or a host name that resolves) and the
// Redis addresses (parseable). Every problem is reported, each as "key.path: what is wrong".
#pragma once

#include <string>
#include <vector>

#include "config/config.h"
#include "config/loader.h"

namespace neo::node {

// The environment's part: files, keys, addresses. Values the rules already refused are
// skipped where checking them again would only repeat the complaint.
std::vector<std::string> check_environment(const config::Config& config);

// The rules and the environment, for a config built in code (the development setup).
std::vector<std::string> check_config(const config::Config& config);

// Reads `path` with `env` applied and runs every check: decoding problems, rules and
// environment together (a file that cannot be read or parsed gives that one problem).
config::Loaded load_checked(const std::string& path, const config::Environment& env);

}  // namespace neo::node
