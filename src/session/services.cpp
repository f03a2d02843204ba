#include "session/services.h"

namespace neo::session {

engine::HistoryOptions history_options(const config::NamespaceOptions& ns) {
  engine::HistoryOptions options;
  if (!ns.history_enabled()) return options;
  options.size = ns.history_size;
  options.ttl = ns.history_ttl;
  options.meta_ttl = ns.history_meta_ttl;
  return options;
}

std::uint32_t error_code_for(auth::Decision decision) {
  switch (decision) {
    case auth::Decision::allow:
      return 0;
    case auth::Decision::unknown_channel:
      return 102;
    case auth::Decision::bad_channel:
      return 107;
    case auth::Decision::denied:
      return 103;
  }
  return 103;
}

const config::NamespaceOptions* namespace_for(const config::Config& config,
                                              std::string_view channel) {
  return config.find_namespace(auth::namespace_of(channel));
}

}  // namespace neo::session
