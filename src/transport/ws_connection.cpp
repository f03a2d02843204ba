// The server's WebSocket connection: BasicWsConnection compiled once, for the TCP socket.
#include "transport/ws_connection.h"

#include "transport/ws_connection_impl.h"

namespace neo::transport {

template class BasicWsConnection<boost::asio::ip::tcp::socket>;

}  // namespace neo::transport
