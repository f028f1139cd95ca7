#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

#include "awrap/connection.hpp"
#include "awrap/ext/plugin.hpp"
#include "awrap/log.hpp"
#include "core/connection_impl.hpp"
#include "support/fake_driver.hpp"

namespace awrap::internal {
namespace {

using testing::FakeDriver;
using testing::FakeServerLog;

std::vector<std::string>& trace() {
  static std::vector<std::string> t;
  return t;
}

class RecordingPlugin final : public Plugin {
 public:
  RecordingPlugin(std::string code, MethodSet methods)
      : code_(std::move(code)), methods_(methods) {}
  std::string_view code() const noexcept override { return code_; }
  MethodSet subscribed_methods() const noexcept override { return methods_; }
  CallResult call(Call& call, const NextCall& next) override {
    trace().push_back(code_ + ">" + to_string(call.method));
    auto r = next(call);
    trace().push_back(code_ + "<" + to_string(call.method));
    return r;
  }
  std::unique_ptr<TargetConnection> connect(ConnectRequest& request,
                                            const NextConnect& next) override {
    trace().push_back(code_ + ">connect" + (request.initial ? "(initial)" : ""));
    return next(request);
  }

 private:
  std::string code_;
  MethodSet methods_;
};

void register_test_plugins() {
  static bool done = [] {
    register_plugin({"rec_outer", 10, [](PluginService&, const Properties&) {
                       return std::make_unique<RecordingPlugin>("rec_outer", MethodSet::all());
                     }});
    register_plugin({"rec_inner", 20, [](PluginService&, const Properties&) {
                       return std::make_unique<RecordingPlugin>("rec_inner", MethodSet::all());
                     }});
    register_plugin({"rec_commit_only", 15, [](PluginService&, const Properties&) {
                       return std::make_unique<RecordingPlugin>("rec_commit_only",
                                                                MethodSet{Method::kCommit});
                     }});
    return true;
  }();
  (void)done;
}

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    register_test_plugins();
    trace().clear();
    log_ = std::make_shared<FakeServerLog>();
    driver_ = std::make_shared<FakeDriver>(log_);
  }
  Connection open(PropertyMap props, std::string conninfo = "host=h1 user=app password=pw") {
    if (!props.contains("plugins")) props.try_emplace("wrapper_plugins", "");
    return ConnectionAccess::open(conninfo, props, driver_);
  }
  std::shared_ptr<FakeServerLog> log_;
  std::shared_ptr<FakeDriver> driver_;
};

TEST_F(PipelineTest, NoPluginsGoesStraightToTheDriver) {
  auto c = open({});
  EXPECT_EQ(c.execute("SELECT 1").scalar<int64_t>(), 1);
  EXPECT_EQ(log_->calls.back(), "h1:5432 execute SELECT 1");
  EXPECT_EQ(log_->connects.back(), "h1:5432 user=app");
  auto& impl = ConnectionAccess::impl(c);
  for (int m = 0; m < static_cast<int>(Method::kCount); ++m)
    EXPECT_TRUE(impl.chain().subscribers(static_cast<Method>(m)).empty());
}

TEST_F(PipelineTest, PluginsRunSortedByWeightOutermostFirst) {
  auto c = open({{"wrapper_plugins", "rec_inner,rec_outer"}});
  EXPECT_EQ(trace(),
            (std::vector<std::string>{"rec_outer>connect(initial)", "rec_inner>connect(initial)"}));
  trace().clear();
  c.execute("SELECT 1");
  EXPECT_EQ(trace(), (std::vector<std::string>{"rec_outer>execute", "rec_inner>execute",
                                               "rec_inner<execute", "rec_outer<execute"}));
}

TEST_F(PipelineTest, AutoSortOffKeepsTheUsersOrder) {
  auto c = open(
      {{"wrapper_plugins", "rec_inner,rec_outer"}, {"auto_sort_wrapper_plugin_order", "false"}});
  trace().clear();
  c.execute("SELECT 1");
  EXPECT_EQ(trace().front(), "rec_inner>execute");
}

