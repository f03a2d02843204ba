// Counting what a connection writes, once per write batch (never per subscriber): messages
// and bytes by transport, frame type and namespace (from each frame's tag), the batch's
// publications for the connection's tenant, and the age of its oldest publication (delivery
// latency, one observation per batch). Everything goes to the writing thread's own cells.
#pragma once

#include <chrono>
#include <cstdint>

#include <algorithm>

#include "core/clock.h"
#include "core/frame.h"
#include "metrics/server_metrics.h"
#include "transport/connection.h"

namespace neo::transport {

// `message(i)` is the i-th FrameRef of the batch, for i < n.
template <typename MessageAt>
void count_written(const metrics::ServerMetrics* metrics, TransportKind kind, std::size_t n,
                   MessageAt&& message, std::uint32_t tenant_cell) {
  if (!metrics || n == 0) return;
  auto& cells = metrics->registry.local();
  const auto transport = static_cast<std::size_t>(kind);
  std::uint64_t publications = 0;
  std::int64_t oldest = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const FrameRef& frame = message(i);
    const FrameType type = frame.type();
    if (type == FrameType::untagged) continue;
    const std::uint32_t cell = metrics->message_cell(transport, type, frame.namespace_index());
    cells.add(metrics->sent_base + cell, 1);
    cells.add(metrics->sent_size_base + cell, frame.size());
    if (type != FrameType::push_publication) continue;
    ++publications;
    std::int64_t accepted = frame.accepted_ns();
    if (accepted && (!oldest || accepted < oldest)) oldest = accepted;
  }
  if (publications && tenant_cell != metrics::Tenants::kNone) cells.add(tenant_cell, publications);
  if (!oldest) return;
  auto age = steady_nanos() - oldest;
  metrics->delivery_latency.observe(static_cast<double>(std::max<std::int64_t>(age, 0)) / 1e9);
}

}  // namespace neo::transport
