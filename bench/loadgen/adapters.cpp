#include <stdexcept>

#include "adapter.h"

namespace bench {

std::string channel_name(std::string_view pattern, uint32_t index) {
  std::string name(pattern);
  size_t hole = name.find("{}");
  if (hole != std::string::npos) name.replace(hole, 2, std::to_string(index));
  return name;
}

std::unique_ptr<SubscriberAdapter> make_subscriber_adapter(const TargetOptions& target) {
  if (target.kind == "neo")
    return target.neo_protobuf ? make_neo_protobuf_subscriber(target) : make_neo_subscriber(target);
  if (target.kind == "nats") return make_nats_subscriber(target);
  if (target.kind == "mqtt") return make_mqtt_subscriber(target);
  if (target.kind == "nchan") return make_nchan_subscriber(target);
  throw std::invalid_argument("unknown target " + target.kind);
}

std::unique_ptr<PublisherAdapter> make_publisher_adapter(const TargetOptions& target) {
  if (target.kind == "neo") return make_neo_publisher(target);
  if (target.kind == "nats") return make_nats_publisher(target);
  if (target.kind == "mqtt") return make_mqtt_publisher(target);
  if (target.kind == "nchan") return make_nchan_publisher(target);
  throw std::invalid_argument("unknown target " + target.kind);
}

}  // namespace bench
