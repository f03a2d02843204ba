#include "transport/accept_pacer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/system/system_category.hpp>
#include <cerrno>

namespace neo::transport {

AcceptFailure classify_accept_error(const boost::system::error_code& ec) {
  if (ec.category() != boost::system::system_category()) return AcceptFailure::other;
  switch (ec.value()) {
    case EMFILE:
      return AcceptFailure::emfile;
    case ENFILE:
      return AcceptFailure::enfile;
    case ENOBUFS:
      return AcceptFailure::enobufs;
    case ENOMEM:
      return AcceptFailure::enomem;
    // The connection went away before it was taken, a firewall rule refused it, a signal
    // came, or (accept(2), Linux) an error pending on the new socket: the next one may do.
    case ECONNABORTED:
    case EPERM:
    case EINTR:
    case EAGAIN:
    case EPROTO:
    case ENETDOWN:
    case ENOPROTOOPT:
    case EHOSTDOWN:
    case ENONET:
    case EHOSTUNREACH:
    case EOPNOTSUPP:
    case ENETUNREACH:
      return AcceptFailure::transient;
    default:
      return AcceptFailure::other;
  }
}

std::string_view accept_failure_label(AcceptFailure failure) {
  switch (failure) {
    case AcceptFailure::emfile:
      return "emfile";
    case AcceptFailure::enfile:
      return "enfile";
    case AcceptFailure::enobufs:
      return "enobufs";
    case AcceptFailure::enomem:
      return "enomem";
    case AcceptFailure::transient:
      return "transient";
    case AcceptFailure::other:
      break;
  }
  return "other";
}

bool is_resource_shortage(AcceptFailure failure) {
  return failure == AcceptFailure::emfile || failure == AcceptFailure::enfile ||
         failure == AcceptFailure::enobufs || failure == AcceptFailure::enomem;
}

std::chrono::milliseconds AcceptBackoff::on_failure() {
  ++failures_;
  auto wait = next_;
  next_ = std::min(next_ * 2, kMax);
  return wait;
}

std::uint64_t AcceptBackoff::on_success() {
  auto failures = failures_;
  failures_ = 0;
  next_ = kFirst;
  return failures;
}

void AcceptPacer::on_error(const boost::system::error_code& ec, std::function<void()> retry) {
  auto failure = classify_accept_error(ec);
  stats_.count(failure);
  if (failure == AcceptFailure::transient) return retry();
  // Out of descriptors or memory, or an unexpected error: a retry at once would fail the same
  // way and spin the thread, so wait; the thread's other handlers run meanwhile.
  if (!backoff_.in_episode()) begin_pause(ec, failure);
  timer_.expires_after(backoff_.on_failure());
  timer_.async_wait([retry = std::move(retry)](boost::system::error_code wait_ec) {
    if (!wait_ec) retry();
  });
}

void AcceptPacer::on_success() {
  auto failures = backoff_.on_success();
  if (failures == 0) return;
  stats_.paused.store(false, std::memory_order_relaxed);
  auto paused_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::steady_clock::now() - paused_since_)
                       .count();
  spdlog::info("accept: resumed after {} failed attempts over {} ms", failures, paused_ms);
}

void AcceptPacer::begin_pause(const boost::system::error_code& ec, AcceptFailure failure) {
  paused_since_ = std::chrono::steady_clock::now();
  stats_.pauses.fetch_add(1, std::memory_order_relaxed);
  stats_.paused.store(true, std::memory_order_relaxed);
  if (is_resource_shortage(failure)) {
    spdlog::warn(
        "accept: {} ({}); new connections wait in the kernel queue, accepting retried after {} "
        "ms, backing off to {} ms",
        ec.message(), accept_failure_label(failure), AcceptBackoff::kFirst.count(),
        AcceptBackoff::kMax.count());
  } else {
    spdlog::error("accept: unexpected error: {} ({}); accepting retried with backoff", ec.message(),
                  ec.value());
  }
}

}  // namespace neo::transport
