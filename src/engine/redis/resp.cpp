#include "engine/redis/resp.h"

#include <hiredis/hiredis.h>

#include <new>

namespace neo::engine::redis {

void ReplyDeleter::operator()(redisReply* reply) const { freeReplyObject(reply); }

void append_command(std::string& out, const std::vector<std::string_view>& args) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  argv.reserve(args.size());
  lengths.reserve(args.size());
  for (auto arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  char* command = nullptr;
  int length =
      redisFormatCommandArgv(&command, static_cast<int>(argv.size()), argv.data(), lengths.data());
  if (length < 0) throw std::bad_alloc();
  out.append(command, static_cast<std::size_t>(length));
  redisFreeCommand(command);
}

ReplyReader::ReplyReader() : reader_(redisReaderCreate()) {
  if (!reader_) throw std::bad_alloc();
}

ReplyReader::~ReplyReader() { redisReaderFree(reader_); }

void ReplyReader::feed(const char* data, std::size_t size) {
  if (error_.empty() && redisReaderFeed(reader_, data, size) != REDIS_OK) error_ = reader_->errstr;
}

ReplyPtr ReplyReader::next() {
  if (!error_.empty()) return nullptr;
  void* reply = nullptr;
  if (redisReaderGetReply(reader_, &reply) != REDIS_OK) {
    error_ = reader_->errstr[0] ? reader_->errstr : "protocol error";
    return nullptr;
  }
  return ReplyPtr(static_cast<redisReply*>(reply));
}

bool is_push(const redisReply* reply) {
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 3) return false;
  const redisReply* kind = reply->element[0];
  if (kind->type != REDIS_REPLY_STRING) return false;
  std::string_view k(kind->str, kind->len);
  for (std::string_view push : {"message", "pmessage", "smessage", "subscribe", "unsubscribe",
                                "ssubscribe", "sunsubscribe", "psubscribe", "punsubscribe"})
    if (k == push) return true;
  return false;
}

}  // namespace neo::engine::redis
