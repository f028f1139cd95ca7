// The failover contract against real lab clusters, one suite for both engines: PostgreSQL 15 and
// MariaDB 10.11, each as aurora, multi-az and plain (self-managed, a host list). One fresh
// cluster per test; each test asserts the exact error the application sees. What differs by
// engine (SQL spelling, how a host says it is read-only, the URL form) is in EngineSql; the
// scenarios are written once.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "awrap/awrap.hpp"
#include "awrap/ext/target_driver.hpp"
#include "base/runtime.hpp"
#include "dialect/dialect.hpp"
#include "support/eventually.hpp"
#include "support/lab_cluster.hpp"
#include "support/server_activity.hpp"
#include "support/thread_count.hpp"
#include "topology/topology_monitor.hpp"

namespace awrap::internal {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::LabCluster;
using testing::LabFault;
using testing::LabOptions;

// The SQL an application writes differently on each engine.
struct EngineSql {
  const char* lab_engine;  // awlab --engine
  const char* driver;      // awrap driver name
  int port;
  const char* read_only;  // 1 / true on a host that refuses writes
  const char* sleep_10s;
  const char* add_one;                 // a prepared statement of one parameter
  const char* isolation;               // the session's isolation level, upper case
  const char* autocommit_off_visible;  // 1 when autocommit is off, or empty (checked otherwise)
  const char* session_id;              // the server's id of this session
};

const EngineSql kPostgres{"pg",
                          "pg",
                          5432,
                          "SELECT pg_is_in_recovery()::int",
                          "SELECT pg_sleep(10)",
                          "SELECT $1::int + 1",
                          "SELECT upper(current_setting('transaction_isolation'))",
                          "",
                          "SELECT pg_backend_pid()"};
const EngineSql kMariaDb{"mariadb",
                         "mysql",
                         3306,
                         "SELECT @@read_only",
                         "SELECT SLEEP(10)",
                         "SELECT ? + 1",
                         "SELECT REPLACE(@@SESSION.tx_isolation, '-', ' ')",
                         "SELECT 1 - @@SESSION.autocommit",
                         "SELECT CONNECTION_ID()"};

struct Target {
  const EngineSql* sql;
  const char* flavour;
  const char* base;  // the lab cluster's first address: every target has its own range
  std::string id() const {
    std::string f = flavour;
    return std::string(sql == &kPostgres ? "pg_" : "mariadb_") + (f == "multi-az" ? "multi_az" : f);
  }
};

class FailoverContract : public ::testing::TestWithParam<Target> {
 protected:
  void SetUp() override {
    if (std::getenv("AWRAP_TEST_DEBUG")) {
      set_log_level(LogLevel::kDebug);
      set_log_sink([](LogLevel l, std::string_view m) {
        auto ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch())
                .count() %
            100000;
        std::cerr << ms << " " << to_string(l) << " " << m << "\n";
      });
    }
    std::string test_name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    if (plain() && test_name.starts_with("ConnectFailover"))
      GTEST_SKIP() << "a plain cluster is a host list: the open tries every host anyway";
    // The replay of SQL session state does not depend on the cluster's kind: one flavour each.
    if (!plain() && test_name.starts_with("SqlSessionState"))
      GTEST_SKIP() << "run on the plain flavour only";
    threads_before_ = testing::process_thread_count();
    LabOptions options;
    // The names (and addresses) the engines' suites used before they were one.
    options.name = std::string(mariadb() ? "fom-" : "fo-") + GetParam().flavour;
    options.engine = sql().lab_engine;
    options.flavour = GetParam().flavour;
    options.base = GetParam().base;
    options.nodes = 3;
    cluster_.emplace(LabCluster::up(options));
  }
  void TearDown() override { cluster_.reset(); }

  LabCluster& cluster() { return *cluster_; }
  const EngineSql& sql() const { return *GetParam().sql; }
  bool mariadb() const { return GetParam().sql == &kMariaDb; }
  bool plain() const { return std::string(GetParam().flavour) == "plain"; }
  bool aurora() const { return std::string(GetParam().flavour) == "aurora"; }

