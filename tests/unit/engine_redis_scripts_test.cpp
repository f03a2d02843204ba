// The stream scripts' generation argument (scripts.h; sentinel mode passes the master's
// replication id) against a real redis-server: the same id keeps the epoch and the offsets, another
// id (a promoted replica) starts a new epoch while the offsets go on, for publishing and for
// reading history alike; an empty id (every other mode) never changes the epoch.
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <memory>
#include <string>
#include <vector>

#include "engine/redis/scripts.h"
#include "support/redis_server.h"
#include "support/resp_reply.h"

namespace neo::engine::redis {
namespace {

struct ContextDeleter {
  void operator()(redisContext* c) const { redisFree(c); }
};

class StreamScripts : public ::testing::Test {
 protected:
  void SetUp() override {
    context_.reset(redisConnect("127.0.0.1", redis_.port()));
    ASSERT_TRUE(context_ && !context_->err);
  }

  test::Reply run(const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<size_t> lengths;
    for (const auto& a : args) {
      argv.push_back(a.data());
      lengths.push_back(a.size());
    }
    return test::Reply(static_cast<redisReply*>(redisCommandArgv(
        context_.get(), static_cast<int>(argv.size()), argv.data(), lengths.data())));
  }

  // {offset, epoch} of one publication through kPublish under `generation`.
  std::pair<long long, std::string> publish(const std::string& generation,
                                            const std::string& new_epoch) {
    auto r = run({"EVAL", std::string(scripts::kPublish), "3", "s.stream.c", "s.stream.meta.c",
                  "s.client.c", "{}", "100", "60", "60", new_epoch, generation});
    EXPECT_EQ(r->type, REDIS_REPLY_ARRAY) << (r->type == REDIS_REPLY_ERROR ? r->str : "");
    return {r->element[0]->integer, std::string(r->element[1]->str, r->element[1]->len)};
  }

  // {top, epoch} from kHistory under `generation`.
  std::pair<std::string, std::string> history(const std::string& generation,
                                              const std::string& new_epoch) {
    auto r = run({"EVAL", std::string(scripts::kHistory), "2", "s.stream.c", "s.stream.meta.c", "0",
                  "0", "-", "60", new_epoch, generation});
    EXPECT_EQ(r->type, REDIS_REPLY_ARRAY) << (r->type == REDIS_REPLY_ERROR ? r->str : "");
    return {std::string(r->element[0]->str, r->element[0]->len),
            std::string(r->element[1]->str, r->element[1]->len)};
  }

  test::RedisServer redis_;
  std::unique_ptr<redisContext, ContextDeleter> context_;
};

TEST_F(StreamScripts, SameGenerationKeepsEpochAndOffsets) {
  EXPECT_EQ(publish("id-1", "e1"), std::make_pair(1LL, std::string("e1")));
  EXPECT_EQ(publish("id-1", "e2"), std::make_pair(2LL, std::string("e1")));
  EXPECT_EQ(history("id-1", "e3"), std::make_pair(std::string("2"), std::string("e1")));
}

TEST_F(StreamScripts, AnotherGenerationStartsANewEpochAndOffsetsGoOn) {
  publish("id-1", "e1");
  publish("id-1", "e1");
  EXPECT_EQ(publish("id-2", "e2"), std::make_pair(3LL, std::string("e2")));
  EXPECT_EQ(publish("id-2", "e3"), std::make_pair(4LL, std::string("e2")));
}

TEST_F(StreamScripts, HistoryUnderAnotherGenerationStartsTheNewEpochToo) {
  publish("id-1", "e1");
  EXPECT_EQ(history("id-2", "e2"), std::make_pair(std::string("1"), std::string("e2")));
  EXPECT_EQ(publish("id-2", "e3"), std::make_pair(2LL, std::string("e2")));
}

TEST_F(StreamScripts, EmptyGenerationNeverChangesTheEpoch) {
  publish("", "e1");
  EXPECT_EQ(publish("", "e2"), std::make_pair(2LL, std::string("e1")));
  EXPECT_EQ(history("", "e3"), std::make_pair(std::string("2"), std::string("e1")));
}

}  // namespace
}  // namespace neo::engine::redis
