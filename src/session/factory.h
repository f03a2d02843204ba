// Creates a ClientSession for each accepted WebSocket, on the shard of the accepting thread.
#pragma once

#include "session/client_session.h"
#include "transport/connection.h"

namespace neo::session {

class ClientSessionFactory final : public transport::SessionFactory {
 public:
  explicit ClientSessionFactory(Services& services) : services_(services) {}
  std::unique_ptr<transport::SessionHandler> create(transport::Connection& connection,
                                                    const transport::UpgradeInfo& info) override {
    return std::make_unique<ClientSession>(services_, *services_.shards.at(info.thread_index),
                                           connection, info.transport, info.emulation_session,
                                           info.format == transport::WireFormat::protobuf
                                               ? protocol::Encoding::protobuf
                                               : protocol::Encoding::json);
  }

 private:
  Services& services_;
};

}  // namespace neo::session
