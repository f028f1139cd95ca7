// The srw plugin's decisions (pure functions, from tables), its retry loop under a fake clock,
// and its bookkeeping through the real pipeline over the in-process fake driver (which
// connection is current, what is kept, what is sent). The proof against real servers is
// tests/integration/lab_srw_test.cpp.
#include <gtest/gtest.h>

#include <algorithm>

#include "awrap/connection.hpp"
#include "awrap/errors.hpp"
#include "core/connection_impl.hpp"
#include "plugin/srw/role_verifier.hpp"
#include "plugin/srw/srw_config.hpp"
#include "plugin/srw/srw_decisions.hpp"
#include "plugin/srw/srw_properties.hpp"
#include "support/fake_driver.hpp"

namespace awrap::internal {
namespace {

using namespace std::chrono_literals;
using plugin::srw::Clock;
using plugin::srw::decide_switch;
using plugin::srw::Side;
using plugin::srw::SrwConfig;
using plugin::srw::Switch;
using plugin::srw::SwitchInput;

SrwConfig config_of(PropertyMap map, int default_port = 5432) {
  return plugin::srw::srw_config_from(Properties::parse(map), default_port);
}

PropertyMap endpoints() {
  return {{"srw_read_endpoint", "replica.example.com"},
          {"srw_write_endpoint", "primary.example.com:6543"}};
}

// --- configuration --------------------------------------------------------------------------

TEST(SrwConfig, DefaultsAreThePythonWrappers) {
  SrwConfig c = config_of(endpoints());
  EXPECT_EQ(c.read_endpoint.host, "replica.example.com");
  EXPECT_EQ(c.read_endpoint.port, 5432);  // the connection's port when none is given
  EXPECT_EQ(c.read_endpoint.role, HostRole::kReader);
  EXPECT_EQ(c.write_endpoint.host, "primary.example.com");
  EXPECT_EQ(c.write_endpoint.port, 6543);
  EXPECT_EQ(c.write_endpoint.role, HostRole::kWriter);
  EXPECT_TRUE(c.verify_new_connections);
  EXPECT_FALSE(c.verify_initial_connection_type.has_value());
  EXPECT_EQ(c.connect_retry_timeout, 6000ms);
  EXPECT_EQ(c.connect_retry_interval, 100ms);
}

TEST(SrwConfig, ReadsEveryProperty) {
  PropertyMap map = endpoints();
  map["srw_verify_new_connections"] = "false";
  map["srw_verify_initial_connection_type"] = "Reader";
  map["srw_connect_retry_timeout_ms"] = "2500";
  map["srw_connect_retry_interval_ms"] = "20";
  SrwConfig c = config_of(map);
  EXPECT_FALSE(c.verify_new_connections);
  EXPECT_EQ(c.verify_initial_connection_type, HostRole::kReader);
  EXPECT_EQ(c.connect_retry_timeout, 2500ms);
  EXPECT_EQ(c.connect_retry_interval, 20ms);
}

TEST(SrwConfig, EndpointForms) {
  struct Case {
    const char* value;
    const char* host;
    int port;
  };
  for (const Case& c : {Case{"db", "db", 3306}, Case{" db:3307 ", "db", 3307},
                        Case{"127.0.3.12", "127.0.3.12", 3306}, Case{"[::1]", "::1", 3306},
                        Case{"[fe80::1]:3310", "fe80::1", 3310}}) {
    HostInfo h =
        plugin::srw::parse_srw_endpoint("srw_read_endpoint", c.value, 3306, HostRole::kReader);
    EXPECT_EQ(h.host, c.host) << c.value;
    EXPECT_EQ(h.port, c.port) << c.value;
  }
}

// Every bad value fails with a ConfigError that names the property and the value and says what
// is accepted.
TEST(SrwConfig, BadValuesAreConfigErrorsNamingPropertyValueAndWhatIsAccepted) {
  struct Case {
    const char* property;
    const char* value;
    const char* expected_in_message;
  };
  const Case cases[] = {
      {"srw_read_endpoint", "db:0", "port 1-65535"},
      {"srw_read_endpoint", "db:99999", "port 1-65535"},
      {"srw_read_endpoint", "db:54x", "'db:54x'"},
      {"srw_write_endpoint", "db:", "'db:'"},
      {"srw_write_endpoint", ":5432", "'host' or 'host:port'"},
      {"srw_write_endpoint", "fe80::1:5432", "brackets"},
      {"srw_write_endpoint", "[fe80::1", "closing ']'"},
      {"srw_write_endpoint", "[::1]x", "'[::1]x'"},
      {"srw_read_endpoint", "user@db", "'user@db'"},
      {"srw_read_endpoint", "db/app", "'db/app'"},
      {"srw_verify_new_connections", "maybe", "true or false"},
      {"srw_verify_initial_connection_type", "primary", "writer, reader"},
      {"srw_connect_retry_timeout_ms", "0", ">= 1"},
      {"srw_connect_retry_timeout_ms", "-5", ">= 1"},
      {"srw_connect_retry_interval_ms", "soon", "an integer"},
  };
  for (const Case& c : cases) {
    PropertyMap map = endpoints();
    map[c.property] = c.value;
    try {
      config_of(map);
      ADD_FAILURE() << c.property << "=" << c.value << " was accepted";
    } catch (const ConfigError& e) {
      EXPECT_EQ(e.property(), c.property);
      std::string message = e.what();
      EXPECT_NE(message.find(c.property), std::string::npos) << message;
      EXPECT_NE(message.find(c.value), std::string::npos) << message;
      EXPECT_NE(message.find(c.expected_in_message), std::string::npos) << message;
    }
  }
}

TEST(SrwConfig, BothEndpointsAreRequired) {
  for (const char* missing : {"srw_read_endpoint", "srw_write_endpoint"}) {
    PropertyMap map = endpoints();
    map.erase(missing);
    try {
      config_of(map);
      ADD_FAILURE() << missing << " was not required";
    } catch (const ConfigError& e) {
      EXPECT_EQ(e.property(), missing);
      EXPECT_NE(std::string(e.what()).find("is required"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("'host:port'"), std::string::npos) << e.what();
    }
  }
}

TEST(SrwConfig, ConnectionOpenFailsBeforeConnectingWithoutEndpoints) {
  auto log = std::make_shared<testing::FakeServerLog>();
  auto driver = std::make_shared<testing::FakeDriver>(log);
  EXPECT_THROW(ConnectionAccess::open("host=db", {{"wrapper_plugins", "srw"}}, driver),
               ConfigError);
  EXPECT_TRUE(log->connects.empty());
}

// --- decisions ------------------------------------------------------------------------------

TEST(SrwDecisions, SideOfComparesHostCaseInsensitivelyAndPort) {
  SrwConfig c = config_of(endpoints());
  EXPECT_EQ(plugin::srw::side_of({"PRIMARY.example.com", 6543}, c), Side::kWriter);
  EXPECT_EQ(plugin::srw::side_of({"primary.example.com", 5432}, c), Side::kOther);
  EXPECT_EQ(plugin::srw::side_of({"replica.example.com", 5432}, c), Side::kReader);
  EXPECT_EQ(plugin::srw::side_of({"elsewhere", 5432}, c), Side::kOther);
  PropertyMap same{{"srw_read_endpoint", "db"}, {"srw_write_endpoint", "db"}};
  EXPECT_EQ(plugin::srw::side_of({"db", 5432}, config_of(same)), Side::kWriter);
}

TEST(SrwDecisions, SwitchTable) {
  struct Row {
    bool read_only;
    Side current;
    bool in_transaction;
    bool broken;
    Switch expected;
  };
  const Row rows[] = {
      // set_read_only(true)
      {true, Side::kWriter, false, false, Switch::kToReader},
      {true, Side::kOther, false, false, Switch::kToReader},
      {true, Side::kReader, false, false, Switch::kStay},
      {true, Side::kReader, true, false, Switch::kStay},  // no switch: nothing to refuse
      {true, Side::kWriter, true, false, Switch::kRefuseInTransaction},
      {true, Side::kOther, true, false, Switch::kRefuseInTransaction},
      {true, Side::kReader, false, true, Switch::kToReader},  // a lost reader is replaced
      {true, Side::kWriter, false, true, Switch::kToReader},  // leaving a lost writer
      // set_read_only(false)
      {false, Side::kReader, false, false, Switch::kToWriter},
      {false, Side::kOther, false, false, Switch::kToWriter},
      {false, Side::kWriter, false, false, Switch::kStay},
      {false, Side::kWriter, true, false, Switch::kStay},
      {false, Side::kReader, true, false, Switch::kRefuseInTransaction},
      {false, Side::kOther, true, false, Switch::kRefuseInTransaction},
      {false, Side::kWriter, false, true, Switch::kStay},      // a lost writer is not replaced
      {false, Side::kReader, false, true, Switch::kToWriter},  // leaving a lost reader
  };
  for (const Row& r : rows) {
    SwitchInput in{r.read_only, r.current, r.in_transaction, r.broken};
    EXPECT_EQ(decide_switch(in), r.expected)
        << "read_only=" << r.read_only << " current=" << to_string(r.current)
        << " in_tx=" << r.in_transaction << " broken=" << r.broken << ": got "
        << to_string(decide_switch(in));
  }
}

TEST(SrwDecisions, InitialVerificationRole) {
  auto role = [](PropertyMap extra, const char* host) {
    PropertyMap map = endpoints();
    for (auto& [k, v] : extra) map[k] = v;
    return plugin::srw::initial_verification_role(config_of(map), HostInfo{host, 5432});
  };
  const char* writer = "app.cluster-c9akciq32lgf.us-east-1.rds.amazonaws.com";
  const char* reader = "app.cluster-ro-c9akciq32lgf.us-east-1.rds.amazonaws.com";
  EXPECT_EQ(role({}, writer), HostRole::kWriter);
  EXPECT_EQ(role({}, reader), HostRole::kReader);
  EXPECT_EQ(role({}, "127.0.0.1"), std::nullopt);
  EXPECT_EQ(role({}, "app.proxy-c9akciq32lgf.us-east-1.rds.amazonaws.com"), std::nullopt);
  EXPECT_EQ(role({{"srw_verify_initial_connection_type", "reader"}}, "10.0.0.5"),
            HostRole::kReader);
  // The explicit type wins over the endpoint's name.
  EXPECT_EQ(role({{"srw_verify_initial_connection_type", "reader"}}, writer), HostRole::kReader);
  EXPECT_EQ(role({{"srw_verify_new_connections", "false"}}, writer), std::nullopt);
  EXPECT_EQ(role({{"srw_verify_new_connections", "false"},
                  {"srw_verify_initial_connection_type", "writer"}},
                 "10.0.0.5"),
            std::nullopt);
}

// --- the retry loop under a fake clock -------------------------------------------------------

struct FakeClock {
  Clock::time_point now = Clock::time_point{} + 1h;
  std::vector<Clock::time_point> sleeps;
};

plugin::srw::RoleVerifySteps steps_on(FakeClock& clock, std::vector<std::string> roles,
                                      std::chrono::milliseconds connect_cost,
                                      std::shared_ptr<testing::FakeServerLog> log) {
  auto answers = std::make_shared<std::vector<std::string>>(std::move(roles));
  auto next = std::make_shared<std::size_t>(0);
  plugin::srw::RoleVerifySteps steps;
  steps.now = [&clock] { return clock.now; };
  steps.sleep_until = [&clock](Clock::time_point t) {
    clock.sleeps.push_back(t);
    clock.now = std::max(clock.now, t);
  };
  steps.connect = [&clock, answers, next, connect_cost,
                   log](Clock::time_point deadline) -> std::unique_ptr<TargetConnection> {
    EXPECT_LT(clock.now, deadline) << "an attempt started after the deadline";
    clock.now += connect_cost;
    std::string answer = (*answers)[std::min(*next, answers->size() - 1)];
    ++*next;
    if (answer == "down") throw ConnectError("connection refused", "08001", 0, "db:5432");
    if (answer == "auth") throw AuthError("password authentication failed", "28P01");
    return std::make_unique<testing::FakeConnection>(HostInfo{answer, 5432}, log);
  };
  steps.is_writer = [](TargetConnection& c, Clock::time_point) { return c.host().host == "w"; };
  return steps;
}

TEST(SrwRoleVerifier, FirstFittingConnectionWins) {
  FakeClock clock;
  auto log = std::make_shared<testing::FakeServerLog>();
  auto found = plugin::srw::connect_with_role(HostRole::kReader, 1000ms, 100ms,
                                              steps_on(clock, {"w", "down", "r"}, 10ms, log));
  ASSERT_TRUE(found.connection);
  EXPECT_EQ(found.connection->host().host, "r");
  EXPECT_EQ(found.attempts, 3);
  EXPECT_EQ(found.wrong_role_attempts, 1);
  EXPECT_EQ(clock.sleeps.size(), 2u);
  // The writer it met on the way was closed.
  EXPECT_NE(std::find(log->calls.begin(), log->calls.end(), "w:5432 close"), log->calls.end());
}

TEST(SrwRoleVerifier, WrongRoleUntilTheDeadlineEndsAtTheDeadline) {
  FakeClock clock;
  const Clock::time_point start = clock.now;
  auto log = std::make_shared<testing::FakeServerLog>();
  auto found = plugin::srw::connect_with_role(HostRole::kReader, 1000ms, 100ms,
                                              steps_on(clock, {"w"}, 30ms, log));
  EXPECT_FALSE(found.connection);
  EXPECT_EQ(found.last_problem, "w:5432 is the writer, not a reader");
  // Attempts at 0, 130, 260, ... : 8 fit before 1000 ms; the last pause is cut to the deadline.
  EXPECT_EQ(found.attempts, 8);
  EXPECT_EQ(found.wrong_role_attempts, 8);
  EXPECT_EQ(found.wrong_role, "w:5432 is the writer, not a reader");
  EXPECT_EQ(clock.now, start + 1000ms);
  for (auto t : clock.sleeps) EXPECT_LE(t, start + 1000ms);
  long closes = std::count(log->calls.begin(), log->calls.end(), "w:5432 close");
  EXPECT_EQ(closes, found.attempts);
}

TEST(SrwRoleVerifier, AlwaysTriesOnceAndNeverSleepsPastTheDeadline) {
  FakeClock clock;
  const Clock::time_point start = clock.now;
  auto log = std::make_shared<testing::FakeServerLog>();
  // The connect itself used the whole budget: no pause, no second attempt.
  auto found = plugin::srw::connect_with_role(HostRole::kWriter, 50ms, 100ms,
                                              steps_on(clock, {"down"}, 50ms, log));
  EXPECT_FALSE(found.connection);
  EXPECT_EQ(found.attempts, 1);
  EXPECT_TRUE(clock.sleeps.empty());
  EXPECT_EQ(clock.now, start + 50ms);
  EXPECT_EQ(found.last_problem, "connection refused");
}

TEST(SrwRoleVerifier, RefusedLoginEndsTheSearchAtOnce) {
  FakeClock clock;
  auto log = std::make_shared<testing::FakeServerLog>();
  EXPECT_THROW(plugin::srw::connect_with_role(HostRole::kWriter, 5000ms, 100ms,
                                              steps_on(clock, {"down", "auth", "w"}, 1ms, log)),
               AuthError);
  EXPECT_EQ(clock.sleeps.size(), 1u);
}

// --- through the pipeline, over the fake driver ---------------------------------------------

class SrwPipeline : public ::testing::Test {
 protected:
  Connection open(PropertyMap extra = {}) {
    PropertyMap props{{"wrapper_plugins", "srw"},
                      {"srw_write_endpoint", "writer"},
                      {"srw_read_endpoint", "reader"},
                      {"srw_verify_new_connections", "false"}};
    for (auto& [k, v] : extra) props[k] = v;
    return ConnectionAccess::open("host=writer user=app", props, driver_);
  }
  std::vector<std::string> calls_since(std::size_t from) {
    std::lock_guard lock(log_->mutex);
    return {log_->calls.begin() + static_cast<long>(from), log_->calls.end()};
  }
  std::size_t calls() {
    std::lock_guard lock(log_->mutex);
    return log_->calls.size();
  }
  std::shared_ptr<testing::FakeServerLog> log_ = std::make_shared<testing::FakeServerLog>();
  std::shared_ptr<testing::FakeDriver> driver_ = std::make_shared<testing::FakeDriver>(log_);
};

TEST_F(SrwPipeline, SwitchesKeepBothConnectionsAndSendOnlyWhatChanged) {
  Connection conn = open();
  conn.execute("SELECT 'w'");
  conn.set_read_only(true);
  EXPECT_EQ(conn.current_host().endpoint(), "reader:5432");
  conn.execute("SELECT 'r'");
  conn.set_read_only(false);
  EXPECT_EQ(conn.current_host().endpoint(), "writer:5432");
  std::size_t before = calls();
  for (int i = 0; i < 10; ++i) {
    conn.set_read_only(true);
    conn.execute("SELECT 'r'");
    conn.set_read_only(false);
    conn.execute("SELECT 'w'");
  }
  // Two logins in all, and once both sides exist, a switch sends nothing at all.
  EXPECT_EQ(log_->connects,
            (std::vector<std::string>{"writer:5432 user=app", "reader:5432 user=app"}));
  std::vector<std::string> expected;
  for (int i = 0; i < 10; ++i) {
    expected.push_back("reader:5432 execute SELECT 'r'");
    expected.push_back("writer:5432 execute SELECT 'w'");
  }
  EXPECT_EQ(calls_since(before), expected);
  EXPECT_TRUE(conn.read_only() == false);
}

TEST_F(SrwPipeline, FirstSwitchSetsReadOnlyOnTheNewSessionOnce) {
  Connection conn = open();
  std::size_t before = calls();
  conn.set_read_only(true);
  EXPECT_EQ(calls_since(before), (std::vector<std::string>{"reader:5432 read_only on"}));
  before = calls();
  conn.set_read_only(false);
  EXPECT_TRUE(calls_since(before).empty());  // the writer never had read-only set
}

TEST_F(SrwPipeline, SessionSettingsFollowTheConnection) {
  Connection conn = open();
  conn.set_read_only(true);
  conn.set_read_only(false);
  conn.set_isolation_level(IsolationLevel::kSerializable);
  std::size_t before = calls();
  conn.set_read_only(true);  // the kept reader had the default isolation: it gets the new one
  EXPECT_EQ(calls_since(before), (std::vector<std::string>{"reader:5432 isolation 4"}));
  before = calls();
  conn.set_read_only(false);  // the writer has it already
  EXPECT_TRUE(calls_since(before).empty());
}

TEST_F(SrwPipeline, SwitchingInsideATransactionIsAReadWriteSplittingError) {
  Connection conn = open();
  conn.begin();
  try {
    conn.set_read_only(true);
    FAIL() << "switched inside a transaction";
  } catch (const ReadWriteSplittingError& e) {
    EXPECT_EQ(e.sqlstate(), "25001");
    EXPECT_NE(std::string(e.what()).find("commit or roll back first"), std::string::npos);
  }
  EXPECT_EQ(conn.current_host().endpoint(), "writer:5432");
  conn.commit();
  conn.set_read_only(true);
  conn.begin();
  EXPECT_THROW(conn.set_read_only(false), ReadWriteSplittingError);
  EXPECT_EQ(conn.current_host().endpoint(), "reader:5432");
  conn.set_read_only(true);  // no switch needed: allowed
  conn.rollback();
  conn.set_read_only(false);
  EXPECT_EQ(conn.current_host().endpoint(), "writer:5432");
}

TEST_F(SrwPipeline, PreparedStatementsArePreparedOncePerSession) {
  Connection conn = open();
  auto statement = conn.prepare("SELECT $1");
  conn.execute(statement, {Param("1")});
  conn.set_read_only(true);
  conn.execute(statement, {Param("2")});
  conn.set_read_only(false);
  conn.execute(statement, {Param("3")});
  conn.set_read_only(true);
  conn.execute(statement, {Param("4")});
  auto all = calls_since(0);
  long prepares = std::count_if(all.begin(), all.end(), [](const std::string& c) {
    return c.find(" prepare ") != std::string::npos;
  });
  EXPECT_EQ(prepares, 2);  // once on the writer, once on the reader
}

TEST_F(SrwPipeline, CloseClosesTheKeptConnectionToo) {
  {
    Connection conn = open();
    conn.set_read_only(true);
    conn.close();
  }
  auto all = calls_since(0);
  EXPECT_EQ(std::count(all.begin(), all.end(), "writer:5432 close"), 1);
  EXPECT_EQ(std::count(all.begin(), all.end(), "reader:5432 close"), 1);
}

TEST_F(SrwPipeline, UnreachableReaderFallsBackToTheWriterAndUnreachableWriterIsAnError) {
  driver_->on_connect = [](const ConnectSpec& spec) {
    if (spec.host.host == "reader") throw ConnectError("connection refused", "08001");
  };
  Connection conn = open();
  conn.set_read_only(true);  // as the AWS wrappers do: the writer serves the reads
  EXPECT_EQ(conn.current_host().endpoint(), "writer:5432");
  EXPECT_TRUE(conn.read_only());
  driver_->on_connect = nullptr;
  conn.set_read_only(false);
  conn.set_read_only(true);
  EXPECT_EQ(conn.current_host().endpoint(), "reader:5432");
  conn.close();

  driver_->on_connect = [](const ConnectSpec& spec) {
    if (spec.host.host == "writer") throw ConnectError("connection refused", "08001");
  };
  PropertyMap props{{"wrapper_plugins", "srw"},
                    {"srw_write_endpoint", "writer"},
                    {"srw_read_endpoint", "reader"},
                    {"srw_verify_new_connections", "false"}};
  Connection on_reader = ConnectionAccess::open("host=reader user=app", props, driver_);
  try {
    on_reader.set_read_only(false);
    FAIL() << "switched to an unreachable writer";
  } catch (const ReadWriteSplittingError& e) {
    EXPECT_NE(std::string(e.what()).find("srw_write_endpoint=writer:5432"), std::string::npos)
        << e.what();
  }
}

TEST_F(SrwPipeline, RefusedLoginIsAnAuthErrorNotAFallback) {
  driver_->on_connect = [](const ConnectSpec& spec) {
    if (spec.host.host == "reader") throw AuthError("password authentication failed", "28P01");
  };
  Connection conn = open();
  EXPECT_THROW(conn.set_read_only(true), AuthError);
  EXPECT_EQ(conn.current_host().endpoint(), "writer:5432");
}

TEST_F(SrwPipeline, ALostReaderSaysSoAndIsReplacedOnTheNextSwitch) {
  Connection conn = open();
  conn.set_read_only(true);
  ConnectionAccess::impl(conn).current_connection()->abort();  // as a crash would
  try {
    conn.execute("SELECT 1");
    FAIL();
  } catch (const ConnectionLostError& e) {
    EXPECT_NE(std::string(e.what()).find("reader connection (srw_read_endpoint=reader:5432)"),
              std::string::npos)
        << e.what();
  }
  conn.set_read_only(true);  // a new reader session
  conn.execute("SELECT 1");
  EXPECT_EQ(log_->connects.size(), 3u);
  conn.set_read_only(false);  // the kept writer
  conn.execute("SELECT 1");
  EXPECT_EQ(log_->connects.size(), 3u);
}

}  // namespace
}  // namespace awrap::internal
