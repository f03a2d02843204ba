// LocalHub: one per I/O thread, used only on that thread, so it needs no locks.
// Maps a channel to the subscriptions living on this thread and hands each delivery (one
// shared, already-encoded frame) to every one of them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/frame.h"
#include "hub/encodings.h"

namespace neo::hub {

enum class DeliveryKind : std::uint8_t { publication, join, leave };

struct Delivery {
  DeliveryKind kind = DeliveryKind::publication;
  FrameRef frame;            // {"push":{...}} encoded once for every receiver
  std::uint64_t offset = 0;  // publications in channels with history
  std::string epoch;
  // Every other encoding, made on demand and shared; one per delivery, not per receiver.
  std::shared_ptr<Encodings> encodings{};
};

// A subscription as the hub sees it. Called on the owning thread only.
class Subscriber {
 public:
  virtual void deliver(const Delivery& delivery) = 0;

 protected:
  ~Subscriber() = default;
};

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view text) const {
    return std::hash<std::string_view>{}(text);
  }
};

class LocalHub {
 public:
  // Returns true when `channel` had no subscriber on this thread before.
  bool add(std::string_view channel, Subscriber* subscriber);
  // Returns true when the last subscriber on this thread left `channel`.
  bool remove(std::string_view channel, Subscriber* subscriber);
  // Subscribers may add or remove subscriptions (even of this channel) while being delivered to.
  void deliver(std::string_view channel, const Delivery& delivery);

  std::size_t channel_count() const { return channels_.size(); }
  std::size_t subscriber_count(std::string_view channel) const;
  template <typename Visit>
  void for_each_channel(Visit&& visit) const {
    for (const auto& [name, entry] : channels_) visit(name, entry.live);
  }

 private:
  struct Entry {
    std::vector<Subscriber*> subscribers;  // nullptr = removed during a delivery
    std::uint32_t live = 0;
    std::uint32_t delivering = 0;
  };
  void compact(std::unordered_map<std::string, Entry>::iterator it);

  std::unordered_map<std::string, Entry, StringHash, std::equal_to<>> channels_;
};

}  // namespace neo::hub