  // A connection string naming `hosts` in order, in the engine's own form.
  std::string hosts_conninfo(const std::vector<std::string>& hosts) const {
    std::string list;
    for (const auto& h : hosts) {
      if (!list.empty()) list += ",";
      list += mariadb() ? h + ":" + std::to_string(sql().port) : h;
    }
    if (mariadb()) return "mysql://awrap:awrap-lab-password@" + list + "/awrap";
    return "host=" + list + " port=5432 user=awrap password=awrap-lab-password dbname=awrap";
  }
  // How an application reaches the cluster: the cluster endpoint name for aurora and multi-az
  // (DNS via /etc/hosts, instance host names from the topology), a host list for plain.
  std::string conninfo() {
    auto status = cluster().status();
    if (!plain()) return hosts_conninfo({status.cluster_endpoint});
    std::vector<std::string> hosts;
    for (const auto& n : status.nodes) hosts.push_back(n.host);
    return hosts_conninfo(hosts);
  }
  PropertyMap props(PropertyMap extra = {}) {
    PropertyMap p{{"failover_timeout_sec", "30"},
                  {"connect_timeout", "2"},
                  {"cluster_topology_high_refresh_rate_ms", "50"},
                  {"topology_refresh_ms", "1000"},
                  // host_monitoring's loop thread ends soon after the test (thread counts).
                  {"monitor_disposal_time_ms", "500"}};
    if (!plain()) {
      p["cluster_endpoint_role"] = "writer";
      p["cluster_instance_host_pattern"] = cluster().status().host_pattern;
    }
    for (auto& [k, v] : extra) p[k] = v;
    return p;
  }
  Connection open(PropertyMap extra = {}) {
    return Connection::open(conninfo(), props(std::move(extra)));
  }

  // A host as awrap names it: the instance host name for cluster flavours, the IP for plain.
  std::string host_of(const testing::LabNode& node) { return plain() ? node.host : node.hostname; }
  std::string writer_host() { return host_of(cluster().writer()); }
  std::string any_reader() {
    std::string reader;
    for (const auto& n : cluster().status().nodes)
      if (!n.is_writer()) reader = n.name;
    return reader;
  }
  // A connection that starts on a reader: its instance name (cluster flavours) or the host list
  // with that reader first (the list is a plain cluster's topology).
  std::string reader_conninfo(const std::string& reader) {
    if (!plain()) return cluster().conninfo(reader, cluster().node(reader).hostname);
    std::vector<std::string> hosts{cluster().node(reader).host};
    for (const auto& n : cluster().status().nodes)
      if (n.name != reader) hosts.push_back(n.host);
    return hosts_conninfo(hosts);
  }
  void crash_writer_and_fail_over() {
    cluster().fault(cluster().writer().name, LabFault::kCrash);
    cluster().failover();
  }
  // A bare driver session's spec for the current writer (no plugins, no awrap Connection).
  ConnectSpec writer_spec() {
    ConnectSpec spec;
    spec.host = {cluster().writer().host, sql().port};
    spec.user = "awrap";
    spec.password = "awrap-lab-password";
    spec.database = "awrap";
    spec.connect_timeout = 2s;
    return spec;
  }
  bool read_only(Connection& c) { return c.execute(sql().read_only).scalar<int64_t>() != 0; }
  void expect_on_writer(Connection& c) {
    EXPECT_EQ(c.current_host().host, writer_host());
    EXPECT_FALSE(read_only(c));
  }

  int threads_before_ = 0;
  std::optional<LabCluster> cluster_;
};

