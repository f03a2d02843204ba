// AuditLog (src/audit/audit_log.h): the JSON line of one event (fields, order, time format,
// escaping), the background writer to a file (order, flush on destruction, append), the
// disabled log, an unopenable path, and the bounded queue (drops reported by `audit:dropped`).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <simdjson.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "audit/audit_log.h"

namespace neo::audit {
namespace {

namespace fs = std::filesystem;

constexpr std::int64_t kUnixMs = 1700000000123;  // 2023-11-14T22:13:20.123Z

const std::vector<std::string> kFields = {"time",    "node",   "action", "user", "tenant",
                                          "channel", "reason", "remote", "code"};

// One parsed line: its keys in order and every value (strings unquoted, numbers as text).
struct Line {
  bool ok = false;
  std::vector<std::string> keys;
  std::map<std::string, std::string> values;
  std::string kinds;  // one letter per key: s = string, u = unsigned, ? = other
};

Line parse(const std::string& json) {
  Line line;
  thread_local simdjson::dom::parser parser;  // reused: a parser per line is slow under ASan
  simdjson::dom::element doc;
  if (parser.parse(json).get(doc)) return line;
  simdjson::dom::object object;
  if (doc.get_object().get(object)) return line;
  for (auto [key, value] : object) {
    line.keys.emplace_back(key);
    std::string_view text;
    std::uint64_t number = 0;
    if (!value.get_string().get(text)) {
      line.values[std::string(key)] = std::string(text);
      line.kinds += 's';
    } else if (value.is_uint64() && !value.get_uint64().get(number)) {
      line.values[std::string(key)] = std::to_string(number);
      line.kinds += 'u';
    } else {
      line.kinds += '?';
    }
  }
  line.ok = true;
  return line;
}

// The string fields `action`, `user`, `reason` of a line ("<bad json>" when it does not
// parse): cheap enough for tens of thousands of lines.
struct Brief {
  std::string action, user, reason;
};
Brief brief(const std::string& json) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(json).get(doc)) return {"<bad json>", "", ""};
  Brief out;
  std::string_view value;
  if (!doc["action"].get(value)) out.action = value;
  if (!doc["user"].get(value)) out.user = value;
  if (!doc["reason"].get(value)) out.reason = value;
  return out;
}

