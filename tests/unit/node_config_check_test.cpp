// The one validation of checkconfig, serve and reload (node/config_check.h): every problem the
// environment can have, each with its exact message, and all of them reported at once.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "node/config_check.h"

namespace neo::node {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

// A scratch directory with a self-signed certificate and key (the openssl CLI, as an operator
// would make them), a second key that matches nothing, and files that are not PEM.
class ConfigCheck : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("neo-config-check-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    auto make = [](const std::string& key, const std::string& cert) {
      std::string command =
          "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 "
          "-subj /CN=localhost -keyout " +
          key + " -out " + cert + " 2>/dev/null";
      ASSERT_EQ(std::system(command.c_str()), 0) << command;
    };
    make(path("key.pem"), path("cert.pem"));
    make(path("other-key.pem"), path("other-cert.pem"));
    std::ofstream(path("junk.pem")) << "not a PEM file\n";
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }
  static std::string path(const std::string& name) { return (dir_ / name).string(); }

  // A valid config (rules and environment) that each test breaks in one place.
  static config::Config valid() {
    config::Config c;
    c.http.listen = "127.0.0.1:0";
    c.client.token.hmac_secret = "secret";
    c.api.key = "key";
    return c;
  }

  static config::TlsOptions tls(const std::string& cert, const std::string& key) {
    config::TlsOptions options;
    options.cert_file = path(cert);
    options.key_file = path(key);
    return options;
  }

  static fs::path dir_;
};

fs::path ConfigCheck::dir_;

TEST_F(ConfigCheck, ValidConfigHasNoProblems) { EXPECT_THAT(check_config(valid()), IsEmpty()); }

TEST_F(ConfigCheck, TlsWithAMatchingCertificateAndKeyIsValid) {
  config::Config c = valid();
  c.http.tls = tls("cert.pem", "key.pem");
  EXPECT_THAT(check_config(c), IsEmpty());
}

TEST_F(ConfigCheck, TlsFilesThatCannotBeRead) {
  config::Config c = valid();
  c.http.tls = tls("missing-cert.pem", "missing-key.pem");
  EXPECT_THAT(check_config(c),
              ElementsAre("http.tls.cert_file: cannot read " + path("missing-cert.pem") +
                              ": No such file or directory",
                          "http.tls.key_file: cannot read " + path("missing-key.pem") +
                              ": No such file or directory"));
}

TEST_F(ConfigCheck, TlsFilesThatAreNotPem) {
  config::Config c = valid();
  c.http.tls = tls("junk.pem", "junk.pem");
  EXPECT_THAT(
      check_config(c),
      ElementsAre("http.tls.key_file: no unencrypted PEM private key in " + path("junk.pem"),
                  "http.tls.cert_file: no PEM certificate in " + path("junk.pem")));
}

TEST_F(ConfigCheck, TlsKeyOfAnotherCertificate) {
  config::Config c = valid();
  c.http.tls = tls("cert.pem", "other-key.pem");
  EXPECT_THAT(check_config(c),
              ElementsAre("http.tls.key_file: the key in " + path("other-key.pem") +
                          " does not match the certificate in " + path("cert.pem")));
}

TEST_F(ConfigCheck, TokenKeysThatCannotBeLoaded) {
  config::Config c = valid();
  c.client.token.rsa_public_key = path("missing-rsa.pem");
  c.client.token.ecdsa_public_key = path("junk.pem");
  EXPECT_THAT(check_config(c),
              ElementsAre("client.token.rsa_public_key: cannot read " + path("missing-rsa.pem"),
                          "client.token.ecdsa_public_key: no PEM public key or certificate found"));
}

TEST_F(ConfigCheck, AuditFileThatCannotBeWritten) {
  config::Config c = valid();
  c.audit.file = dir_.string();
  EXPECT_THAT(check_config(c), ElementsAre("audit.file: " + dir_.string() + " is a directory"));
  c.audit.file = path("no-such-dir/audit.log");
  EXPECT_THAT(check_config(c),
              ElementsAre("audit.file: cannot create " + path("no-such-dir/audit.log") +
                          ": directory " + path("no-such-dir") + " does not exist"));
  c.audit.enabled = false;  // a disabled audit log opens nothing
  EXPECT_THAT(check_config(c), IsEmpty());
}

TEST_F(ConfigCheck, AuditFileThatCanBeCreatedIsValidAndNotCreated) {
  config::Config c = valid();
  c.audit.file = path("audit.log");
  EXPECT_THAT(check_config(c), IsEmpty());
  EXPECT_FALSE(fs::exists(c.audit.file));
}

TEST_F(ConfigCheck, RedisAddressesTheEngineCannotParse) {
  config::Config c = valid();
  c.engine.type = "redis";
  c.engine.redis.addresses = {"redis://127.0.0.1:6379", "redis://:6379", "redis://h:99999",
                              "tcp://h:1", "redis://u:secret@h:1/x"};
  EXPECT_THAT(
      check_config(c),
      ElementsAre(
          "engine.redis.addresses[1]: redis address 'redis://:6379': host is empty",
          "engine.redis.addresses[2]: redis address 'redis://h:99999': port must be 1-65535",
          "engine.redis.addresses[3]: redis address 'tcp://h:1': expected redis://host:port or "
          "rediss://host:port",
          "engine.redis.addresses[4]: redis address 'redis://u:***@h:1/x': database must be a "
          "non-negative integer, got 'x'"));
}