TEST_P(FailoverContract, DialectIsDetected) {
  ConnectSpec spec = writer_spec();
  auto driver = make_builtin_driver(sql().driver);
  auto on_writer = driver->connect(spec);
  auto dialect = detect_dialect(*on_writer, sql().driver);
  std::string family = mariadb() ? "mysql" : "pg";
  std::string expected = plain()    ? (mariadb() ? "mariadb" : "pg")
                         : aurora() ? "aurora-" + family
                                    : "multi-az-" + family;
  EXPECT_EQ(dialect->code(), expected);
  EXPECT_TRUE(dialect->is_writer(*on_writer));
  spec.host = {cluster().node(any_reader()).host, sql().port};
  auto on_reader = driver->connect(spec);
  EXPECT_FALSE(dialect->is_writer(*on_reader));
  if (plain()) return;
  // Both instances report the same three rows, exactly one of them the writer.
  for (TargetConnection* c : {on_writer.get(), on_reader.get()}) {
    auto entries = dialect->query_topology(*c);
    ASSERT_EQ(entries.size(), 3u);
    int writers = 0;
    for (const auto& e : entries) writers += e.is_writer ? 1 : 0;
    EXPECT_EQ(writers, 1);
  }
  if (aurora()) {
    EXPECT_EQ(dialect->instance_id(*on_writer), cluster().writer().name);
    EXPECT_EQ(dialect->instance_id(*on_reader), any_reader());
  }
}

TEST_P(FailoverContract, WriterCrashWhileIdleGivesFailoverSuccessAndANewWriter) {
  std::vector<FailoverEvent> told;  // on this thread, inside the failing call
  ConnectionEvents events;
  events.on_failover = [&](const FailoverEvent& e) { told.push_back(e); };
  auto c = Connection::open(conninfo(), props(), events);
  expect_on_writer(c);  // reached through the cluster endpoint, identified as the instance
  const std::string old_writer = c.current_host().host;
  crash_writer_and_fail_over();
  EXPECT_THROW(c.execute("SELECT 1"), FailoverSuccessError);
  expect_on_writer(c);
  ASSERT_EQ(told.size(), 1u) << "on_failover, once";
  EXPECT_EQ(told.front().result, FailoverResult::kSuccess);
  EXPECT_EQ(told.front().from.host, old_writer);
  ASSERT_TRUE(told.front().to.has_value());
  EXPECT_EQ(told.front().to->host, c.current_host().host);
  EXPECT_EQ(told.front().to->role, HostRole::kWriter);
  c.execute("CREATE TABLE IF NOT EXISTS after_failover(id INT)");
  c.execute("INSERT INTO after_failover VALUES (1)");
}

TEST_P(FailoverContract, WriterCrashMidQuery) {
  auto c = open();
  const auto session = c.execute(sql().session_id).scalar<int64_t>();
  // The crash strikes only once the writer shows the statement running: a crash before it
  // arrived would be the idle case again. A bare driver session (no plugins) watches.
  auto watcher = make_builtin_driver(sql().driver)->connect(writer_spec());
  bool was_running = false;
  std::thread crasher([&] {
    const std::string running = testing::statement_running_sql(!mariadb(), session, "sleep");
    was_running = testing::eventually(
        [&] { return Result(watcher->execute(running, {})).scalar<int64_t>() == 1; }, 8s, 10ms);
    watcher->close();
    crash_writer_and_fail_over();
  });
  EXPECT_THROW(c.execute(sql().sleep_10s), FailoverSuccessError);
  crasher.join();
  EXPECT_TRUE(was_running) << "the writer never showed the statement running";
  expect_on_writer(c);
}

TEST_P(FailoverContract, WriterCrashMidTransactionIsResolutionUnknownAndNothingCommits) {
  auto c = open();
  c.execute("CREATE TABLE IF NOT EXISTS tx_lost(id INT)");
  c.begin();
  c.execute("INSERT INTO tx_lost VALUES (1)");
  crash_writer_and_fail_over();
  EXPECT_THROW(c.execute("INSERT INTO tx_lost VALUES (2)"), TransactionResolutionUnknownError);
  EXPECT_EQ(c.transaction_status(), TransactionStatus::kIdle);
  EXPECT_EQ(c.execute("SELECT count(*) FROM tx_lost").scalar<int64_t>(), 0);
}

TEST_P(FailoverContract, CommitInFlightIsResolutionUnknown) {
  auto c = open();
  c.execute("CREATE TABLE IF NOT EXISTS commit_lost(id INT)");
  c.begin();
  c.execute("INSERT INTO commit_lost VALUES (1)");
  crash_writer_and_fail_over();
  EXPECT_THROW(c.commit(), TransactionResolutionUnknownError);
}