std::vector<std::string> read_lines(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// A fresh path in the temp directory, removed afterwards.
class TempPath {
 public:
  TempPath() {
    static std::atomic<int> counter{0};
    path_ = fs::temp_directory_path() / ("neo-audit-test-" + std::to_string(::getpid()) + "-" +
                                         std::to_string(counter++) + ".log");
    fs::remove(path_);
  }
  ~TempPath() {
    std::error_code ignored;
    fs::remove(path_, ignored);
  }
  const fs::path& path() const { return path_; }
  std::string str() const { return path_.string(); }

 private:
  fs::path path_;
};

// An event with only the first fields set (the rest empty, code 0).
Event event(std::string_view action, std::string_view user = {}, std::string_view tenant = {}) {
  return Event{action, user, tenant, {}, {}, {}, 0};
}

config::AuditOptions to_file(const TempPath& file) {
  return config::AuditOptions{true, file.str()};
}

// ---- encode --------------------------------------------------------------------------------

TEST(AuditEncodeTest, OneObjectWithExactlyTheNineFieldsInOrder) {
  Event e{"subscribe", "42", "1", "tenant:2:billing", "permission denied", "10.0.0.7:5000", 103};
  std::string json = AuditLog::encode(e, "host", kUnixMs);
  EXPECT_EQ(json,
            R"({"time":"2023-11-14T22:13:20.123Z","node":"host","action":"subscribe","user":"42",)"
            R"("tenant":"1","channel":"tenant:2:billing","reason":"permission denied",)"
            R"("remote":"10.0.0.7:5000","code":103})");
  Line line = parse(json);
  ASSERT_TRUE(line.ok);
  EXPECT_EQ(line.keys, kFields);
  EXPECT_EQ(line.kinds, "ssssssssu");
  EXPECT_EQ(line.values["code"], "103");
  EXPECT_EQ(json.find('\n'), std::string::npos);
}

TEST(AuditEncodeTest, EmptyFieldsAreEmptyStringsAndCodeZeroIsWritten) {
  Line line = parse(AuditLog::encode(event("connect"), "", kUnixMs));
  ASSERT_TRUE(line.ok);
  EXPECT_EQ(line.keys, kFields);
  EXPECT_EQ(line.kinds, "ssssssssu");
  for (const char* key : {"node", "user", "tenant", "channel", "reason", "remote"})
    EXPECT_EQ(line.values[key], "") << key;
  EXPECT_EQ(line.values["action"], "connect");
  EXPECT_EQ(line.values["code"], "0");
}

TEST(AuditEncodeTest, TimeIsIso8601UtcWithMillisecondsAndZ) {
  auto time_of = [](std::int64_t ms) {
    return parse(AuditLog::encode({}, "n", ms)).values["time"];
  };
  EXPECT_EQ(time_of(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(time_of(5), "1970-01-01T00:00:00.005Z");
  EXPECT_EQ(time_of(999), "1970-01-01T00:00:00.999Z");
  EXPECT_EQ(time_of(1000), "1970-01-01T00:00:01.000Z");
  EXPECT_EQ(time_of(kUnixMs), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(time_of(951782400050), "2000-02-29T00:00:00.050Z");
  EXPECT_EQ(time_of(1798761599999), "2026-12-31T23:59:59.999Z");
  EXPECT_EQ(time_of(4102444800000), "2100-01-01T00:00:00.000Z");
}

TEST(AuditEncodeTest, CodeIsAnUnsignedNumber) {
  for (std::uint32_t code : {0u, 103u, 3504u, 4294967295u}) {
    Event e;
    e.code = code;
    Line line = parse(AuditLog::encode(e, "n", kUnixMs));
    ASSERT_TRUE(line.ok);
    EXPECT_EQ(line.values["code"], std::to_string(code));
  }
}

// Every string field goes through JSON escaping: quotes, backslashes, newlines (no log line
// injection) and every control character.
TEST(AuditEncodeTest, EveryFieldIsJsonEscaped) {
  std::string nasty = "a\"b\\c\nd\re\tf\bg\fh";
  for (int c = 0; c < 0x20; ++c) nasty += static_cast<char>(c);
  nasty += "\x7f/</script>\n{\"code\":0}";
  nasty += std::string("\0z", 2);  // an embedded NUL
  for (int field = 0; field < 7; ++field) {
    Event e{"a", "u", "t", "c", "r", "x", 7};
    std::string_view* slots[] = {&e.action, &e.user,   &e.tenant, &e.channel,
                                 &e.reason, &e.remote, nullptr};
    std::string node = "n";
    if (slots[field])
      *slots[field] = nasty;
    else
      node = nasty;
    std::string json = AuditLog::encode(e, node, kUnixMs);
    for (unsigned char c : json) ASSERT_GE(c, 0x20) << "raw control byte, field " << field;
    Line line = parse(json);
    ASSERT_TRUE(line.ok) << json;
    EXPECT_EQ(line.keys, kFields) << json;
    const char* names[] = {"action", "user", "tenant", "channel", "reason", "remote", "node"};
    EXPECT_EQ(line.values[names[field]], nasty) << names[field];
    EXPECT_EQ(line.values["code"], "7");
  }
}

TEST(AuditEncodeTest, InjectedFieldsStayInsideTheirString) {
  Event e{"connect", R"(x","code":0,"action":"allow)", "1", "", "", "", 3500};
  Line line = parse(AuditLog::encode(e, "n", kUnixMs));
  ASSERT_TRUE(line.ok);
  EXPECT_EQ(line.keys, kFields);
  EXPECT_EQ(line.values["action"], "connect");
  EXPECT_EQ(line.values["code"], "3500");
  EXPECT_EQ(line.values["user"], R"(x","code":0,"action":"allow)");
}

TEST(AuditEncodeTest, Utf8IsKeptAsIs) {
  Event e{"publish", "üser", "ténant", "tenant:1:日本", "", "", 0};
  Line line = parse(AuditLog::encode(e, "nöde", kUnixMs));
  ASSERT_TRUE(line.ok);
  EXPECT_EQ(line.values["user"], "üser");
  EXPECT_EQ(line.values["channel"], "tenant:1:日本");
  EXPECT_EQ(line.values["node"], "nöde");
}

// ---- writing to a file ---------------------------------------------------------------------

TEST(AuditLogTest, EventsReachTheFileInOrderOnePerLineByDestruction) {
  TempPath file;
  constexpr int kEvents = 500;
  std::vector<std::string> users;
  for (int i = 0; i < kEvents; ++i) users.push_back("user-" + std::to_string(i));
  {
    AuditLog log(to_file(file), "node-7");
    EXPECT_TRUE(log.enabled());
    for (int i = 0; i < kEvents; ++i)
      log.record(Event{"publish", users[i], "1", "tenant:1:x", "too many requests", "1.2.3.4",
                       static_cast<std::uint32_t>(i)});
  }
  std::string all = read_all(file.path());
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all.back(), '\n');
  auto lines = read_lines(file.path());
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(kEvents));
  const std::regex time(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)");
  for (int i = 0; i < kEvents; ++i) {
    Line line = parse(lines[i]);
    ASSERT_TRUE(line.ok) << lines[i];
    EXPECT_EQ(line.keys, kFields);
    EXPECT_EQ(line.values["user"], users[i]);
    EXPECT_EQ(line.values["code"], std::to_string(i));
    EXPECT_EQ(line.values["node"], "node-7");
    EXPECT_EQ(line.values["action"], "publish");
    EXPECT_EQ(line.values["remote"], "1.2.3.4");
    EXPECT_TRUE(std::regex_match(line.values["time"], time)) << line.values["time"];
  }
}

TEST(AuditLogTest, TimeIsTheRecordingTime) {
  TempPath file;
  auto before = std::chrono::system_clock::now();
  {
    AuditLog log(to_file(file), "n");
    log.record(event("connect"));
  }
  auto after = std::chrono::system_clock::now();
  auto lines = read_lines(file.path());
  ASSERT_EQ(lines.size(), 1u);
  std::string time = parse(lines[0]).values["time"];
  auto iso = [](std::chrono::system_clock::time_point t) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
    return parse(AuditLog::encode({}, "", ms)).values["time"];
  };
  EXPECT_GE(time, iso(before));  // same fixed-width format: string order is time order
  EXPECT_LE(time, iso(after));
}

TEST(AuditLogTest, AppendsToAnExistingFile) {
  TempPath file;
  { std::ofstream(file.path()) << "earlier line\n"; }
  {
    AuditLog log(to_file(file), "n");
    log.record(event("connect", "u1"));
  }
  {
    AuditLog log(to_file(file), "n");
    log.record(event("connect", "u2"));
  }
  auto lines = read_lines(file.path());
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "earlier line");
  EXPECT_EQ(parse(lines[1]).values["user"], "u1");
  EXPECT_EQ(parse(lines[2]).values["user"], "u2");
}

