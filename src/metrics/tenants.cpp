#include "metrics/tenants.h"

#include <algorithm>
#include <mutex>

#include "metrics/exposition.h"

namespace neo::metrics {

namespace {

constexpr std::string_view kOther = "other";
constexpr std::uint32_t kCellsPerTenant = 3;

struct FamilyInfo {
  std::string_view name;
  std::string_view help;
  Type type;
};
constexpr FamilyInfo kFamilies[] = {
    {"neo_events_tenant_connections", "Open connections of the tenant.", Type::gauge},
    {"neo_events_tenant_publications_total",
     "Publications accepted by this node into the tenant's channels (tenant:<id>:*).",
     Type::counter},
    {"neo_events_tenant_deliveries_total",
     "Publications written to the tenant's connections (counted per write batch).", Type::counter},
};

}  // namespace

Tenants::Tenants(Registry& registry, const config::TenantLabels& options)
    : registry_(registry),
      mode_(!options.allow.empty() ? Mode::allow
            : options.top > 0      ? Mode::top
                                   : Mode::off),
      top_(options.top) {
  if (mode_ == Mode::off) return;
  other_ = registry_.allocate(kCellsPerTenant);
  for (const auto& tenant : options.allow)
    cells_.emplace(tenant, registry_.allocate(kCellsPerTenant));
  registry_.custom(std::string(kFamilies[0].name), [this](Writer& out) { write(out); });
}

std::uint32_t Tenants::resolve(std::string_view tenant) {
  if (mode_ == Mode::off || tenant.empty()) return kNone;
  std::string key(tenant);
  {
    std::shared_lock lock(mutex_);
    if (auto it = cells_.find(key); it != cells_.end()) return it->second;
  }
  if (mode_ == Mode::allow) return other_;  // the allow list is fixed at start
  std::unique_lock lock(mutex_);
  if (auto it = cells_.find(key); it != cells_.end()) return it->second;
  if (cells_.size() >= kMaxTracked) return other_;
  std::uint32_t cells = registry_.allocate(kCellsPerTenant);
  cells_.emplace(std::move(key), cells);
  return cells;
}

std::vector<Tenants::Row> Tenants::rows() const {
  std::vector<std::pair<std::string, std::uint32_t>> tracked;
  {
    std::shared_lock lock(mutex_);
    tracked.assign(cells_.begin(), cells_.end());
  }
  tracked.emplace_back(kOther, other_);
  std::vector<Row> out;
  out.reserve(tracked.size());
  for (const auto& [tenant, first] : tracked) {
    Row row{tenant, {}};
    for (std::uint32_t c = 0; c < kCellsPerTenant; ++c)
      row.values[c] = static_cast<std::int64_t>(registry_.sum(first + c));
    out.push_back(std::move(row));
  }
  return out;
}

// Top mode: the N most active tenants keep their series; the rest are summed into "other".
std::vector<Tenants::Row> Tenants::bounded(std::vector<Row> all) const {
  Row other{std::string(kOther), {0, 0, 0}};
  std::vector<Row> named;
  for (auto& row : all) {
    if (row.tenant == kOther) {
      for (int c = 0; c < 3; ++c) other.values[c] += row.values[c];
    } else {
      named.push_back(std::move(row));
    }
  }
  auto activity = [](const Row& r) { return r.values[connections] + r.values[publications]; };
  auto more_active = [&](const Row& a, const Row& b) {
    return activity(a) != activity(b) ? activity(a) > activity(b) : a.tenant < b.tenant;
  };
  std::sort(named.begin(), named.end(), more_active);
  if (mode_ == Mode::top && named.size() > top_) {
    for (std::size_t i = top_; i < named.size(); ++i)
      for (int c = 0; c < 3; ++c) other.values[c] += named[i].values[c];
    named.resize(top_);
  }
  std::sort(named.begin(), named.end(),
            [](const Row& a, const Row& b) { return a.tenant < b.tenant; });
  named.push_back(std::move(other));
  return named;
}

void Tenants::write(Writer& out) const {
  static const std::vector<std::string> kLabels = {"tenant"};
  const std::vector<Row> series = bounded(rows());
  for (std::uint32_t c = 0; c < kCellsPerTenant; ++c) {
    const FamilyInfo& family = kFamilies[c];
    out.family(family.name, family.help, family.type);
    for (const Row& row : series) {
      std::vector<std::string> values = {row.tenant};
      out.sample("", kLabels, values, Writer::number(row.values[c]));
    }
  }
}

}  // namespace neo::metrics
