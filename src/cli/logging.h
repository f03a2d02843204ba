// Logging set-up from the `log` options: spdlog to stderr, as text or one JSON object a line.
#pragma once

#include "config/config.h"

namespace neo::cli {

void setup_logging(const config::LogOptions& options);

}  // namespace neo::cli