TEST(AuditLogTest, NoEventsLeavesAnEmptyFile) {
  TempPath file;
  { AuditLog log(to_file(file), "n"); }
  ASSERT_TRUE(fs::exists(file.path()));
  EXPECT_EQ(fs::file_size(file.path()), 0u);
}

TEST(AuditLogTest, RecordedStringsMayDieRightAfterRecord) {
  TempPath file;
  {
    AuditLog log(to_file(file), "n");
    for (int i = 0; i < 100; ++i) {
      std::string user = "user-" + std::to_string(i) + std::string(40, 'x');
      log.record(event("connect", user));
    }  // each `user` is gone before the writer runs
  }
  auto lines = read_lines(file.path());
  ASSERT_EQ(lines.size(), 100u);
  EXPECT_EQ(parse(lines[99]).values["user"], "user-99" + std::string(40, 'x'));
}

TEST(AuditLogTest, ConcurrentRecordersLoseNothingOrReportIt) {
  TempPath file;
  constexpr int kThreads = 4, kPerThread = 2000;
  std::uint64_t dropped = 0;
  {
    AuditLog log(to_file(file), "n");
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&log, t] {
        std::string tenant = std::to_string(t);
        for (int i = 0; i < kPerThread; ++i) {
          std::string user = std::to_string(i);
          log.record(event("publish", user, tenant));
        }
      });
    }
    for (auto& thread : threads) thread.join();
    dropped = log.dropped();
  }
  std::map<std::string, int> next;  // per tenant (thread): users arrive in increasing order
  int events = 0, dropped_lines = 0;
  for (const auto& text : read_lines(file.path())) {
    Line line = parse(text);
    ASSERT_TRUE(line.ok) << text;
    if (line.values["action"] == "audit:dropped") {
      ++dropped_lines;
      continue;
    }
    ++events;
    int user = std::stoi(line.values["user"]);
    EXPECT_GE(user, next[line.values["tenant"]]);
    next[line.values["tenant"]] = user + 1;
  }
  EXPECT_EQ(events + dropped, static_cast<std::uint64_t>(kThreads * kPerThread));
  EXPECT_EQ(dropped_lines > 0, dropped > 0);
}

