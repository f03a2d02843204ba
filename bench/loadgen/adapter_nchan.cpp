// nchan (nginx): subscribe by upgrading GET /sub/<channel>; every text frame is one message
// body. Publish with POST /pub/<channel>, one message per request (201/202 acknowledge it).
#include "adapter.h"
#include "http_response.h"

namespace bench {
namespace {

// nchan channel ids come from the URL; ':' is kept out of them to stay clear of nchan's
// multi-channel id syntax. Both sides map the same way, so channels still match.
std::string url_channel(std::string_view channel) {
  std::string id(channel);
  for (char& c : id)
    if (c == ':') c = '_';
  return id;
}

class NchanSubscriber final : public SubscriberAdapter {
 public:
  std::string path(std::string_view channel) const override {
    return "/sub/" + url_channel(channel);
  }
  bool subscribed_on_upgrade() const override { return true; }
  void on_open(SubConn& /*conn*/, std::string_view /*channel*/, SubSink& /*sink*/) override {}

  size_t on_data(SubConn& conn, std::string_view data, SubSink& sink) override {
    sink.delivery(conn, data);
    return data.size();
  }
};

class NchanPublisher final : public PublisherAdapter {
 public:
  explicit NchanPublisher(const TargetOptions& target)
      : host_port_(target.host + ":" + std::to_string(target.pub_port)) {}

  uint32_t max_batch() const override { return 1; }

  void append_request(std::string& out, std::span<const PubMessage> messages) override {
    path_ = "/pub/";
    path_ += messages[0].channel;
    for (size_t i = 5; i < path_.size(); ++i)
      if (path_[i] == ':') path_[i] = '_';
    http::append_post(out, host_port_, path_, "Content-Type: application/json\r\n",
                      messages[0].payload);
  }

  size_t on_data(std::string_view data, AckSink& sink) override {
    return http::for_each_response(
        data,
        [&](const http::Response& response) {
          bool ok = response.status == 201 || response.status == 202;
          if (!ok) sink.error("nchan publish: HTTP status " + std::to_string(response.status));
          sink.request_done(ok ? 1 : 0);
        },
        [&] { sink.error("unparsable HTTP response from nchan"); });
  }

 private:
  std::string host_port_;
  std::string path_;  // reused
};

}  // namespace

std::unique_ptr<SubscriberAdapter> make_nchan_subscriber(const TargetOptions& /*target*/) {
  return std::make_unique<NchanSubscriber>();
}

std::unique_ptr<PublisherAdapter> make_nchan_publisher(const TargetOptions& target) {
  return std::make_unique<NchanPublisher>(target);
}

}  // namespace bench
