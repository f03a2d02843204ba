// Tenants: the per-tenant series (neo_events_tenant_connections, _publications_total,
// _deliveries_total) bounded by metrics.tenant_labels: off (none), {allow: [...]} (those
// tenants, the rest under tenant="other") or {top: N} (the N tenants with the most connections
// plus publications at scrape time, the rest summed under "other"): at most N+1 series.
//
// A tenant is resolved to its cells once (per connection, per publication); counting is then a
// per-thread cell write like any other. Top mode tracks every tenant it sees up to
// kMaxTracked; tenants beyond that count under "other" from the start.
#pragma once

#include <cstdint>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/config.h"
#include "metrics/registry.h"

namespace neo::metrics {

class Writer;

class Tenants {
 public:
  static constexpr std::size_t kMaxTracked = 100'000;
  // No tenant cells (tenant_labels off, or no tenant).
  static constexpr std::uint32_t kNone = 0xFFFFFFFF;
  // Cells of one tenant, from its first: connections, publications, deliveries.
  enum Cell : std::uint32_t { connections = 0, publications = 1, deliveries = 2 };

  Tenants(Registry& registry, const config::TenantLabels& options);

  bool enabled() const { return mode_ != Mode::off; }
  // The tenant's first cell, or kNone. Takes a shared lock in top mode (an exclusive one the
  // first time a tenant is seen); never on the delivery path.
  std::uint32_t resolve(std::string_view tenant);

  // `cells` from resolve(); kNone counts nothing.
  void add(std::uint32_t cells, Cell cell, std::int64_t n) const {
    if (cells != kNone) registry_.local().add(cells + cell, static_cast<std::uint64_t>(n));
  }

  void write(Writer& out) const;

 private:
  enum class Mode : std::uint8_t { off, allow, top };
  struct Row {
    std::string tenant;
    std::int64_t values[3];
  };
  std::vector<Row> rows() const;
  std::vector<Row> bounded(std::vector<Row> all) const;

  Registry& registry_;
  Mode mode_;
  std::size_t top_ = 0;
  std::uint32_t other_ = kNone;
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, std::uint32_t> cells_;  // tenant -> first cell
};

}  // namespace neo::metrics
