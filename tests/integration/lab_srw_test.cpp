// The srw plugin (simple read/write splitting) against real PostgreSQL 15 and MariaDB 10.11
// primary/replica clusters from the lab, one suite for both engines: srw_write_endpoint names
// the primary, srw_read_endpoint a replica. Each node says where a statement ran (its address /
// server_id), and the servers' own session lists say which sessions exist and what the writer's
// session last ran, so "the writer received none of the reads" is the server's word, not ours.
// Faults are real (SIGKILL of a replica). The behaviour checked: docs/plugins.md, section
// "srw: simple read/write splitting".
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "awrap/awrap.hpp"
#include "support/eventually.hpp"
#include "support/lab_cluster.hpp"
#include "support/log_capture.hpp"
#include "support/thread_count.hpp"

namespace awrap::internal {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::LabCluster;
using testing::LabFault;
using testing::LabOptions;

long long ms_since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

struct Engine {
  const char* name;     // "pg" or "mariadb"
  const char* cluster;  // lab cluster name
  const char* base;     // instance-1's address (docs/lab.md: reserved for these tests)
};
void PrintTo(const Engine& engine, std::ostream* out) {
  *out << engine.name;
}

class LabSrw : public ::testing::TestWithParam<Engine> {
 protected:
  static void TearDownTestSuite() { clusters().clear(); }

  void SetUp() override {
    threads_before_ = testing::process_thread_count();
    auto& slot = clusters()[GetParam().name];
    if (!slot) {
      LabOptions options;
      options.name = GetParam().cluster;
      options.engine = GetParam().name;
      options.nodes = 3;
      options.base = GetParam().base;
      slot.emplace(LabCluster::up(options));
    }
    // A test that crashed a node: bring it back as the reader it was.
    for (const auto& node : cluster().status().nodes)
      if (!node.is_running()) cluster().heal(node.name);
    ASSERT_EQ(cluster().writer().name, "instance-1");
    for (const auto& node : cluster().status().nodes) {
      if (pg()) continue;
      std::string id = cluster().sql(node.name, "SELECT @@server_id");
      id.erase(id.find_last_not_of(" \n\r\t") + 1);
      server_ids_[id] = node.name;
    }
  }

  void TearDown() override {
    // Every thread (failover's topology monitor) and every session the test opened is gone.
    EXPECT_EQ(testing::wait_for_thread_count(threads_before_), threads_before_);
    for (const auto& node : cluster().status().nodes)
      if (node.is_running()) {
        EXPECT_EQ(settled_sessions_on(node.name, 0), 0) << node.name;
      }
  }

  static std::map<std::string, std::optional<LabCluster>>& clusters() {
    static std::map<std::string, std::optional<LabCluster>> all;
    return all;
  }
  LabCluster& cluster() { return *clusters()[GetParam().name]; }
  bool pg() const { return std::string(GetParam().name) == "pg"; }

  std::string endpoint(std::string_view node) {
    return cluster().node(node).host + (pg() ? ":5432" : ":3306");
  }
  // The node's address, or `host` (e.g. its host name) instead.
  std::string conninfo_for(std::string_view node, std::string host = {}) {
    if (host.empty()) host = cluster().node(node).host;
    if (pg())
      return "host=" + host +
             " port=5432 user=awrap password=awrap-lab-password dbname=awrap "
             "application_name=srw-lab";
    return "mysql://awrap:awrap-lab-password@" + host + ":3306/awrap";
  }
  // host list: every node (what the failover plugin needs to know the plain cluster).
  std::string conninfo_all() {
    std::string hosts;
    for (const auto& n : cluster().status().nodes)
      hosts += (hosts.empty() ? "" : ",") + n.host + (pg() ? "" : ":3306");
    if (pg())
      return "host=" + hosts +
             " port=5432 user=awrap password=awrap-lab-password dbname=awrap "
             "application_name=srw-lab";
    return "mysql://awrap:awrap-lab-password@" + hosts + "/awrap";
  }
  PropertyMap srw_props(PropertyMap extra = {}) {
    PropertyMap p{{"wrapper_plugins", "srw"},
                  {"srw_write_endpoint", endpoint("instance-1")},
                  {"srw_read_endpoint", endpoint("instance-2")},
                  {"connect_timeout", "2"}};
    for (auto& [k, v] : extra) p[k] = v;
    return p;
  }
  Connection open(PropertyMap extra = {}, std::string_view node = "instance-1") {
    return Connection::open(conninfo_for(node), srw_props(std::move(extra)));
  }

