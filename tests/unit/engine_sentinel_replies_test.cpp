// Sentinel's answers and messages, and ROLE / INFO replication of the master it names, read
// from raw RESP bytes (hiredis's own reader) or text as the servers send them; every malformed
// shape with its exact problem.
#include <gtest/gtest.h>

#include <string>

#include "engine/redis/sentinel/replies.h"
#include "support/resp_reply.h"

namespace neo::engine::redis::sentinel {
namespace {

using test::bulk;
using test::parse_resp;

template <typename T>
std::string problem_of(const Parsed<T>& parsed) {
  auto* problem = std::get_if<std::string>(&parsed);
  return problem ? *problem : "parsed";
}

Parsed<Address> master_addr(const std::string& resp) {
  auto reply = parse_resp(resp);
  return parse_master_addr(reply.get(), "mymaster");
}

TEST(SentinelReplies, MasterAddress) {
  auto parsed = master_addr("*2\r\n" + bulk("10.0.0.5") + bulk("6380"));
  ASSERT_TRUE(std::holds_alternative<Address>(parsed)) << problem_of(parsed);
  const auto& address = std::get<Address>(parsed);
  EXPECT_EQ(address.host, "10.0.0.5");
  EXPECT_EQ(address.port, 6380);
  EXPECT_EQ(address.text, "redis://10.0.0.5:6380");
}

TEST(SentinelReplies, MasterAddressRejects) {
  struct Case {
    std::string resp;
    const char* problem;
  };
  for (const auto& [resp, problem] : {
           Case{"*-1\r\n", "does not know master \"mymaster\""},
           Case{"$-1\r\n", "does not know master \"mymaster\""},
           Case{"-NOAUTH Authentication required.\r\n",
                "error \"NOAUTH Authentication required.\""},
           Case{"*1\r\n" + bulk("10.0.0.5"), "expected [host, port] for master \"mymaster\""},
           Case{"*3\r\n" + bulk("a") + bulk("1") + bulk("x"),
                "expected [host, port] for master \"mymaster\""},
           Case{"*2\r\n" + bulk("10.0.0.5") + ":6380\r\n",
                "expected [host, port] for master \"mymaster\""},
           Case{"+OK\r\n", "expected [host, port] for master \"mymaster\""},
           Case{"*2\r\n" + bulk("") + bulk("6380"),
                "bad address \" 6380\" for master \"mymaster\""},
           Case{"*2\r\n" + bulk("h") + bulk("0"), "bad address \"h 0\" for master \"mymaster\""},
           Case{"*2\r\n" + bulk("h") + bulk("65536"),
                "bad address \"h 65536\" for master \"mymaster\""},
           Case{"*2\r\n" + bulk("h") + bulk("63x"),
                "bad address \"h 63x\" for master \"mymaster\""},
       }) {
    EXPECT_EQ(problem_of(master_addr(resp)), problem) << resp;
  }
  EXPECT_EQ(problem_of(parse_master_addr(nullptr, "mymaster")), "no answer (connection down)");
}

TEST(SentinelReplies, SwitchMaster) {
  auto parsed = parse_switch_master("mymaster 127.0.0.1 6379 127.0.0.1 6380");
  ASSERT_TRUE(std::holds_alternative<SwitchMaster>(parsed)) << problem_of(parsed);
  const auto& change = std::get<SwitchMaster>(parsed);
  EXPECT_EQ(change.name, "mymaster");
  EXPECT_EQ(change.from.text, "redis://127.0.0.1:6379");
  EXPECT_EQ(change.to.host, "127.0.0.1");
  EXPECT_EQ(change.to.port, 6380);
}

TEST(SentinelReplies, SwitchMasterRejects) {
  const std::string shape =
      "expected <name> <old host> <old port> <new host> <new port> in +switch-master ";
  struct Case {
    std::string payload;
    std::string problem;
  };
  for (const auto& [payload, problem] : {
           Case{"", shape + "\"\""},
           Case{"mymaster 127.0.0.1 6379 127.0.0.1",
                shape + "\"mymaster 127.0.0.1 6379 127.0.0.1\""},
           Case{"mymaster a 1 b 2 extra", shape + "\"mymaster a 1 b 2 extra\""},
           Case{"mymaster  a 1 b 2", shape + "\"mymaster  a 1 b 2\""},
           Case{"mymaster a 1 b two", "bad +switch-master \"mymaster a 1 b two\""},
           Case{"mymaster a 0 b 2", "bad +switch-master \"mymaster a 0 b 2\""},
           Case{"mymaster a 1 b 2 ", shape + "\"mymaster a 1 b 2 \""},
           Case{" a 1 b 2", "bad +switch-master \" a 1 b 2\""},
       }) {
    EXPECT_EQ(problem_of(parse_switch_master(payload)), problem) << payload;
  }
}

TEST(SentinelReplies, Role) {
  auto master = parse_resp("*3\r\n" + bulk("master") + ":3129659\r\n*0\r\n");
  auto role = parse_role(master.get());
  ASSERT_TRUE(std::holds_alternative<Role>(role)) << problem_of(role);
  EXPECT_EQ(std::get<Role>(role).name, "master");
  auto replica = parse_resp("*5\r\n" + bulk("slave") + bulk("127.0.0.1") + ":9753\r\n" +
                            bulk("connected") + ":3167038\r\n");
  role = parse_role(replica.get());
  ASSERT_TRUE(std::holds_alternative<Role>(role)) << problem_of(role);
  EXPECT_EQ(std::get<Role>(role).name, "slave");
}

TEST(SentinelReplies, RoleRejects) {
  EXPECT_EQ(problem_of(parse_role(nullptr)), "ROLE: no answer (connection down)");
  for (const std::string resp : {"*0\r\n", ":1\r\n", "*1\r\n:1\r\n"}) {
    auto reply = parse_resp(resp);
    EXPECT_EQ(problem_of(parse_role(reply.get())), "ROLE: expected an array starting with the role")
        << resp;
  }
  auto loading = parse_resp("-LOADING Redis is loading the dataset in memory\r\n");
  EXPECT_EQ(problem_of(parse_role(loading.get())),
            "ROLE: error \"LOADING Redis is loading the dataset in memory\"");
}

TEST(SentinelReplies, Replication) {
  auto parsed = parse_replication(
      "# Replication\r\nrole:master\r\nconnected_slaves:1\r\n"
      "slave0:ip=127.0.0.1,port=6380,state=online,offset=42,lag=0\r\n"
      "master_failover_state:no-failover\r\n"
      "master_replid:680b1555c69f81afcbd958e95f59b8cfcfb86bad\r\n"
      "master_replid2:0000000000000000000000000000000000000000\r\n");
  ASSERT_TRUE(std::holds_alternative<Replication>(parsed)) << problem_of(parsed);
  EXPECT_EQ(std::get<Replication>(parsed).role, "master");
  EXPECT_EQ(std::get<Replication>(parsed).replid, "680b1555c69f81afcbd958e95f59b8cfcfb86bad");
  auto replica = parse_replication("role:slave\nmaster_replid:abc\n");  // bare \n too
  ASSERT_TRUE(std::holds_alternative<Replication>(replica)) << problem_of(replica);
  EXPECT_EQ(std::get<Replication>(replica).role, "slave");
}

TEST(SentinelReplies, ReplicationRejects) {
  EXPECT_EQ(problem_of(parse_replication("")), "INFO replication: no role");
  EXPECT_EQ(problem_of(parse_replication("# Replication\r\nmaster_replid:abc\r\n")),
            "INFO replication: no role");
  EXPECT_EQ(problem_of(parse_replication("role:master\r\nmaster_replid2:abc\r\n")),
            "INFO replication: no master_replid");
  EXPECT_EQ(problem_of(parse_replication("role:master\r\nmaster_replid:\r\n")),
            "INFO replication: no master_replid");
}

}  // namespace
}  // namespace neo::engine::redis::sentinel