TEST_F(ConfigCheck, RedisClusterSeedsTheEngineCannotParse) {
  config::Config c = valid();
  c.engine.type = "redis";
  c.engine.redis.cluster = {"redis://127.0.0.1:7000", "redis://h:0"};
  EXPECT_THAT(check_config(c),
              ElementsAre("engine.redis.cluster[1]: redis address 'redis://h:0': port must be "
                          "1-65535"));
}

// The same check at checkconfig, serve and reload: every path goes through check_environment.
TEST_F(ConfigCheck, RedisTlsFilesThatCannotBeRead) {
  config::Config c = valid();
  c.engine.type = "redis";
  c.engine.redis.addresses = {"rediss://127.0.0.1:6380"};
  c.engine.redis.tls.ca_file = path("missing-ca.pem");
  c.engine.redis.tls.cert_file = path("junk.pem");
  c.engine.redis.tls.key_file = path("other-key.pem");
  EXPECT_THAT(check_config(c),
              ElementsAre("engine.redis.tls.ca_file: cannot read " + path("missing-ca.pem") +
                              ": No such file or directory",
                          "engine.redis.tls.cert_file: no PEM certificate in " + path("junk.pem")));
}

TEST_F(ConfigCheck, RedisTlsCaThatIsNotPem) {
  config::Config c = valid();
  c.engine.redis.addresses = {"rediss://127.0.0.1:6380"};
  c.engine.redis.tls.ca_file = path("junk.pem");
  EXPECT_THAT(check_config(c),
              ElementsAre("engine.redis.tls.ca_file: no PEM certificate in " + path("junk.pem")));
}

TEST_F(ConfigCheck, RedisTlsFilesThatWork) {
  config::Config c = valid();
  c.engine.redis.addresses = {"rediss://u:p@127.0.0.1:6380/2"};
  c.engine.redis.tls.ca_file = path("cert.pem");
  c.engine.redis.tls.cert_file = path("cert.pem");
  c.engine.redis.tls.key_file = path("key.pem");
  EXPECT_THAT(check_config(c), IsEmpty());
}

TEST_F(ConfigCheck, RedisClientKeyThatDoesNotMatch) {
  config::Config c = valid();
  c.engine.redis.tls.cert_file = path("cert.pem");
  c.engine.redis.tls.key_file = path("other-key.pem");
  EXPECT_THAT(check_config(c),
              ElementsAre("engine.redis.tls.key_file: the key in " + path("other-key.pem") +
                          " does not match the certificate in " + path("cert.pem")));
}

TEST_F(ConfigCheck, SentinelAddressesTheEngineCannotParse) {
  config::Config c = valid();
  c.engine.type = "redis";
  c.engine.redis.addresses = {};
  c.engine.redis.sentinel.master_name = "mymaster";
  c.engine.redis.sentinel.addresses = {"redis://127.0.0.1:26379", "redis://:26380"};
  EXPECT_THAT(check_config(c),
              ElementsAre("engine.redis.sentinel.addresses[1]: redis address 'redis://:26380': "
                          "host is empty"));
}

TEST_F(ConfigCheck, ListenHostThatDoesNotResolve) {
  config::Config c = valid();
  c.http.listen = "no-such-host.invalid:8000";
  auto problems = check_config(c);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_THAT(problems[0],
              ::testing::StartsWith("http.listen: cannot resolve host \"no-such-host.invalid\": "));
  // An address that resolves is fine. Not "localhost": a bare Debian root (debootstrap
  // minbase) has no /etc/hosts, and there that name does not resolve.
  c.http.listen = "127.0.0.1:0";
  EXPECT_THAT(check_config(c), IsEmpty());
}

TEST_F(ConfigCheck, CatalogueFileThatCannotBeRead) {
  config::Config c = valid();
  c.catalogue_file = path("missing-catalogue.json");
  auto problems = check_config(c);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_THAT(problems[0], ::testing::StartsWith("catalogue_file: "));
}

// A listen value the rules refused is not complained about twice.
TEST_F(ConfigCheck, ARuleProblemIsNotRepeatedByTheEnvironment) {
  config::Config c = valid();
  c.http.listen = "localhost";
  EXPECT_THAT(check_config(c),
              ElementsAre("http.listen: expected host:port (port 0-65535, IPv6 in brackets), got "
                          "\"localhost\""));
}

// The file path: bad values, broken rules and the environment in one report.
TEST_F(ConfigCheck, LoadCheckedReportsEveryProblemOfAFileAtOnce) {
  std::ofstream(path("all.yaml")) << "http:\n  listen: 127.0.0.1:0\n  tls: { cert_file: "
                                  << path("junk.pem") << ", key_file: " << path("key.pem")
                                  << " }\nclient:\n  ping_interval: soon\n  token: { "
                                     "hmac_secret: s }\napi: { key: k }\naudit: { file: "
                                  << dir_.string() << " }\n";
  auto loaded = load_checked(path("all.yaml"), {});
  EXPECT_TRUE(loaded.decoded);
  EXPECT_THAT(loaded.problems,
              UnorderedElementsAre("client.ping_interval: expected a duration like 25s, got "
                                   "\"soon\"",
                                   "http.tls.cert_file: no PEM certificate in " + path("junk.pem"),
                                   "audit.file: " + dir_.string() + " is a directory"));
  auto missing = load_checked(path("missing.yaml"), {});
  EXPECT_FALSE(missing.decoded);
  EXPECT_THAT(missing.problems,
              ElementsAre(path("missing.yaml") + ": cannot read: No such file or directory"));
}

}  // namespace
}  // namespace neo::node