  // Which node ran the statement, by its own word.
  std::string where(Connection& conn) {
    if (pg()) {
      std::string address = conn.execute("SELECT host(inet_server_addr())").scalar<std::string>();
      for (const auto& n : cluster().status().nodes)
        if (n.host == address) return n.name;
      return "unknown " + address;
    }
    auto id = conn.execute("SELECT @@server_id").scalar<std::string>();
    auto it = server_ids_.find(id);
    return it == server_ids_.end() ? "unknown " + id : it->second;
  }
  std::int64_t session_id(Connection& conn) {
    return conn.execute(pg() ? "SELECT pg_backend_pid()" : "SELECT CONNECTION_ID()")
        .scalar<std::int64_t>();
  }
  // Sessions of this test's client on a node, from the server's own list.
  int sessions_on(std::string_view node) {
    std::string sql =
        pg() ? "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'srw-lab'"
             : "SELECT count(*) FROM information_schema.PROCESSLIST WHERE USER = 'awrap' AND "
               "COMMAND NOT LIKE 'Binlog Dump%'";
    return std::stoi(cluster().sql(node, sql));
  }
  // The server ends a session a moment after the client said goodbye: waits (5 s at most) for
  // the count to come down to `expected`, and returns the last count seen.
  int settled_sessions_on(std::string_view node, int expected) {
    int count = sessions_on(node);
    testing::eventually(
        [&] {
          count = sessions_on(node);
          return count <= expected;
        },
        5s);
    return count;
  }
  // PostgreSQL: the statement the writer's session of this client ran last.
  std::string last_statement_on(std::string_view node) {
    std::string query = cluster().sql(
        node, "SELECT query FROM pg_stat_activity WHERE application_name = 'srw-lab'");
    query.erase(query.find_last_not_of("\n") + 1);
    return query;
  }
  // MariaDB: SELECTs the node ran, all clients together.
  long selects_on(std::string_view node) {
    auto rows = cluster().sql_rows(node, "SHOW GLOBAL STATUS LIKE 'Com_select'");
    return std::stol(rows.at(0).at(1));
  }