TEST_F(PipelineTest, OnlySubscribedMethodsReachAPlugin) {
  auto c = open({{"plugins", "rec_commit_only"}});
  c.begin();
  c.execute("SELECT 1");
  EXPECT_TRUE(trace().empty());
  c.commit();
  EXPECT_EQ(trace(),
            (std::vector<std::string>{"rec_commit_only>commit", "rec_commit_only<commit"}));
  auto& impl = ConnectionAccess::impl(c);
  EXPECT_TRUE(impl.chain().subscribers(Method::kExecute).empty());
  EXPECT_EQ(impl.chain().subscribers(Method::kCommit).size(), 1u);
}

TEST_F(PipelineTest, UnknownOrRepeatedPluginIsAConfigErrorListingKnownCodes) {
  try {
    open({{"wrapper_plugins", "failovr"}});
    FAIL();
  } catch (const ConfigError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("'failovr'"), std::string::npos) << m;
    EXPECT_NE(m.find("connect_time"), std::string::npos) << m;
    EXPECT_NE(m.find("execute_time"), std::string::npos) << m;
    EXPECT_EQ(e.property(), "wrapper_plugins");
  }
  EXPECT_THROW(open({{"wrapper_plugins", "dev,dev"}}), ConfigError);
  EXPECT_TRUE(log_->connects.empty()) << "nothing connects with half a configuration";
}

// execute_time logs the first 120 characters of a statement: a password literal cut at that
// point must not show its first half.
TEST_F(PipelineTest, ExecuteTimeMasksAPasswordBeforeCuttingTheStatement) {
  std::vector<std::string> lines;
  std::mutex m;
  set_log_sink([&](LogLevel, std::string_view msg) {
    std::lock_guard lock(m);
    lines.emplace_back(msg);
  });
  LogLevel before = log_level();
  set_log_level(LogLevel::kInfo);
  {
    auto c = open({{"wrapper_plugins", "execute_time"}});
    std::string sql = "ALTER ROLE app_user_with_a_long_name_" + std::string(70, 'x') +
                      " PASSWORD 'hunter2-and-the-rest-of-a-long-secret'";
    ASSERT_LT(sql.find("hunter2"), 120u);
    ASSERT_GT(sql.size(), 120u);
    c.execute(sql);
    c.execute("CREATE USER 'app'@'%' IDENTIFIED BY 'hunter2'");
  }
  set_log_level(before);
  set_log_sink(nullptr);
  std::lock_guard lock(m);
  int logged = 0;
  for (const auto& line : lines) {
    if (line.find("execute_time") == std::string::npos) continue;
    ++logged;
    EXPECT_EQ(line.find("hunter2"), std::string::npos) << line;
  }
  EXPECT_EQ(logged, 2);
}

TEST_F(PipelineTest, DevPluginInjectsTheChosenErrorOnce) {
  auto c = open({{"wrapper_plugins", "dev"},
                 {"dev_inject_error_on", "execute"},
                 {"dev_inject_error_class", "network"}});
  EXPECT_THROW(c.execute("SELECT 1"), ConnectionLostError);
  EXPECT_NO_THROW(c.execute("SELECT 1"));
  auto d = open({{"wrapper_plugins", "dev"},
                 {"dev_inject_error_on", "commit"},
                 {"dev_inject_error_class", "read_only"},
                 {"dev_inject_error_count", "2"}});
  EXPECT_THROW(d.commit(), ReadOnlyViolationError);
  EXPECT_THROW(d.commit(), ReadOnlyViolationError);
  EXPECT_NO_THROW(d.commit());
}

