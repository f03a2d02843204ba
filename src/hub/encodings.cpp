#include "hub/encodings.h"

#include "core/fossil_delta.h"

namespace neo::hub {

const std::string* Encodings::patch() {
  if (!previous_data_) return nullptr;
  std::call_once(patch_once_, [this] {
    patch_ = fossil::create(*previous_data_, pub_.data);
    // A patch no smaller than the data saves nothing: the full data goes instead (delta false).
    patch_usable_ = patch_.size() < pub_.data.size();
    if (!patch_usable_) std::string().swap(patch_);
  });
  return patch_usable_ ? &patch_ : nullptr;
}

}  // namespace neo::hub