TEST_P(FailoverContract, PreparedStatementsAndSessionStateSurviveFailover) {
  auto c = open();
  auto stmt = c.prepare(sql().add_one);
  c.set_isolation_level(IsolationLevel::kSerializable);
  c.set_autocommit(false);
  c.commit();
  crash_writer_and_fail_over();
  EXPECT_THROW(c.execute(stmt, {1}), FailoverSuccessError);
  EXPECT_EQ(c.execute(stmt, {1}).scalar<int64_t>(), 2);
  EXPECT_EQ(c.execute(sql().isolation).scalar<std::string>(), "SERIALIZABLE");
  if (*sql().autocommit_off_visible)
    EXPECT_EQ(c.execute(sql().autocommit_off_visible).scalar<int64_t>(), 1)
        << "autocommit off survives";
  else
    EXPECT_EQ(c.transaction_status(), TransactionStatus::kInTransaction)
        << "autocommit off survives";
  c.rollback();
}

// Settings made with SQL are replayed on the new writer; state awrap cannot carry over is named
// in the error. One flavour per engine: the replay does not depend on the cluster's kind.
// Settings changed inside a function or procedure are invisible to the statement record; the
// server reports them (ParameterStatus, session tracking), and the last reported value wins over
// a recorded SET made before it.
void create_setting_changers(Connection& c, bool mariadb) {
  if (mariadb)
    c.execute(
        "CREATE OR REPLACE PROCEDURE awrap.awrap_set_zone() SET SESSION time_zone = '+05:00'");
  else
    c.execute(
        "CREATE OR REPLACE FUNCTION public.awrap_set_style() RETURNS void LANGUAGE sql AS "
        "$$ SELECT pg_catalog.set_config('DateStyle', 'SQL, DMY', false), "
        "pg_catalog.set_config('TimeZone', 'America/New_York', false) $$");
}

TEST_P(FailoverContract, SqlSessionStateIsRestoredOrNamed) {
  {
    auto setup = open();
    create_setting_changers(setup, mariadb());
  }
  auto c = open();
  c.execute("CREATE TEMPORARY TABLE session_scratch(id INT)");
  if (mariadb()) {
    c.execute("USE information_schema");
    c.execute("SET time_zone = '+03:00'");
    c.execute("CALL awrap.awrap_set_zone()");
    c.execute("SET autocommit=0");
  } else {
    c.begin();  // PostgreSQL keeps a SET only if its transaction commits
    c.execute("SET search_path TO pg_catalog, public");
    c.commit();
    c.execute("SET TIME ZONE 'Asia/Tokyo'");
    c.begin();
    c.execute("SET TIME ZONE 'Europe/Paris'");
    c.rollback();
    c.execute("SELECT public.awrap_set_style()");
    c.execute("SET ROLE pg_read_all_data");
  }
  crash_writer_and_fail_over();
  try {
    c.execute("SELECT 1");
    ADD_FAILURE() << "no failover";
  } catch (const FailoverSuccessError& e) {
    EXPECT_NE(std::string(e.what()).find("session state not restored: temporary tables"),
              std::string::npos)
        << e.what();
    EXPECT_EQ(e.session_state_not_restored(), std::vector<std::string>{"temporary tables"});
  }
  if (mariadb()) {
    EXPECT_EQ(c.execute("SELECT DATABASE()").scalar<std::string>(), "information_schema");
    EXPECT_EQ(c.execute("SELECT @@session.time_zone").scalar<std::string>(), "+05:00");
    EXPECT_EQ(c.execute("SELECT @@session.autocommit").scalar<int64_t>(), 0);
    c.rollback();
  } else {
    EXPECT_EQ(c.execute("SHOW search_path").scalar<std::string>(), "pg_catalog, public");
    EXPECT_EQ(c.execute("SHOW TimeZone").scalar<std::string>(), "America/New_York");
    EXPECT_EQ(c.execute("SHOW DateStyle").scalar<std::string>(), "SQL, DMY");
    EXPECT_EQ(c.execute("SELECT current_user::text").scalar<std::string>(), "pg_read_all_data");
  }
}

