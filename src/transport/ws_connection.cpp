// The server's WebSocket connection: BasicWsConnection compiled once, for NetSocket.
#include "transport/ws_connection.h"

#include "transport/ws_connection_impl.h"

namespace neo::transport {

template class BasicWsConnection<NetSocket>;

}  // namespace neo::transport
