// A transport::Connection that records what a session sends and how it closes, for driving a
// ClientSession in unit tests without sockets. Its executor is an io_context the test runs.
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "session/client_session.h"
#include "transport/connection.h"

namespace neo::session::fakes {

class FakeConnection final : public transport::Connection {
 public:
  explicit FakeConnection(boost::asio::io_context& io, std::string address = "127.0.0.1:50000")
      : io_(io), address_(std::move(address)) {}

  bool send(FrameRef message) override {
    if (!accept_sends) return false;  // as a full outbound queue would
    sent.emplace_back(message.view());
    return true;
  }
  void close(std::uint16_t code, std::string_view reason) override {
    closes.push_back(code);
    close_reason = reason;
  }
  void abort(std::uint16_t code, std::string_view reason) override {
    aborts.push_back(code);
    close_reason = reason;
  }
  const std::string& remote_address() const override { return address_; }
  boost::asio::any_io_executor executor() override { return io_.get_executor(); }
  std::weak_ptr<void> lifetime() override { return life_; }

  bool accept_sends = true;
  std::vector<std::string> sent;
  std::vector<std::uint16_t> closes;
  std::vector<std::uint16_t> aborts;
  std::string close_reason;

 private:
  boost::asio::io_context& io_;
  std::string address_;
  std::shared_ptr<int> life_ = std::make_shared<int>(0);
};

struct TestClient {
  explicit TestClient(boost::asio::io_context& io, std::string address = "127.0.0.1:50000")
      : connection(io, std::move(address)) {}
  FakeConnection connection;
  std::unique_ptr<ClientSession> session;  // destroyed before its connection
};

}  // namespace neo::session::fakes