// PostgreSQL undoes a setting made in a transaction that never commits; MySQL keeps it at once.
TEST_P(FailoverContract, SqlSessionStateChangedInALostTransactionFollowsTheEngine) {
  {
    auto setup = open();
    create_setting_changers(setup, mariadb());
  }
  auto c = open();
  c.begin();
  c.execute(mariadb() ? "CALL awrap.awrap_set_zone()" : "SELECT public.awrap_set_style()");
  crash_writer_and_fail_over();
  EXPECT_THROW(c.execute("SELECT 1"), FailoverError);
  if (mariadb()) {
    EXPECT_EQ(c.execute("SELECT @@session.time_zone").scalar<std::string>(), "+05:00");
  } else {
    EXPECT_NE(c.execute("SHOW DateStyle").scalar<std::string>(), "SQL, DMY");
    EXPECT_NE(c.execute("SHOW TimeZone").scalar<std::string>(), "America/New_York");
  }
}

TEST_P(FailoverContract, CleanSwitchover) {
  auto c = open();
  auto old = cluster().writer();
  cluster().switchover();
  EXPECT_THROW(c.execute("SELECT 1"), FailoverSuccessError);
  expect_on_writer(c);
  EXPECT_NE(c.current_host().host, host_of(old));
}

TEST_P(FailoverContract, ReaderCrashUnderStrictReaderMovesToAnotherReader) {
  std::string reader = any_reader();
  auto c = Connection::open(
      reader_conninfo(reader),
      props({{"failover_mode", "strict_reader"}, {"cluster_endpoint_role", "instance"}}));
  ASSERT_TRUE(read_only(c));
  cluster().fault(reader, LabFault::kCrash);
  EXPECT_THROW(c.execute("SELECT 1"), FailoverSuccessError);
  EXPECT_TRUE(read_only(c)) << "strict_reader stays on readers";
  EXPECT_NE(c.current_host().host, host_of(cluster().node(reader)));
}

TEST_P(FailoverContract, ReaderCrashUnderReaderOrWriter) {
  std::string reader = any_reader();
  auto c = Connection::open(
      reader_conninfo(reader),
      props({{"failover_mode", "reader-or-writer"}, {"cluster_endpoint_role", "instance"}}));
  cluster().fault(reader, LabFault::kCrash);
  EXPECT_THROW(c.execute("SELECT 1"), FailoverSuccessError);
  EXPECT_EQ(c.execute("SELECT 1").scalar<int64_t>(), 1);
}

TEST_P(FailoverContract, NoNewWriterGivesFailoverFailedInBoundedTime) {
  auto c = open({{"failover_timeout_sec", "2"}});
  cluster().fault(cluster().writer().name, LabFault::kCrash);  // and nobody promotes a standby
  auto t0 = Clock::now();
  EXPECT_THROW(c.execute("SELECT 1"), FailoverFailedError);
  auto took = Clock::now() - t0;
  EXPECT_GE(took, 1900ms);
  EXPECT_LT(took, 8s);
}