// ---- disabled, unopenable ------------------------------------------------------------------

TEST(AuditLogTest, DisabledLogWritesNothingAndCreatesNoFile) {
  TempPath file;
  {
    AuditLog log(config::AuditOptions{false, file.str()}, "n");
    EXPECT_FALSE(log.enabled());
    for (int i = 0; i < 20000; ++i) log.record(Event{"connect", "u", "", "", "", "", 3500});
    EXPECT_EQ(log.dropped(), 0u);
  }
  EXPECT_FALSE(fs::exists(file.path()));
}

TEST(AuditLogTest, DisabledLogWithAnUnopenablePathDoesNotThrow) {
  EXPECT_NO_THROW(AuditLog(config::AuditOptions{false, "/nonexistent-dir/neo/audit.log"}, "n"));
}

TEST(AuditLogTest, UnopenablePathThrowsRuntimeError) {
  EXPECT_THROW(AuditLog(config::AuditOptions{true, "/nonexistent-dir/neo/audit.log"}, "n"),
               std::runtime_error);
  // A directory cannot be opened for appending either.
  EXPECT_THROW(AuditLog(config::AuditOptions{true, fs::temp_directory_path().string()}, "n"),
               std::runtime_error);
  try {
    AuditLog log(config::AuditOptions{true, "/nonexistent-dir/neo/audit.log"}, "n");
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/neo/audit.log"), std::string::npos)
        << e.what();
  }
}

TEST(AuditLogTest, EmptyFileMeansStdout) {
  testing::internal::CaptureStdout();
  {
    AuditLog log(config::AuditOptions{true, ""}, "stdout-node");
    log.record(Event{"api:publish", "", "9", "tenant:9:x", "", "", 0});
  }
  std::string out = testing::internal::GetCapturedStdout();
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.back(), '\n');
  Line line = parse(out.substr(0, out.size() - 1));
  ASSERT_TRUE(line.ok) << out;
  EXPECT_EQ(line.values["action"], "api:publish");
  EXPECT_EQ(line.values["node"], "stdout-node");
}

// ---- the bounded queue ---------------------------------------------------------------------

