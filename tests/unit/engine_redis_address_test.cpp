// Redis addresses (engine/redis/address.h): every accepted form, every refusal with its exact
// reason, and no password in anything that reaches a log.
#include <gtest/gtest.h>

#include "engine/redis/address.h"

namespace neo::engine::redis {
namespace {

Address accepted(std::string_view url) {
  auto parsed = parse_address(url);
  EXPECT_TRUE(parsed) << url << ": " << parsed.error;
  return parsed ? *parsed : Address{};
}

std::string refusal(std::string_view url) {
  auto parsed = parse_address(url);
  EXPECT_FALSE(parsed) << url;
  return parsed.error;
}

TEST(RedisAddress, HostAndPort) {
  Address a = accepted("redis://10.0.0.5:6380");
  EXPECT_EQ(a.host, "10.0.0.5");
  EXPECT_EQ(a.port, 6380);
  EXPECT_EQ(a.text, "redis://10.0.0.5:6380");
  EXPECT_FALSE(a.tls);
  EXPECT_EQ(a.user, "");
  EXPECT_EQ(a.password, "");
  EXPECT_EQ(a.db, std::nullopt);
}

TEST(RedisAddress, DefaultPort) {
  EXPECT_EQ(accepted("redis://redis").port, 6379);
  EXPECT_EQ(accepted("rediss://redis").port, 6379);
}

TEST(RedisAddress, TlsScheme) {
  Address a = accepted("rediss://cache.example:6390");
  EXPECT_TRUE(a.tls);
  EXPECT_EQ(a.host, "cache.example");
  EXPECT_EQ(a.port, 6390);
}

TEST(RedisAddress, PasswordOnly) {
  Address a = accepted("redis://:s3cret@redis:6379");
  EXPECT_EQ(a.user, "");
  EXPECT_EQ(a.password, "s3cret");
  EXPECT_EQ(a.host, "redis");
  EXPECT_EQ(a.text, "redis://:***@redis:6379");
}

TEST(RedisAddress, UserAndPassword) {
  Address a = accepted("rediss://app:s3cret@redis:6379/2");
  EXPECT_EQ(a.user, "app");
  EXPECT_EQ(a.password, "s3cret");
  EXPECT_EQ(a.db, 2);
  EXPECT_EQ(a.text, "rediss://app:***@redis:6379/2");
}

TEST(RedisAddress, PercentEncodedCredentials) {
  Address a = accepted("redis://us%40er:p%3Aa%2Fs%25s@h:1");
  EXPECT_EQ(a.user, "us@er");
  EXPECT_EQ(a.password, "p:a/s%s");
  EXPECT_EQ(a.text, "redis://us%40er:***@h:1");
}

TEST(RedisAddress, UnencodedAtAndSlashInPassword) {  // the last '@' ends the credentials
  Address a = accepted("redis://:p@ss/w@h:7/1");
  EXPECT_EQ(a.password, "p@ss/w");
  EXPECT_EQ(a.host, "h");
  EXPECT_EQ(a.port, 7);
  EXPECT_EQ(a.db, 1);
  EXPECT_EQ(a.text, "redis://:***@h:7/1");
}

TEST(RedisAddress, Database) {
  EXPECT_EQ(accepted("redis://h:1/0").db, 0);
  EXPECT_EQ(accepted("redis://h/15").db, 15);
  EXPECT_EQ(accepted("redis://h:1/").db, std::nullopt);
}

TEST(RedisAddress, Ipv6) {
  Address a = accepted("redis://[::1]:6390");
  EXPECT_EQ(a.host, "::1");
  EXPECT_EQ(a.port, 6390);
  Address b = accepted("rediss://:pw@[fe80::1]/3");
  EXPECT_EQ(b.host, "fe80::1");
  EXPECT_EQ(b.port, 6379);
  EXPECT_EQ(b.db, 3);
  EXPECT_EQ(b.text, "rediss://:***@[fe80::1]/3");
}

TEST(RedisAddress, Refusals) {
  EXPECT_EQ(refusal("tcp://h:1"),
            "redis address 'tcp://h:1': expected redis://host:port or rediss://host:port");
  EXPECT_EQ(refusal("h:6379"),
            "redis address 'h:6379': expected redis://host:port or rediss://host:port");
  EXPECT_EQ(refusal(""), "redis address '': expected redis://host:port or rediss://host:port");
  EXPECT_EQ(refusal("redis://"), "redis address 'redis://': host is empty");
  EXPECT_EQ(refusal("redis://:6379"), "redis address 'redis://:6379': host is empty");
  EXPECT_EQ(refusal("redis://h:0"), "redis address 'redis://h:0': port must be 1-65535");
  EXPECT_EQ(refusal("redis://h:65536"), "redis address 'redis://h:65536': port must be 1-65535");
  EXPECT_EQ(refusal("redis://h:"), "redis address 'redis://h:': port must be 1-65535");
  EXPECT_EQ(refusal("redis://h:6x"), "redis address 'redis://h:6x': port must be 1-65535");
  EXPECT_EQ(refusal("redis://h:-1"), "redis address 'redis://h:-1': port must be 1-65535");
  EXPECT_EQ(refusal("redis://h:1/x"),
            "redis address 'redis://h:1/x': database must be a non-negative integer, got 'x'");
  EXPECT_EQ(refusal("redis://h:1/-1"),
            "redis address 'redis://h:1/-1': database must be a non-negative integer, got '-1'");
  EXPECT_EQ(refusal("redis://h:1/1?x=1"),
            "redis address 'redis://h:1/1?x=1': database must be a non-negative integer, got "
            "'1?x=1'");
  EXPECT_EQ(refusal("redis://::1:6379"),
            "redis address 'redis://::1:6379': an IPv6 host goes in brackets ([::1]:6379)");
  EXPECT_EQ(refusal("redis://[::1"), "redis address 'redis://[::1': missing ] after the IPv6 host");
  EXPECT_EQ(refusal("redis://[::1]x"),
            "redis address 'redis://[::1]x': unexpected text after the IPv6 host");
  EXPECT_EQ(refusal("redis://[]:1"), "redis address 'redis://[]:1': host is empty");
  EXPECT_EQ(refusal("redis://[::1]:"), "redis address 'redis://[::1]:': port must be 1-65535");
}

TEST(RedisAddress, CredentialRefusalsNeverShowThePassword) {
  EXPECT_EQ(refusal("redis://app@h:1"),
            "redis address 'redis://app@h:1': user 'app' needs a password "
            "(redis://user:password@host)");
  EXPECT_EQ(refusal("redis://app:s3cret%zz@h:1"),
            "redis address 'redis://app:***@h:1': bad percent-encoding in the user or password");
  EXPECT_EQ(refusal("redis://app:s3cret@h:0"),
            "redis address 'redis://app:***@h:0': port must be 1-65535");
  EXPECT_EQ(refusal("http://app:s3cret@h:1"),
            "redis address 'http://app:***@h:1': expected redis://host:port or rediss://host:port");
}

// A node named by a slot map, a redirect or a sentinel is reached as the configured address is.
TEST(RedisAddress, WithAccessTakesCredentialsDbAndTls) {
  Address node("10.0.0.5", 7001, "redis://10.0.0.5:7001");
  auto access = parse_address("rediss://app:s3cret@seed:1/3");
  ASSERT_TRUE(access);
  Address out = with_access(node, *access);
  EXPECT_EQ(out.host, "10.0.0.5");
  EXPECT_EQ(out.port, 7001);
  EXPECT_EQ(out.user, "app");
  EXPECT_EQ(out.password, "s3cret");
  EXPECT_EQ(out.db, 3);
  EXPECT_TRUE(out.tls);
  EXPECT_EQ(out.text, "rediss://10.0.0.5:7001/3");

  Address plain = with_access(node, Address{});
  EXPECT_EQ(plain.text, "redis://10.0.0.5:7001");
  EXPECT_FALSE(plain.tls);
  EXPECT_FALSE(plain.db);
  EXPECT_TRUE(plain.password.empty());
}

TEST(RedisAddress, MaskPassword) {
  EXPECT_EQ(mask_password("redis://h:1"), "redis://h:1");
  EXPECT_EQ(mask_password("redis://u@h:1"), "redis://u@h:1");
  EXPECT_EQ(mask_password("redis://u:p@h:1"), "redis://u:***@h:1");
  EXPECT_EQ(mask_password("redis://:p@q@h:1"), "redis://:***@h:1");
  // Whatever comes before the last '@' is credentials, as parse_address reads it.
  EXPECT_EQ(mask_password("redis://h:1/@x"), "redis://h:***@x");
}

}  // namespace
}  // namespace neo::engine::redis
