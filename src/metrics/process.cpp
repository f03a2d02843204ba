#include "metrics/process.h"

#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "metrics/exposition.h"

namespace neo::metrics {

namespace {

std::string read_all(const char* path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::optional<std::int64_t> boot_time() {
  std::istringstream in(read_all("/proc/stat"));
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with("btime ")) continue;
    std::int64_t value = 0;
    auto text = std::string_view(line).substr(6);
    if (std::from_chars(text.data(), text.data() + text.size(), value).ec == std::errc{})
      return value;
  }
  return std::nullopt;
}

double open_descriptors() {
  std::error_code ec;
  double n = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
       it.increment(ec))
    ++n;
  return n;
}

// RLIMIT_NOFILE is what /proc/self/limits reports as "Max open files" (the soft limit).
double max_descriptors() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return 0;
  return static_cast<double>(limit.rlim_cur);
}

}  // namespace

std::optional<ProcessFigures> parse_proc_stat(std::string_view stat, std::int64_t boot, long ticks,
                                              long page_size) {
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses; the fields after the
  // last ')' are numbered from 3 (state).
  auto close = stat.rfind(')');
  if (close == std::string_view::npos || ticks <= 0) return std::nullopt;
  std::vector<std::string_view> fields;
  for (std::size_t at = close + 1; at < stat.size();) {
    while (at < stat.size() && stat[at] == ' ') ++at;
    std::size_t end = stat.find(' ', at);
    if (end == std::string_view::npos) end = stat.size();
    if (end > at) fields.push_back(stat.substr(at, end - at));
    at = end;
  }
  auto field = [&](std::size_t number, double& out) {  // number as in proc(5)
    std::size_t i = number - 3;
    std::int64_t value = 0;
    if (i >= fields.size()) return false;
    auto text = fields[i];
    if (std::from_chars(text.data(), text.data() + text.size(), value).ec != std::errc{})
      return false;
    out = static_cast<double>(value);
    return true;
  };
  double utime = 0, stime = 0, start = 0, vsize = 0, rss = 0;
  if (!field(14, utime) || !field(15, stime) || !field(22, start) || !field(23, vsize) ||
      !field(24, rss))
    return std::nullopt;
  ProcessFigures figures;
  figures.cpu_seconds = (utime + stime) / static_cast<double>(ticks);
  figures.start_time_seconds = static_cast<double>(boot) + start / static_cast<double>(ticks);
  figures.virtual_bytes = vsize;
  figures.resident_bytes = rss * static_cast<double>(page_size);
  return figures;
}

ProcessFigures read_process() {
  ProcessFigures figures;
  auto boot = boot_time();
  auto parsed = parse_proc_stat(read_all("/proc/self/stat"), boot.value_or(0), sysconf(_SC_CLK_TCK),
                                sysconf(_SC_PAGESIZE));
  if (parsed && boot) figures = *parsed;
  figures.open_fds = open_descriptors();
  figures.max_fds = max_descriptors();
  return figures;
}

void register_process_metrics(Registry& registry) {
  struct Item {
    const char* name;
    const char* help;
    Type type;
    double ProcessFigures::*field;
  };
  static constexpr Item kItems[] = {
      {"process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
       Type::counter, &ProcessFigures::cpu_seconds},
      {"process_resident_memory_bytes", "Resident memory size in bytes.", Type::gauge,
       &ProcessFigures::resident_bytes},
      {"process_virtual_memory_bytes", "Virtual memory size in bytes.", Type::gauge,
       &ProcessFigures::virtual_bytes},
      {"process_open_fds", "Number of open file descriptors.", Type::gauge,
       &ProcessFigures::open_fds},
      {"process_max_fds", "Maximum number of open file descriptors.", Type::gauge,
       &ProcessFigures::max_fds},
      {"process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
       Type::gauge, &ProcessFigures::start_time_seconds},
  };
  // One read of /proc per scrape for all six.
  registry.custom(kItems[0].name, [](Writer& out) {
    const ProcessFigures figures = read_process();
    for (const Item& item : kItems) {
      out.family(item.name, item.help, item.type);
      out.sample("", {}, {}, Writer::number(figures.*item.field));
    }
  });
}

}  // namespace neo::metrics
