// process_* as client_golang's process collector reports them (a Go server gets them from its
// default registry; a C++ one has to read /proc itself): CPU time, resident and virtual memory,
// open and maximum descriptors, start time.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "metrics/registry.h"

namespace neo::metrics {

struct ProcessFigures {
  double cpu_seconds = 0;
  double resident_bytes = 0;
  double virtual_bytes = 0;
  double open_fds = 0;
  double max_fds = 0;
  double start_time_seconds = 0;
};

// Fields of /proc/<pid>/stat text and the boot time (btime of /proc/stat); nullopt when
// malformed. Exposed for tests.
std::optional<ProcessFigures> parse_proc_stat(std::string_view stat, std::int64_t boot_time,
                                              long ticks_per_second, long page_size);
// This process, now; zeros for what cannot be read.
ProcessFigures read_process();

void register_process_metrics(Registry& registry);

}  // namespace neo::metrics
