// The demo's static files and login (src/demo): path resolution that never leaves the portals'
// root, content types, the SPA fallback, and the handler's routing in front of the API.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "config/loader.h"
#include "demo/demo_http.h"
#include "demo/demo_users.h"
#include "demo/static_files.h"

namespace neo::demo {
namespace {

namespace fs = std::filesystem;

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() / ("neo-demo-" + std::to_string(::getpid()));
    fs::remove_all(base_);
    fs::create_directories(base_ / "dist" / "assets");
    write(base_ / "dist" / "index.html", "<html>");
    write(base_ / "dist" / "assets" / "app-1a2b.js", "js");
    write(base_ / "dist" / "favicon.svg", "<svg/>");
    write(base_ / "secret.txt", "outside");
    fs::create_symlink(base_ / "secret.txt", base_ / "dist" / "link.txt");
  }
  void TearDown() override { fs::remove_all(base_); }
  static void write(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }
  std::string served(std::string_view target) const {
    StaticFiles files(base_ / "dist");
    auto found = files.resolve(target);
    return found ? found->path.filename().string() : "404";
  }

  fs::path base_;
};

TEST_F(StaticFilesTest, ServesFilesWithTheirTypes) {
  StaticFiles files(base_ / "dist");
  ASSERT_TRUE(files.available());
  auto js = files.resolve("/assets/app-1a2b.js?v=1");
  ASSERT_TRUE(js);
  EXPECT_EQ(js->content_type, "text/javascript; charset=utf-8");
  EXPECT_TRUE(js->immutable);
  auto index = files.resolve("/");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->content_type, "text/html; charset=utf-8");
  EXPECT_FALSE(index->immutable);
  EXPECT_EQ(served("/favicon.svg"), "favicon.svg");
  EXPECT_EQ(content_type_for("x.bin"), "application/octet-stream");
}

TEST_F(StaticFilesTest, NeverLeavesTheRoot) {
  for (auto target : {"/../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/secret.txt",
                      "/assets/%2e%2e/%2e%2e/secret.txt", "/assets/../../secret.txt",
                      "//etc/passwd", "/%2fetc%2fpasswd", "/etc/passwd", "/..%5csecret.txt",
                      "/link.txt", "/index.html%00.js", "/%zz", "secret.txt", "/./index.html"})
    EXPECT_EQ(served(target), "404") << target;
}

TEST_F(StaticFilesTest, DirectoriesAreNotServed) {
  EXPECT_EQ(served("/assets"), "404");
  EXPECT_EQ(served("/assets/"), "404");
}

TEST_F(StaticFilesTest, PortalRoutesFallBackToTheApp) {
  EXPECT_EQ(served("/admin"), "index.html");
  EXPECT_EQ(served("/tenant/deployments"), "index.html");
  EXPECT_EQ(served("/certification/exam?x=1"), "index.html");
  EXPECT_EQ(served("/tenant/missing.js"), "404");
  EXPECT_EQ(served("/elsewhere"), "404");
}

TEST(StaticFilesMissingRoot, ServesNothing) {
  StaticFiles files("/nonexistent/neo-demo-dist");
  EXPECT_FALSE(files.available());
  EXPECT_FALSE(files.resolve("/"));
}

// An API handler that only records what reached it.
class RecordingApi final : public transport::HttpHandler {
 public:
  transport::Admission admit(const transport::HttpRequest&) const override {
    return {std::nullopt, true};
  }
  void handle(transport::HttpRequest request, Respond respond) override {
    paths.push_back(request.target);
    respond({200, "application/json", "{}", {}});
  }
  std::vector<std::string> paths;
};

transport::HttpResponse call(transport::HttpHandler& handler, std::string method,
                             std::string target, std::string body = "") {
  transport::HttpRequest request;
  request.method = std::move(method);
  request.target = std::move(target);
  request.body = std::move(body);
  transport::HttpResponse out;
  handler.handle(request, [&](transport::HttpResponse r) { out = std::move(r); });
  return out;
}

TEST(DemoHttpHandler, LoginIssuesTokensForDemoUsersOnly) {
  auto config = config::development_config("secret-secret-secret-secret", "key", {});
  RecordingApi api;
  DemoHttpHandler handler(api, config, StaticFiles("/nonexistent"));
  auto ok = call(handler, "POST", "/demo/login", R"({"user":"u-2-2"})");
  EXPECT_EQ(ok.status, 200u);
  EXPECT_NE(ok.body.find(R"x("user":"u-2-2","name":"Diego (tenant 2 user)","tenant":"2")x"),
            std::string::npos)
      << ok.body;
  EXPECT_NE(ok.body.find(R"("token":"ey)"), std::string::npos);
  EXPECT_EQ(call(handler, "POST", "/demo/login", R"({"user":"mallory"})").status, 404u);
  EXPECT_EQ(call(handler, "POST", "/demo/login", "nope").status, 400u);
  EXPECT_EQ(call(handler, "GET", "/demo/login").status, 405u);
  EXPECT_EQ(call(handler, "POST", "/index.html").status, 405u);
  EXPECT_EQ(call(handler, "GET", "/demo/users").status, 200u);
  EXPECT_EQ(call(handler, "GET", "/").status, 404u);  // no portals built
  EXPECT_EQ(call(handler, "POST", "/api/info", "{}").status, 200u);
  EXPECT_EQ(api.paths, std::vector<std::string>{"/api/info"});
}

TEST(DemoUsers, TwoTenantsWithAnAdminAndAUserEachAndThePlatformAdmin) {
  int tenant_admins = 0, tenant_users = 0, admins = 0;
  for (const auto& user : demo_users()) {
    for (const auto& role : user.roles) {
      tenant_admins += role == "tenant_admin";
      tenant_users += role == "tenant_user";
      admins += role == "admin";
    }
  }
  EXPECT_EQ(tenant_admins, 2);
  EXPECT_EQ(tenant_users, 2);
  EXPECT_EQ(admins, 1);
  auto config = config::development_config("secret-secret-secret-secret", "key", {});
  auto before = config.roles.size();
  add_demo_roles(config);
  ASSERT_EQ(config.roles.size(), before + 1);
  EXPECT_EQ(config.roles.back().name, "candidate");
}

}  // namespace
}  // namespace neo::demo
