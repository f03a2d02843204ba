// Encodings: the message behind one delivery, kept so that its other encodings (protobuf, and
// what delta subscribers receive) are made on demand: the first subscriber that needs one
// makes it, on whatever thread, and every other subscriber of that encoding shares the bytes.
// JSON subscribers never touch it (the delivery carries their frame, made up front).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "core/frame.h"
#include "core/types.h"

namespace neo::hub {

class Encodings {
 public:
  enum Slot : std::uint8_t {
    protobuf,              // the push in protobuf (delta subscribers' full payloads too)
    json_delta_full,       // data as a JSON string, for a delta subscriber without a base
    json_delta_patch,      // the fossil patch as a JSON string (or the full data, see patch())
    protobuf_delta_patch,  // the fossil patch as bytes
    kSlots,
  };

  Encodings(std::string channel, Publication pub,
            std::shared_ptr<const std::string> previous_data = nullptr)
      : channel_(std::move(channel)),
        pub_(std::move(pub)),
        previous_data_(std::move(previous_data)) {}
  Encodings(std::string channel, ClientInfo info)
      : channel_(std::move(channel)), info_(std::move(info)) {}
  ~Encodings() {
    for (auto& slot : frames_)
      if (Frame* frame = slot.load(std::memory_order_acquire)) frame->release();
  }
  Encodings(const Encodings&) = delete;
  Encodings& operator=(const Encodings&) = delete;

  const std::string& channel() const { return channel_; }
  const Publication& publication() const { return pub_; }
  const ClientInfo& info() const { return info_; }
  // Frame::tag of every frame made here; set by the dispatcher before the delivery is shared.
  void tag(FrameType type, std::uint16_t ns, std::int64_t accepted_ns) {
    type_ = type;
    ns_ = ns;
    accepted_ns_ = accepted_ns;
  }

  // The publication right before this one in the stream is known (same epoch, offset - 1), so
  // a subscriber that received it can be sent a patch.
  bool has_delta_base() const { return previous_data_ != nullptr; }
  // The fossil patch from the previous publication's data to this one's, made once; nullptr
  // when there is no base or the patch would not be smaller than the data itself.
  const std::string* patch();

  // The frame in `slot`, made by `make` (returning a FrameRef) if no thread has made it yet.
  template <typename Make>
  FrameRef get(Slot slot, Make&& make) {
    if (Frame* made = frames_[slot].load(std::memory_order_acquire))
      return FrameRef::retained(made);
    FrameRef fresh = make();
    if (!fresh) return fresh;
    fresh.tag(type_, ns_, accepted_ns_);
    Frame* expected = nullptr;
    Frame* mine = fresh.share();  // the slot's own reference
    if (frames_[slot].compare_exchange_strong(expected, mine, std::memory_order_acq_rel))
      return fresh;
    mine->release();  // another thread made it first: use theirs
    return FrameRef::retained(expected);
  }

 private:
  std::string channel_;
  Publication pub_;
  ClientInfo info_;
  std::shared_ptr<const std::string> previous_data_;
  std::once_flag patch_once_;
  std::string patch_;
  bool patch_usable_ = false;
  std::array<std::atomic<Frame*>, kSlots> frames_{};
  std::int64_t accepted_ns_ = 0;
  std::uint16_t ns_ = 0;
  FrameType type_ = FrameType::untagged;
};

}  // namespace neo::hub
