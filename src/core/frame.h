// Frame: immutable, reference-counted bytes, allocated once. A publication is encoded into
// one Frame and every subscriber's outbound queue holds a reference to the same bytes.
// The count is atomic because a frame is created on one thread and released on others.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <string_view>
#include <utility>

#include "core/frame_type.h"

namespace neo {

class Frame {
 public:
  static Frame* create(std::string_view bytes) {
    void* memory = ::operator new(sizeof(Frame) + bytes.size());
    auto* frame = new (memory) Frame(bytes.size());
    if (!bytes.empty()) std::memcpy(frame->data(), bytes.data(), bytes.size());
    return frame;
  }
  char* data() { return reinterpret_cast<char*>(this + 1); }
  const char* data() const { return reinterpret_cast<const char*>(this + 1); }
  std::size_t size() const { return size_; }
  std::string_view view() const { return {data(), size_}; }

  // What the message is, for the transport's per-batch counters: its FrameType, the index of
  // its channel's namespace (0: none) and, for publications, when the publication was accepted
  // (steady clock, ns; 0: unknown). Set by the frame's maker before it is shared, read only after.
  void tag(FrameType type, std::uint16_t ns, std::int64_t accepted_ns = 0) {
    type_ = type;
    namespace_ = ns;
    accepted_ns_ = accepted_ns;
  }
  FrameType type() const { return type_; }
  std::uint16_t namespace_index() const { return namespace_; }
  std::int64_t accepted_ns() const { return accepted_ns_; }

  void retain() { refs_.fetch_add(1, std::memory_order_relaxed); }
  void release() {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      if (Frame* companion = companion_.load(std::memory_order_acquire)) companion->release();
      this->~Frame();
      ::operator delete(this);
    }
  }

  // Another encoding of the same message (the permessage-deflate payload), made once by the
  // first connection that needs it and shared by all the others; lives as long as this frame.
  // `make` returns a new Frame (reference count 1) or nullptr; when two threads race, one
  // result is kept and the other released.
  template <typename Make>
  const Frame* companion(Make&& make) {
    if (const Frame* made = companion_.load(std::memory_order_acquire)) return made;
    Frame* fresh = make();
    if (!fresh) return nullptr;
    Frame* expected = nullptr;
    if (companion_.compare_exchange_strong(expected, fresh, std::memory_order_acq_rel))
      return fresh;
    fresh->release();
    return expected;
  }

 private:
  explicit Frame(std::size_t size) : size_(size) {}
  std::atomic<std::uint32_t> refs_{1};
  std::uint32_t size_;
  std::atomic<Frame*> companion_{nullptr};
  std::int64_t accepted_ns_ = 0;
  std::uint16_t namespace_ = 0;
  FrameType type_ = FrameType::untagged;
};

// Owning handle to a Frame; cheap to copy (one atomic increment).
class FrameRef {
 public:
  FrameRef() = default;
  explicit FrameRef(std::string_view bytes) : frame_(Frame::create(bytes)) {}
  FrameRef(std::string_view bytes, FrameType type, std::uint16_t ns = 0) : FrameRef(bytes) {
    frame_->tag(type, ns);
  }
  FrameRef(const FrameRef& other) : frame_(other.frame_) {
    if (frame_) frame_->retain();
  }
  FrameRef(FrameRef&& other) noexcept : frame_(std::exchange(other.frame_, nullptr)) {}
  FrameRef& operator=(FrameRef other) noexcept {
    std::swap(frame_, other.frame_);
    return *this;
  }
  ~FrameRef() {
    if (frame_) frame_->release();
  }

  // A new reference to a frame someone else holds.
  static FrameRef retained(Frame* frame) {
    FrameRef ref;
    if (frame) frame->retain();
    ref.frame_ = frame;
    return ref;
  }
  // One more reference, handed out as a raw pointer that the caller must release.
  Frame* share() const {
    if (frame_) frame_->retain();
    return frame_;
  }

  explicit operator bool() const { return frame_ != nullptr; }
  std::string_view view() const { return frame_ ? frame_->view() : std::string_view{}; }
  std::size_t size() const { return frame_ ? frame_->size() : 0; }
  const char* data() const { return frame_ ? frame_->data() : nullptr; }
  // See Frame::tag: only by the maker, before the reference is copied.
  void tag(FrameType type, std::uint16_t ns, std::int64_t accepted_ns = 0) {
    if (frame_) frame_->tag(type, ns, accepted_ns);
  }
  FrameType type() const { return frame_ ? frame_->type() : FrameType::untagged; }
  std::uint16_t namespace_index() const { return frame_ ? frame_->namespace_index() : 0; }
  std::int64_t accepted_ns() const { return frame_ ? frame_->accepted_ns() : 0; }
  // See Frame::companion; valid while this reference is held.
  template <typename Make>
  const Frame* companion(Make&& make) const {
    return frame_ ? frame_->companion(std::forward<Make>(make)) : nullptr;
  }

 private:
  Frame* frame_ = nullptr;
};

}  // namespace neo