  std::map<std::string, std::string> server_ids_;  // MariaDB @@server_id -> node
  int threads_before_ = 0;
};

TEST_P(LabSrw, ReadOnlyWorkLandsOnTheReaderAndTheWriterGetsNone) {
  Connection conn = open();
  ASSERT_EQ(where(conn), "instance-1");
  std::int64_t writer_session = session_id(conn);
  conn.execute("SELECT 'last statement on the writer'");
  const long writer_selects_before = pg() ? 0 : selects_on("instance-1");

  constexpr int kSwitches = 20;
  constexpr int kReadsPerSwitch = 10;
  std::optional<std::int64_t> reader_session;
  for (int s = 0; s < kSwitches; ++s) {
    conn.set_read_only(true);
    for (int i = 0; i < kReadsPerSwitch; ++i) ASSERT_EQ(where(conn), "instance-2");
    std::int64_t id = session_id(conn);
    if (reader_session) {
      EXPECT_EQ(id, *reader_session) << "a new reader login at switch " << s;
    }
    reader_session = id;
    conn.set_read_only(false);
  }
  // The servers' own view: one session each (switching logged in nowhere again), and the
  // writer's session ran nothing after the statement before the reads.
  EXPECT_EQ(sessions_on("instance-1"), 1);
  EXPECT_EQ(sessions_on("instance-2"), 1);
  EXPECT_EQ(sessions_on("instance-3"), 0);
  if (pg()) {
    EXPECT_EQ(last_statement_on("instance-1"), "SELECT 'last statement on the writer'");
  } else {
    // kSwitches * (kReadsPerSwitch + 1) SELECTs ran on the reader; the writer ran none of them
    // (the lab's admin client may add one or two of its own).
    EXPECT_LE(selects_on("instance-1") - writer_selects_before, 2);
  }
  // What a switch costs once both sessions exist: nothing is sent (figure printed, not asserted).
  constexpr int kRoundTrips = 500;
  auto start = Clock::now();
  for (int i = 0; i < kRoundTrips; ++i) {
    conn.set_read_only(true);
    conn.set_read_only(false);
  }
  auto per_round_trip_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count() /
      kRoundTrips;
  std::cout << "[ figures ] " << GetParam().name
            << ": set_read_only(true) + set_read_only(false) with kept connections: "
            << per_round_trip_ns << " ns per round trip (" << kRoundTrips << " round trips)\n";
  if (pg()) {
    EXPECT_EQ(last_statement_on("instance-1"), "SELECT 'last statement on the writer'");
  }
  // Back on the writer: its session, writable.
  EXPECT_EQ(session_id(conn), writer_session);
  conn.execute("CREATE TABLE IF NOT EXISTS srw_lab(id INT)");
  conn.execute("INSERT INTO srw_lab VALUES (1)");
  conn.execute("DROP TABLE srw_lab");
  conn.close();
}

TEST_P(LabSrw, ReadOnlySessionOnTheReaderRefusesWrites) {
  Connection conn = open();
  conn.set_read_only(true);
  EXPECT_THROW(conn.execute("CREATE TABLE srw_never(id INT)"), ReadOnlyViolationError);
  conn.set_read_only(false);
  EXPECT_EQ(where(conn), "instance-1");
}

TEST_P(LabSrw, SwitchingInsideATransactionIsAReadWriteSplittingError) {
  Connection conn = open();
  conn.begin();
  conn.execute("SELECT 1");
  EXPECT_THROW(conn.set_read_only(true), ReadWriteSplittingError);
  EXPECT_EQ(where(conn), "instance-1");  // still in the same transaction, same server
  conn.rollback();

  conn.set_read_only(true);
  conn.begin();
  conn.execute("SELECT 1");
  try {
    conn.set_read_only(false);
    FAIL() << "switched to the writer inside a transaction";
  } catch (const ReadWriteSplittingError& e) {
    EXPECT_EQ(e.sqlstate(), "25001");
    EXPECT_NE(std::string(e.what()).find("commit or roll back first"), std::string::npos);
  }
  EXPECT_EQ(where(conn), "instance-2");
  conn.commit();
  conn.set_read_only(false);
  EXPECT_EQ(where(conn), "instance-1");
}

TEST_P(LabSrw, VerificationRejectsAWrongRoleEndpointWithinTheRetryTimeout) {
  testing::LogCapture log(LogLevel::kWarning);  // the fallback is logged, not thrown
  // The "read" endpoint is the primary (by its address; the application and the write
  // endpoint name it by its host name): every connection it gives is refused for its role, and
  // after srw_connect_retry_timeout_ms the reads stay on the current writer connection (the AWS
  // wrappers' fallback), read-only.
  const std::string primary_name = cluster().node("instance-1").hostname;
  Connection conn =
      Connection::open(conninfo_for("instance-1", primary_name),
                       srw_props({{"srw_read_endpoint", endpoint("instance-1")},
                                  {"srw_write_endpoint", primary_name + (pg() ? ":5432" : ":3306")},
                                  {"srw_connect_retry_timeout_ms", "1500"},
                                  {"srw_connect_retry_interval_ms", "100"}}));
  auto start = Clock::now();
  conn.set_read_only(true);
  long long took = ms_since(start);
  std::cout << "[ figures ] " << GetParam().name << ": wrong-role reader rejected in " << took
            << " ms (srw_connect_retry_timeout_ms=1500)\n";
  EXPECT_GE(took, 1500);
  EXPECT_LT(took, 1500 + 3000);  // generous: a busy 2-core machine
  EXPECT_TRUE(log.saw("no reader available at srw_read_endpoint=" + endpoint("instance-1")));
  EXPECT_TRUE(log.saw("is the writer, not a reader"));
  EXPECT_EQ(where(conn), "instance-1");
  EXPECT_TRUE(conn.read_only());
  // Only the application's own session is left on the primary: each rejected one was closed.
  EXPECT_EQ(settled_sessions_on("instance-1", 1), 1);
  conn.close();

  // The "write" endpoint is a replica: switching there fails, with the reason, within the time.
  Connection on_reader = open({{"srw_read_endpoint", endpoint("instance-2")},
                               {"srw_write_endpoint", endpoint("instance-3")},
                               {"srw_connect_retry_timeout_ms", "1500"},
                               {"srw_connect_retry_interval_ms", "100"}},
                              "instance-2");
  on_reader.set_read_only(true);
  start = Clock::now();
  try {
    on_reader.set_read_only(false);
    FAIL() << "switched to a replica as the writer";
  } catch (const ReadWriteSplittingError& e) {
    took = ms_since(start);
    std::string message = e.what();
    EXPECT_NE(message.find("srw_write_endpoint=" + endpoint("instance-3")), std::string::npos)
        << message;
    EXPECT_NE(message.find("srw_connect_retry_timeout_ms=1500"), std::string::npos) << message;
    EXPECT_NE(message.find("a reader, not the writer"), std::string::npos) << message;
  }
  EXPECT_GE(took, 1500);
  EXPECT_LT(took, 1500 + 3000);
  EXPECT_EQ(where(on_reader), "instance-2");
  EXPECT_EQ(settled_sessions_on("instance-3", 0), 0);
}

TEST_P(LabSrw, VerifiedInitialConnectionRetriesThenContinuesUnverified) {
  testing::LogCapture log(LogLevel::kWarning);  // the fallback is logged, not thrown
  auto start = Clock::now();
  Connection conn = open(
      {{"srw_verify_initial_connection_type", "writer"}, {"srw_connect_retry_timeout_ms", "1000"}},
      "instance-2");
  long long took = ms_since(start);
  EXPECT_GE(took, 1000);
  EXPECT_LT(took, 1000 + 3000);
  EXPECT_TRUE(log.saw("no writer verified at"));
  EXPECT_EQ(where(conn), "instance-2");

  start = Clock::now();
  Connection verified = open({{"srw_verify_initial_connection_type", "writer"}});
  EXPECT_LT(ms_since(start), 1000);
  EXPECT_EQ(where(verified), "instance-1");
}

TEST_P(LabSrw, WithoutVerificationTheEndpointsAreTrusted) {
  // A wrong-role read endpoint is used as given: the role is the application's business.
  Connection conn = open({{"srw_read_endpoint", endpoint("instance-3")},
                          {"srw_write_endpoint", endpoint("instance-1")},
                          {"srw_verify_new_connections", "false"}});
  conn.set_read_only(true);
  EXPECT_EQ(where(conn), "instance-3");
}

TEST_P(LabSrw, ACrashedReaderGivesAClearErrorAndTheWriterStaysUsable) {
  testing::LogCapture log(LogLevel::kWarning);  // the fallback is logged, not thrown
  Connection conn = open({{"srw_connect_retry_timeout_ms", "1000"}});
  conn.set_read_only(true);
  ASSERT_EQ(where(conn), "instance-2");
  cluster().fault("instance-2", LabFault::kCrash);
  try {
    conn.execute("SELECT 1");
    FAIL() << "a read on a crashed reader succeeded";
  } catch (const ConnectionLostError& e) {
    std::string message = e.what();
    EXPECT_NE(message.find("reader connection (srw_read_endpoint=" + endpoint("instance-2") +
                           ") was lost"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("set_read_only(false) returns to the writer"), std::string::npos);
  }
  // Back to the kept writer connection: no login, works.
  conn.set_read_only(false);
  EXPECT_EQ(where(conn), "instance-1");
  // The reader is still down: the reads go to the writer, read-only, with a warning.
  auto start = Clock::now();
  conn.set_read_only(true);
  EXPECT_LT(ms_since(start), 1000 + 3000);
  EXPECT_TRUE(log.saw("no reader available"));
  EXPECT_EQ(where(conn), "instance-1");
  // The reader comes back: the next switch finds it.
  conn.set_read_only(false);
  cluster().heal("instance-2");
  conn.set_read_only(true);
  EXPECT_EQ(where(conn), "instance-2");
  conn.close();
}

// With the failover plugin a lost reader ends in one of the three failover outcomes, as every
// lost connection does: the plain cluster's hosts are all in the connection string, so failover
// knows where the writer is.
TEST_P(LabSrw, WithFailoverACrashedReaderEndsInTheThreeOutcomes) {
  PropertyMap props = srw_props({{"wrapper_plugins", "srw,failover"},
                                 {"failover_timeout_sec", "10"},
                                 {"cluster_topology_high_refresh_rate_ms", "50"},
                                 {"topology_refresh_ms", "1000"},
                                 {"srw_connect_retry_timeout_ms", "1000"}});
  {
    // 1. A read in autocommit: not applied, run it again, on a healthy host (failover moves a
    // read-only Connection to another reader when there is one, else to the writer).
    Connection conn = Connection::open(conninfo_all(), props);
    conn.set_read_only(true);
    ASSERT_EQ(where(conn), "instance-2");
    cluster().fault("instance-2", LabFault::kCrash);
    EXPECT_THROW(conn.execute("SELECT 1"), FailoverSuccessError);
    EXPECT_NE(where(conn), "instance-2");
    EXPECT_TRUE(conn.read_only());  // the session setting survived the move
    // Splitting continues: back to the writer, then to the reader once it returns.
    conn.set_read_only(false);
    EXPECT_EQ(where(conn), "instance-1");
    conn.execute("CREATE TABLE IF NOT EXISTS srw_after_failover(id INT)");
    conn.execute("DROP TABLE srw_after_failover");
    cluster().heal("instance-2");
    conn.set_read_only(true);
    EXPECT_EQ(where(conn), "instance-2");
  }
  {
    // 2. Inside a transaction: the outcome is unknown to awrap, and said so.
    Connection conn = Connection::open(conninfo_all(), props);
    conn.set_read_only(true);
    ASSERT_EQ(where(conn), "instance-2");
    conn.begin();
    conn.execute("SELECT 1");
    cluster().fault("instance-2", LabFault::kCrash);
    EXPECT_THROW(conn.execute("SELECT 1"), TransactionResolutionUnknownError);
    EXPECT_NE(where(conn), "instance-2");
    cluster().heal("instance-2");
  }
  {
    // 3. No fitting host in time (strict_reader, both readers down): FailoverFailedError, and
    // the Connection is closed.
    PropertyMap strict = props;
    strict["failover_mode"] = "strict_reader";
    strict["failover_timeout_sec"] = "3";
    Connection conn = Connection::open(conninfo_all(), strict);
    conn.set_read_only(true);
    ASSERT_EQ(where(conn), "instance-2");
    cluster().fault("instance-3", LabFault::kCrash);
    cluster().fault("instance-2", LabFault::kCrash);
    auto start = Clock::now();
    EXPECT_THROW(conn.execute("SELECT 1"), FailoverFailedError);
    long long took = ms_since(start);
    std::cout << "[ figures ] " << GetParam().name << ": FailoverFailedError after " << took
              << " ms (failover_timeout_sec=3)\n";
    EXPECT_LT(took, 3000 + 3000);
    EXPECT_TRUE(conn.is_closed());
    cluster().heal("instance-2");
    cluster().heal("instance-3");
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, LabSrw,
                         ::testing::Values(Engine{"pg", "srw-pg", "127.0.3.11"},
                                           Engine{"mariadb", "srw-maria", "127.0.3.21"}),
                         [](const auto& test) { return std::string(test.param.name); });

}  // namespace
}  // namespace awrap::internal