TEST_P(FailoverContract, TrackerClosesIdleConnectionsLeftOnAPartitionedOldWriter) {
  // Which of a and b the tracker aborted, as their on_call_aborted told.
  std::mutex mutex;
  std::vector<std::pair<char, CallAbortedEvent>> aborted;
  auto recording = [&](char name) {
    ConnectionEvents events;
    events.on_call_aborted = [&, name](const CallAbortedEvent& e) {
      std::lock_guard lock(mutex);
      aborted.emplace_back(name, e);
    };
    return events;
  };
  auto a = Connection::open(conninfo(), props(), recording('a'));
  auto b = Connection::open(conninfo(), props(), recording('b'));
  auto c = open({{"socket_timeout", "1"}});
  const std::string old_writer = a.current_host().host;
  // The writer vanishes from the network: idle connections to it would hang on TCP for minutes.
  cluster().fault(cluster().writer().name, LabFault::kBlackhole);
  cluster().failover();
  EXPECT_THROW(c.execute("SELECT 1"), FailoverSuccessError);  // notices through its socket timeout
  expect_on_writer(c);
  // The tracker has closed a and b (their listeners were told): they fail over at once instead
  // of hanging.
  EXPECT_TRUE(testing::eventually(
      [&] {
        std::lock_guard lock(mutex);
        return aborted.size() >= 2;
      },
      5s, 10ms));
  {
    std::lock_guard lock(mutex);
    ASSERT_EQ(aborted.size(), 2u) << "a and b, once each";
    EXPECT_NE(aborted[0].first, aborted[1].first);
    for (const auto& [name, event] : aborted) {
      EXPECT_EQ(event.reason, CallAbortReason::kWriterReplaced) << name;
      EXPECT_EQ(event.host.host, old_writer) << name;
    }
  }
  auto t0 = Clock::now();
  EXPECT_THROW(a.execute("SELECT 1"), FailoverSuccessError);
  EXPECT_THROW(b.execute("SELECT 1"), FailoverSuccessError);
  EXPECT_LT(Clock::now() - t0, 5s);
  expect_on_writer(a);
  expect_on_writer(b);
}

TEST_P(FailoverContract, InitialConnectionLedToAReaderMovesToTheWriter) {
  // As after a failover whose DNS has not caught up: the name the application uses as the
  // writer endpoint leads to a reader (the reader endpoint name; plain: a host list with a
  // reader first).
  std::string target = plain() ? reader_conninfo(any_reader())
                               : hosts_conninfo({cluster().status().reader_endpoint});
  auto c = Connection::open(target, props({{"cluster_endpoint_role", "writer"}}));
  expect_on_writer(c);
}

TEST_P(FailoverContract, ConnectFailoverFindsTheWriterWhileDnsStillNamesTheDeadOne) {
  auto a = open();  // keeps the cluster's topology monitor running
  cluster().fault(cluster().writer().name, LabFault::kCrash);
  // The lab promotes a standby but keeps the cluster endpoint on the dead writer for 6 s.
  std::thread failover([&] {
    LabCluster::run_awlab({"failover", "--name", cluster().name(), "--dns-lag-ms", "6000"});
  });
  EXPECT_TRUE(testing::eventually([&] {
    return cluster().last_event("writer_accepting_writes").has_value();
  })) << "no writer promoted within 10 s";  // (the failover thread must be joined: no ASSERT)
  EXPECT_THROW(open(), ConnectError)
      << "without connect failover the dead writer is all DNS offers";
  auto b = open({{"enable_connect_failover", "true"}});
  expect_on_writer(b);
  failover.join();
}

TEST_P(FailoverContract, ThreadsReturnToBaselineWhenConnectionsClose) {
  {
    auto a = open();
    auto b = open();
    EXPECT_EQ(live_topology_monitors(*internal::Runtime::process()), 1)
        << "one monitor per cluster, shared";
    crash_writer_and_fail_over();
    EXPECT_THROW(a.execute("SELECT 1"), FailoverSuccessError);
    EXPECT_THROW(b.execute("SELECT 1"), FailoverSuccessError);
  }
  EXPECT_EQ(live_topology_monitors(*internal::Runtime::process()), 0);
  EXPECT_EQ(testing::wait_for_thread_count(threads_before_), threads_before_);
}

// The addresses each engine's clusters used before the suites were one (lab ranges in
// docs/lab.md).
INSTANTIATE_TEST_SUITE_P(Engines, FailoverContract,
                         ::testing::Values(Target{&kPostgres, "aurora", "127.0.0.61"},
                                           Target{&kPostgres, "multi-az", "127.0.0.65"},
                                           Target{&kPostgres, "plain", "127.0.0.69"},
                                           Target{&kMariaDb, "multi-az", "127.0.0.81"},
                                           Target{&kMariaDb, "aurora", "127.0.0.201"},
                                           Target{&kMariaDb, "plain", "127.0.0.85"}),
                         [](const auto& param_info) { return param_info.param.id(); });

}  // namespace
}  // namespace awrap::internal