// Recording faster than a regular file takes lines may or may not drop; either way every
// recorded event is accounted for, in order, and drops are reported.
TEST(AuditLogTest, FloodIsEitherWrittenOrCountedAndReported) {
  TempPath file;
  constexpr int kEvents = 15000;
  std::uint64_t dropped = 0;
  {
    AuditLog log(to_file(file), "n");
    for (int i = 0; i < kEvents; ++i)
      log.record(Event{"publish", std::to_string(i), "1", "tenant:1:x", "", "", 111});
    dropped = log.dropped();
  }
  int events = 0, dropped_lines = 0, last = -1;
  for (const auto& text : read_lines(file.path())) {
    Brief line = brief(text);
    ASSERT_NE(line.action, "<bad json>") << text;
    if (line.action == "audit:dropped") {
      ++dropped_lines;
      continue;
    }
    int user = std::stoi(line.user);
    EXPECT_GT(user, last);
    last = user;
    ++events;
  }
  EXPECT_EQ(events + dropped, static_cast<std::uint64_t>(kEvents));
  EXPECT_EQ(dropped_lines > 0, dropped > 0);
  EXPECT_LE(dropped, static_cast<std::uint64_t>(kEvents));
}

// Deterministic: the log writes into a FIFO nobody reads yet, so the writer blocks once the
// pipe (64 KiB) and stdio buffers are full; then the queue (10,000 lines) fills and the rest
// must be dropped. Once the FIFO is drained every queued line arrives, followed by
// `audit:dropped`.
TEST(AuditLogTest, QueueOverflowDropsAndWritesAnAuditDroppedLine) {
  TempPath fifo;
  ASSERT_EQ(::mkfifo(fifo.str().c_str(), 0600), 0) << std::strerror(errno);
  int reader = ::open(fifo.str().c_str(), O_RDONLY | O_NONBLOCK);  // lets the writer open
  ASSERT_GE(reader, 0) << std::strerror(errno);
  ::fcntl(reader, F_SETPIPE_SZ, 65536);  // the usual size, pinned (no-op where it already is)
  // The writer can hold at most ~200 of these ~400-byte lines in the pipe and stdio buffers,
  // plus one swapped batch (<= 10,000) it is stuck in, plus 10,000 queued: 20,600 overflow.
  constexpr int kEvents = 20600;
  const std::string reason(256, 'r');
  std::string output;
  std::thread drain;
  std::uint64_t dropped = 0;
  {
    AuditLog log(to_file(fifo), "n");
    for (int i = 0; i < kEvents; ++i)
      log.record(Event{"publish", std::to_string(i), "1", "tenant:1:x", reason, "", 111});
    dropped = log.dropped();
    EXPECT_GT(dropped, 0u);
    EXPECT_LT(dropped, static_cast<std::uint64_t>(kEvents));
    ASSERT_EQ(::fcntl(reader, F_SETFL, 0), 0);  // blocking reads from now on
    drain = std::thread([reader, &output] {
      char buf[65536];
      ssize_t n;
      while ((n = ::read(reader, buf, sizeof buf)) > 0) output.append(buf, n);
    });
  }  // the destructor waits for the writer: every queued line is in the pipe, then EOF
  drain.join();
  ::close(reader);

  std::istringstream in(output);
  std::string text;
  int events = 0, dropped_lines = 0, last = -1;
  while (std::getline(in, text)) {
    Brief line = brief(text);
    ASSERT_NE(line.action, "<bad json>") << text.substr(0, 200);
    if (line.action == "audit:dropped") {
      ++dropped_lines;
      EXPECT_EQ(line.reason, "queue full");
      Line full = parse(text);
      EXPECT_EQ(full.keys, kFields);
      EXPECT_EQ(full.values["node"], "n");
      continue;
    }
    int user = std::stoi(line.user);
    EXPECT_GT(user, last);
    last = user;
    EXPECT_EQ(line.reason, reason);
    ++events;
  }
  EXPECT_EQ(events + dropped, static_cast<std::uint64_t>(kEvents));
  EXPECT_GE(dropped_lines, 1);
  EXPECT_EQ(last, events - 1);  // nothing was written while recording: the kept are the oldest
}

}  // namespace
}  // namespace neo::audit
