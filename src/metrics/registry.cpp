#include "metrics/registry.h"

#include <algorithm>
#include <bit>
#include <stdexcept>

#include "metrics/exposition.h"

namespace neo::metrics {

namespace {

std::atomic<std::uint64_t> next_registry_id{1};

std::string join(std::span<const std::string_view> values) {
  std::string key;
  for (auto value : values) {
    key += value;
    key += '\xff';  // never inside a label value that is valid UTF-8
  }
  return key;
}

}  // namespace

// ---- Cells

Cells::~Cells() {
  for (auto& chunk : chunks_) delete[] chunk.load(std::memory_order_relaxed);
}

std::atomic<std::uint64_t>* Cells::grow(std::uint32_t chunk) {
  if (chunk >= kMaxChunks) throw std::length_error("metrics: cell index out of range");
  auto* fresh = new std::atomic<std::uint64_t>[kChunkSize];
  for (std::uint32_t i = 0; i < kChunkSize; ++i) fresh[i].store(0, std::memory_order_relaxed);
  chunks_[chunk].store(fresh, std::memory_order_release);
  return fresh;
}

void Cells::add_double(std::uint32_t index, double value) {
  auto& cell = at(index);
  double sum = std::bit_cast<double>(cell.load(std::memory_order_relaxed)) + value;
  cell.store(std::bit_cast<std::uint64_t>(sum), std::memory_order_relaxed);
}

std::uint64_t Cells::read(std::uint32_t index) const {
  auto* chunk = chunks_[index >> kChunkBits].load(std::memory_order_acquire);
  return chunk ? chunk[index & (kChunkSize - 1)].load(std::memory_order_relaxed) : 0;
}

double Cells::read_double(std::uint32_t index) const { return std::bit_cast<double>(read(index)); }

// ---- Handles

void Counter::inc(std::uint64_t n) const {
  if (registry_) registry_->local().add(slot_, n);
}

void Gauge::add(std::int64_t n) const {
  if (registry_) registry_->local().add(slot_, static_cast<std::uint64_t>(n));
}

void Histogram::observe(double value) const {
  if (!registry_) return;
  const auto& bounds = *bounds_;
  auto bucket = static_cast<std::uint32_t>(std::lower_bound(bounds.begin(), bounds.end(), value) -
                                           bounds.begin());
  Cells& cells = registry_->local();
  cells.add(slot_ + bucket, 1);
  cells.add_double(slot_ + static_cast<std::uint32_t>(bounds.size()) + 1, value);
}

// ---- Family

Family::Family(Registry& registry, std::string name, std::string help, Type type,
               std::vector<std::string> labels, std::vector<double> buckets)
    : registry_(registry),
      name_(std::move(name)),
      help_(std::move(help)),
      type_(type),
      labels_(std::move(labels)),
      buckets_(std::move(buckets)),
      width_(type == Type::histogram ? static_cast<std::uint32_t>(buckets_.size()) + 2 : 1) {}

std::uint32_t Family::series(std::span<const std::string_view> values) {
  if (values.size() != labels_.size())
    throw std::invalid_argument("metrics: " + name_ + " takes " + std::to_string(labels_.size()) +
                                " label values");
  std::string key = join(values);
  std::lock_guard lock(mutex_);
  if (auto it = index_.find(key); it != index_.end()) return series_[it->second].slot;
  std::uint32_t slot = registry_.allocate(width_);
  series_.push_back(Series{{values.begin(), values.end()}, slot});
  index_.emplace(std::move(key), series_.size() - 1);
  return slot;
}

Counter Family::counter(std::initializer_list<std::string_view> values) {
  return Counter(&registry_, series(std::span(values.begin(), values.size())));
}

Gauge Family::gauge(std::initializer_list<std::string_view> values) {
  return Gauge(&registry_, series(std::span(values.begin(), values.size())));
}

Histogram Family::histogram(std::initializer_list<std::string_view> values) {
  return Histogram(&registry_, series(std::span(values.begin(), values.size())), &buckets_);
}

std::uint32_t Family::dense(const std::vector<std::vector<std::string>>& value_sets) {
  if (value_sets.size() != labels_.size())
    throw std::invalid_argument("metrics: " + name_ + ": one value set per label");
  std::uint32_t count = 1;
  for (const auto& set : value_sets) count *= static_cast<std::uint32_t>(set.size());
  std::lock_guard lock(mutex_);
  const std::uint32_t first = registry_.allocate(count * width_);
  std::vector<std::size_t> at(value_sets.size(), 0);
  std::vector<std::string_view> values(value_sets.size());
  for (std::uint32_t k = 0; k < count; ++k) {
    for (std::size_t i = 0; i < at.size(); ++i) values[i] = value_sets[i][at[i]];
    if (!index_.emplace(join(values), series_.size()).second)
      throw std::logic_error("metrics: " + name_ + ": series registered twice");
    series_.push_back(Series{{values.begin(), values.end()}, first + k * width_});
    for (std::size_t i = at.size(); i > 0 && ++at[i - 1] == value_sets[i - 1].size(); --i)
      at[i - 1] = 0;
  }
  return first;
}

std::vector<Series> Family::snapshot() const {
  std::lock_guard lock(mutex_);
  return series_;
}

// ---- Registry

Registry::Registry() : id_(next_registry_id.fetch_add(1)) {}
Registry::~Registry() = default;

Family& Registry::add(std::string name, std::string help, Type type,
                      std::vector<std::string> labels, std::vector<double> buckets) {
  auto family = std::make_unique<Family>(*this, std::move(name), std::move(help), type,
                                         std::move(labels), std::move(buckets));
  Family& added = *family;
  std::lock_guard lock(mutex_);
  entries_.push_back(Entry{std::move(family), nullptr, {}, {}});
  return added;
}

Family& Registry::counter(std::string name, std::string help, std::vector<std::string> labels) {
  return add(std::move(name), std::move(help), Type::counter, std::move(labels), {});
}

Family& Registry::gauge(std::string name, std::string help, std::vector<std::string> labels) {
  return add(std::move(name), std::move(help), Type::gauge, std::move(labels), {});
}

Family& Registry::histogram(std::string name, std::string help, std::vector<std::string> labels,
                            std::vector<double> buckets) {
  if (!std::is_sorted(buckets.begin(), buckets.end()))
    throw std::invalid_argument("metrics: " + name + ": buckets must ascend");
  return add(std::move(name), std::move(help), Type::histogram, std::move(labels),
             std::move(buckets));
}

void Registry::callback(CallbackFamily family) {
  std::lock_guard lock(mutex_);
  entries_.push_back(Entry{nullptr, std::make_unique<CallbackFamily>(std::move(family)), {}, {}});
}

void Registry::custom(std::string name, Custom write) {
  std::lock_guard lock(mutex_);
  entries_.push_back(Entry{nullptr, nullptr, std::move(name), std::move(write)});
}

Cells& Registry::attach(Cache& cache) {
  std::lock_guard lock(mutex_);
  Cells*& cells = by_thread_[std::this_thread::get_id()];
  if (!cells) {
    cells_.push_back(std::make_unique<Cells>());
    cells = cells_.back().get();
  }
  cache = Cache{id_, cells};
  return *cells;
}

std::uint32_t Registry::allocate(std::uint32_t cells) {
  std::lock_guard lock(mutex_);
  std::uint32_t first = next_slot_;
  if (static_cast<std::uint64_t>(first) + cells >
      std::uint64_t{Cells::kChunkSize} * Cells::kMaxChunks)
    throw std::length_error("metrics: too many series");
  next_slot_ += cells;
  return first;
}

std::vector<const Cells*> Registry::threads() const {
  std::lock_guard lock(mutex_);
  std::vector<const Cells*> all;
  for (const auto& cells : cells_) all.push_back(cells.get());
  return all;
}

namespace {

std::uint64_t total(const std::vector<const Cells*>& threads, std::uint32_t slot) {
  std::uint64_t sum = 0;
  for (const Cells* cells : threads) sum += cells->read(slot);
  return sum;
}

double total_double(const std::vector<const Cells*>& threads, std::uint32_t slot) {
  double sum = 0;
  for (const Cells* cells : threads) sum += cells->read_double(slot);
  return sum;
}

void write_histogram(Writer& out, const Family& family, const Series& series,
                     const std::vector<const Cells*>& threads) {
  const auto& bounds = family.buckets();
  std::uint64_t cumulative = 0;
  for (std::size_t b = 0; b <= bounds.size(); ++b) {
    cumulative += total(threads, series.slot + static_cast<std::uint32_t>(b));
    std::string le = b < bounds.size() ? out.bound(bounds[b]) : "+Inf";
    out.sample("_bucket", family.labels(), series.values, Writer::number(cumulative), "le", le);
  }
  double sum = total_double(threads, series.slot + static_cast<std::uint32_t>(bounds.size()) + 1);
  out.sample("_sum", family.labels(), series.values, Writer::number(sum));
  out.sample("_count", family.labels(), series.values, Writer::number(cumulative));
}

bool all_zero(const Family& family, const Series& series,
              const std::vector<const Cells*>& threads) {
  for (std::uint32_t i = 0; i < family.width(); ++i)
    if (total(threads, series.slot + i) != 0) return false;
  return true;
}

void write_callback(Writer& out, const CallbackFamily& family) {
  out.family(family.name, family.help, family.type);
  for (const Sample& s : family.collect())
    out.sample("", family.labels, s.values, Writer::number(s.value));
}

}  // namespace

void Registry::write_family(Writer& out, const Family& family,
                            const std::vector<const Cells*>& threads) const {
  out.family(family.name(), family.help(), family.type());
  for (const Series& series : family.snapshot()) {
    if (family.skips_zero_series() && all_zero(family, series, threads)) continue;
    if (family.type() == Type::histogram) {
      write_histogram(out, family, series, threads);
      continue;
    }
    std::uint64_t value = total(threads, series.slot);
    std::string text = family.type() == Type::gauge
                           ? Writer::number(static_cast<std::int64_t>(value))
                           : Writer::number(value);
    out.sample("", family.labels(), series.values, text);
  }
}

void Registry::write(Writer& out) const {
  std::vector<const Entry*> entries;
  {
    std::lock_guard lock(mutex_);
    for (const auto& e : entries_) entries.push_back(&e);
  }
  auto cells = threads();
  for (const Entry* e : entries) {
    if (e->family)
      write_family(out, *e->family, cells);
    else if (e->callback)
      write_callback(out, *e->callback);
    else
      e->custom(out);
  }
}

std::uint64_t Registry::sum(std::uint32_t slot) const { return total(threads(), slot); }

double Registry::sum_double(std::uint32_t slot) const { return total_double(threads(), slot); }

std::vector<std::string> Registry::names() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& e : entries_)
    out.push_back(e.family ? e.family->name() : e.callback ? e.callback->name : e.custom_name);
  return out;
}

}  // namespace neo::metrics