TEST_F(PipelineTest, ConnectTriesHostsInOrderButStopsOnALoginFailure) {
  driver_->on_connect = [](const ConnectSpec& spec) {
    if (spec.host.host == "down") throw ConnectError("refused", "08001", 0, spec.host.endpoint());
    if (spec.host.host == "badlogin") throw AuthError("password authentication failed", "28P01");
  };
  auto c = open({}, "host=down,h2 port=5433");
  EXPECT_EQ(c.current_host().host, "h2");
  EXPECT_EQ(c.current_host().port, 5433);
  EXPECT_THROW(open({}, "host=badlogin,h2"), AuthError);
  EXPECT_EQ(log_->connects.back(), "badlogin:5432 user=");
  try {
    open({}, "host=down");
    FAIL();
  } catch (const ConnectError& e) {
    EXPECT_NE(std::string(e.what()).find("refused"), std::string::npos);
  }
}

// Issue 12, defect 13: a positive timeout under 1 ms must not round to 0 ("wait forever").
TEST_F(PipelineTest, TimeoutsUnderOneMillisecondDoNotBecomeWaitForever) {
  std::chrono::milliseconds connect{-1}, socket{-1};
  driver_->on_connect = [&](const ConnectSpec& spec) {
    connect = spec.connect_timeout;
    socket = spec.socket_timeout;
  };
  open({{"connect_timeout", "0.0004"}, {"socket_timeout", "0.0001"}});
  EXPECT_EQ(connect, std::chrono::milliseconds(1));
  EXPECT_EQ(socket, std::chrono::milliseconds(1));
  open({{"connect_timeout", "0"}});
  EXPECT_EQ(connect, std::chrono::milliseconds(0)) << "0 still means no limit";
}

TEST_F(PipelineTest, NewPhysicalConnectionGetsSessionStateAndPreparedStatementsBack) {
  auto c = open({});
  auto stmt = c.prepare("SELECT $1");
  c.set_autocommit(false);
  c.set_read_only(true);
  c.set_isolation_level(IsolationLevel::kSerializable);
  auto& impl = ConnectionAccess::impl(c);
  HostInfo h2{"h2", 5432};
  impl.set_current_connection(impl.connect(h2));
  EXPECT_EQ(c.current_host().host, "h2");
  log_->calls.clear();
  c.execute(stmt, {1});
  std::vector<std::string> expected{"h2:5432 prepare " + stmt.name() + " SELECT $1",
                                    "h2:5432 execute_prepared " + stmt.name()};
  EXPECT_EQ(log_->calls, expected);
  EXPECT_FALSE(c.autocommit());
  EXPECT_TRUE(c.read_only());
}

TEST_F(PipelineTest, SessionStateIsRestoredInOrder) {
  auto c = open({});
  c.set_autocommit(false);
  c.set_read_only(true);
  auto& impl = ConnectionAccess::impl(c);
  log_->calls.clear();
  impl.set_current_connection(impl.connect(HostInfo{"h3", 5432}));
  EXPECT_EQ(log_->calls, (std::vector<std::string>{"h3:5432 autocommit off", "h3:5432 read_only on",
                                                   "h1:5432 close"}));
}

TEST_F(PipelineTest, TransactionGuardRollsBackUnlessCommitted) {
  auto c = open({});
  {
    Transaction tx(c);
    c.execute("INSERT 1");
  }
  EXPECT_EQ(log_->calls.back(), "h1:5432 rollback");
  {
    Transaction tx(c);
    tx.commit();
  }
  EXPECT_EQ(log_->calls.back(), "h1:5432 commit");
}

TEST_F(PipelineTest, CloseIsIdempotentAndUseAfterCloseFails) {
  auto c = open({});
  c.close();
  c.close();
  EXPECT_TRUE(c.is_closed());
  EXPECT_THROW(c.execute("SELECT 1"), ConnectionClosedError);
  EXPECT_NO_THROW(c.cancel());
  Connection moved = std::move(c);
  EXPECT_TRUE(c.is_closed());  // NOLINT(bugprone-use-after-move): moved-from is closed by contract
}

}  // namespace
}  // namespace awrap::internal
