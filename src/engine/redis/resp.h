// RESP through hiredis, which does all of the protocol: commands are formatted with
// redisFormatCommandArgv and replies parsed with a redisReader. Nothing here knows sockets.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct redisReader;
struct redisReply;

namespace neo::engine::redis {

struct ReplyDeleter {
  void operator()(redisReply* reply) const;
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

// Appends one command, as RESP, to `out` (commands appended together leave in one write).
void append_command(std::string& out, const std::vector<std::string_view>& args);

// Bytes in, whole replies out, in order.
class ReplyReader {
 public:
  ReplyReader();
  ~ReplyReader();
  ReplyReader(const ReplyReader&) = delete;
  ReplyReader& operator=(const ReplyReader&) = delete;

  void feed(const char* data, std::size_t size);
  // The next complete reply, or nullptr when more bytes are needed or the stream is not RESP
  // (then error() says why and nothing more comes out).
  ReplyPtr next();
  const std::string& error() const { return error_; }

 private:
  redisReader* reader_;
  std::string error_;
};

// A PUB/SUB push of a subscribed connection: ["message", channel, payload], ["subscribe", ...].
bool is_push(const redisReply* reply);

}  // namespace neo::engine::redis
