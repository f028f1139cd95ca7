// read_write_splitting and the host selection strategies against real PostgreSQL 15 and
// MariaDB 10.11 clusters from the lab (aurora flavour: one writer, three readers), one suite for
// both engines. Which server ran a statement is asked of the server itself (its instance
// identifier), never taken from awrap.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "awrap/awrap.hpp"
#include "base/runtime.hpp"
#include "plugin/response_time/response_time_monitor.hpp"
#include "support/eventually.hpp"
#include "support/lab_cluster.hpp"

namespace awrap::internal {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::LabCluster;
using testing::LabFault;
using testing::LabOptions;

struct Engine {
  const char* name;    // "pg" or "mariadb"
  const char* prefix;  // cluster names: "<prefix>-<test>"
  const char* base;
};

void PrintTo(const Engine& engine, std::ostream* out) {
  *out << engine.name;
}

class ReadWriteSplitting : public ::testing::TestWithParam<Engine> {
 protected:
  void TearDown() override { cluster_.reset(); }

  bool pg() const { return std::string(GetParam().name) == "pg"; }

  // A fresh cluster of its own per test (a crash test must not leave the next one a broken
  // cluster); `tag` keeps host names, and so round-robin rotations, apart between tests.
  LabCluster& up(const std::string& tag) {
    LabOptions options;
    options.name = std::string(GetParam().prefix) + "-" + tag;
    options.engine = GetParam().name;
    options.flavour = "aurora";
    options.base = GetParam().base;
    options.nodes = 4;
    cluster_.emplace(LabCluster::up(options));
    return *cluster_;
  }

  std::string url() {
    auto status = cluster_->status();
    if (pg())
      return "host=" + status.cluster_endpoint +
             " port=5432 user=awrap password=awrap-lab-password dbname=awrap";
    return "mysql://awrap:awrap-lab-password@" + status.cluster_endpoint + ":3306/awrap";
  }

  Connection open(PropertyMap extra = {}) {
    PropertyMap p{{"wrapper_plugins",
                   "initial_connection,aurora_connection_tracker,read_write_splitting,failover,"
                   "host_monitoring"},
                  {"failover_timeout_sec", "30"},
                  {"connect_timeout", "3"},
                  {"cluster_topology_high_refresh_rate_ms", "50"},
                  {"topology_refresh_ms", "1000"},
                  {"monitor_disposal_time_ms", "500"},
                  {"cluster_endpoint_role", "writer"},
                  {"cluster_instance_host_pattern", cluster_->status().host_pattern}};
    for (auto& [k, v] : extra) p[k] = v;
    return Connection::open(url(), p);
  }

  // The instance that ran the statement, as the server names itself.
  std::string served_by(Connection& c) {
    return c
        .execute(pg() ? "SELECT pg_catalog.aurora_db_instance_identifier()"
                      : "SELECT @@aurora_server_id")
        .scalar<std::string>();
  }
  // The server session: the same value means the same login.
  std::string session_of(Connection& c) {
    return c
        .execute(pg() ? "SELECT pg_backend_pid()::text" : "SELECT CAST(CONNECTION_ID() AS CHAR)")
        .scalar<std::string>();
  }

  // Whether the server session `id` on `node` is gone within a few seconds (asked as admin).
  bool session_ends(const std::string& node, const std::string& id) {
    std::string sql = pg() ? "SELECT count(*) FROM pg_stat_activity WHERE pid = " + id
                           : "SELECT count(*) FROM information_schema.processlist WHERE id = " + id;
    return testing::eventually(
        [&] {
          std::string count = cluster_->sql(node, sql);
          while (!count.empty() && (count.back() == '\n' || count.back() == ' ')) count.pop_back();
          return count == "0";
        },
        5s);
  }

  std::vector<std::string> readers() {
    std::vector<std::string> out;
    for (const auto& n : cluster_->status().nodes)
      if (!n.is_writer()) out.push_back(n.name);
    return out;
  }

  // Opens `count` Connections one after another, moves each to a reader and asks who serves
  // it; keeps them open when `keep` is set (least_connections counts open connections).
  std::map<std::string, int> spread(int count, const PropertyMap& props, bool keep = false) {
    std::map<std::string, int> per_host;
    std::vector<Connection> kept;
    for (int i = 0; i < count; ++i) {
      auto c = open(props);
      EXPECT_EQ(served_by(c), cluster_->writer().name);
      c.set_read_only(true);
      ++per_host[served_by(c)];
      if (keep) kept.push_back(std::move(c));
    }
    return per_host;
  }

  std::optional<LabCluster> cluster_;
};

TEST_P(ReadWriteSplitting, ReadsLandOnReadersAndSpreadAsTheStrategyPromises) {
  up("spread");
  std::string writer = cluster_->writer().name;
  auto r = readers();
  ASSERT_EQ(r.size(), 3u);

  // round_robin, instance weights 3:1:1 by instance id: 15 switches = 3 whole rotations.
  auto rr = spread(15, {{"reader_host_selector_strategy", "round_robin"},
                        {"round_robin_host_weight_pairs", r[0] + ":3"}});
  EXPECT_EQ(rr.count(writer), 0u);
  EXPECT_EQ(rr[r[0]], 9);
  EXPECT_EQ(rr[r[1]], 3);
  EXPECT_EQ(rr[r[2]], 3);

  // least_connections with every Connection kept open: 9 spread 3, 3, 3.
  auto lc = spread(9, {{"reader_host_selector_strategy", "least_connections"}}, /*keep=*/true);
  EXPECT_EQ(lc.count(writer), 0u);
  for (const auto& name : r) EXPECT_EQ(lc[name], 3) << name;

  // weighted_random, 8:1:1: the heavy reader takes most, the writer none.
  auto wr = spread(40, {{"reader_host_selector_strategy", "weighted_random"},
                        {"weighted_random_host_weight_pairs", r[1] + ":8"}});
  EXPECT_EQ(wr.count(writer), 0u);
  EXPECT_GT(wr[r[1]], wr[r[0]] + wr[r[2]]) << wr[r[0]] << " " << wr[r[1]] << " " << wr[r[2]];

  // random (the default): every reader gets some of 30, the writer none.
  auto rnd = spread(30, {});
  EXPECT_EQ(rnd.count(writer), 0u);
  for (const auto& name : r) EXPECT_GT(rnd[name], 0) << name;

  // fastest_response: r[0] and r[2] get 60 ms more per round trip (the lab's latency fault), so
  // once the response times are measured every switch goes to r[1]. The first choice is at random
  // (nothing measured yet); measuring runs in the one monitor-loop thread, one session per reader.
  cluster_->add_latency(r[0], 60);
  cluster_->add_latency(r[2], 60);
  PropertyMap fastest{{"reader_host_selector_strategy", "fastest_response"},
                      {"response_measurement_interval_ms", "100"}};
  {
    // The first switch starts the monitors (its own choice is at random: nothing measured yet).
    // Once every reader's measuring session is open, the next check on it is timed at once.
    auto first = open(fastest);
    first.set_read_only(true);
    testing::eventually(
        [] { return response_time_stats(*internal::Runtime::process()).sessions >= 3; }, 5s, 20ms);
    ASSERT_EQ(response_time_stats(*internal::Runtime::process()).sessions, 3)
        << "the readers were not measured within 5 s";
    // A few intervals, so every reader has a figure: nothing shows how many readers have one
    // (ResponseTimeStats counts sessions, not measurements), so this wait stays a time.
    std::this_thread::sleep_for(300ms);
    auto fast = spread(8, fastest, /*keep=*/true);
    EXPECT_EQ(fast[r[1]], 8) << fast[r[0]] << " " << fast[r[1]] << " " << fast[r[2]];
    auto during = response_time_stats(*internal::Runtime::process());
    EXPECT_EQ(during.threads, 1);
    EXPECT_EQ(during.monitors, 3) << "one per reader, shared by every Connection";
    EXPECT_LE(during.sessions, 3);
  }
  // No Connection uses them any more: the monitors and their sessions go.
  testing::eventually(
      [] { return response_time_stats(*internal::Runtime::process()).monitors == 0; }, 5s, 20ms);
  EXPECT_EQ(response_time_stats(*internal::Runtime::process()).monitors, 0);
  EXPECT_EQ(response_time_stats(*internal::Runtime::process()).sessions, 0);
}

TEST_P(ReadWriteSplitting, SwitchingKeepsBothSessionsAndCarriesSessionState) {
  up("keep");
  std::string writer = cluster_->writer().name;
  auto c = open();
  std::string writer_session = session_of(c);
  // (Not serializable: a PostgreSQL standby refuses it.)
  c.set_isolation_level(IsolationLevel::kRepeatableRead);
  c.set_read_only(true);
  std::string reader = served_by(c);
  ASSERT_NE(reader, writer);
  std::string reader_session = session_of(c);
  auto isolation = c.execute(pg() ? "SHOW transaction_isolation" : "SELECT @@tx_isolation")
                       .scalar<std::string>();
  EXPECT_TRUE(isolation == "repeatable read" || isolation == "REPEATABLE-READ") << isolation;
  auto read_only =
      c.execute(pg() ? "SHOW transaction_read_only" : "SELECT CAST(@@tx_read_only AS CHAR)")
          .scalar<std::string>();
  EXPECT_TRUE(read_only == "on" || read_only == "ON" || read_only == "1") << read_only;

  // Twenty round trips writer -> reader -> writer: the same two sessions throughout.
  for (int i = 0; i < 20; ++i) {
    c.set_read_only(false);
    ASSERT_EQ(served_by(c), writer);
    ASSERT_EQ(session_of(c), writer_session) << "a new login on the writer at switch " << i;
    c.set_read_only(true);
    ASSERT_EQ(served_by(c), reader);
    ASSERT_EQ(session_of(c), reader_session) << "a new login on the reader at switch " << i;
  }
  // A statement prepared on one side is prepared on the other at its first use there, once.
  auto statement = c.prepare(pg() ? "SELECT $1::int + 1" : "SELECT ? + 1");
  for (int i = 0; i < 3; ++i) {
    c.set_read_only(false);
    EXPECT_EQ(c.execute(statement, {41}).scalar<std::int64_t>(), 42);
    c.set_read_only(true);
    EXPECT_EQ(c.execute(statement, {41}).scalar<std::int64_t>(), 42);
  }
  // A setting changed on the reader side reaches the writer's session when it switches back.
  c.set_isolation_level(IsolationLevel::kReadCommitted);
  c.set_read_only(false);
  isolation = c.execute(pg() ? "SHOW transaction_isolation" : "SELECT @@tx_isolation")
                  .scalar<std::string>();
  EXPECT_TRUE(isolation == "read committed" || isolation == "READ-COMMITTED") << isolation;
  c.execute("CREATE TABLE IF NOT EXISTS rws_probe (id int)");
  c.execute("INSERT INTO rws_probe VALUES (1)");

  // Autocommit off carried to the reader (PostgreSQL: awrap opens the transaction; MariaDB: the
  // server's own setting).
  c.set_autocommit(false);
  c.set_read_only(true);
  EXPECT_EQ(served_by(c), reader);
  if (pg()) {
    EXPECT_EQ(c.transaction_status(), TransactionStatus::kInTransaction);
  } else {
    auto autocommit = c.execute("SELECT CAST(@@autocommit AS CHAR)").scalar<std::string>();
    EXPECT_TRUE(autocommit == "0" || autocommit == "OFF") << autocommit;
  }
  c.commit();

  // close() ends both sessions: none is left behind on either server.
  c.close();
  EXPECT_TRUE(session_ends(writer, writer_session)) << "writer session " << writer_session;
  EXPECT_TRUE(session_ends(reader, reader_session)) << "reader session " << reader_session;
}

TEST_P(ReadWriteSplitting, SwitchingInsideATransactionIsAReadWriteSplittingError) {
  up("txn");
  std::string writer = cluster_->writer().name;
  auto c = open();
  c.begin();
  EXPECT_EQ(served_by(c), writer);
  EXPECT_THROW(c.set_read_only(true), ReadWriteSplittingError);
  EXPECT_EQ(served_by(c), writer);  // the transaction goes on where it was
  c.rollback();
  c.set_read_only(true);
  std::string reader = served_by(c);
  EXPECT_NE(reader, writer);
  c.begin();
  served_by(c);
  try {
    c.set_read_only(false);
    ADD_FAILURE() << "switched to the writer inside a transaction";
  } catch (const ReadWriteSplittingError& e) {
    EXPECT_EQ(e.sqlstate(), "25001");
    EXPECT_NE(std::string(e.what()).find("transaction"), std::string::npos) << e.what();
  }
  EXPECT_EQ(served_by(c), reader);
  c.commit();
  c.set_read_only(false);
  EXPECT_EQ(served_by(c), writer);
}

TEST_P(ReadWriteSplitting, AReaderThatCrashesUnderLoadMovesItsConnectionsToAnotherReader) {
  up("rcrash");
  std::string writer = cluster_->writer().name;
  std::vector<Connection> connections;
  std::map<std::string, int> on_reader;
  for (int i = 0; i < 4; ++i) {
    connections.push_back(open({{"reader_host_selector_strategy", "round_robin"}}));
    connections.back().set_read_only(true);
    ++on_reader[served_by(connections.back())];
  }
  std::string victim = on_reader.begin()->first;
  std::vector<std::string> started_on;
  for (auto& c : connections) started_on.push_back(served_by(c));

  // Under load: one thread per Connection reads without pause while the reader crashes.
  struct Tally {
    std::atomic<int> reads{0};      // (read by the test while the thread runs)
    std::atomic<int> failovers{0};  // FailoverSuccessError: the read was not applied, run again
    int on_writer = 0;              // reads the writer served
    int on_victim = 0;              // reads the crashed reader served after the failover
    int moved_off = 0;  // reads served elsewhere than where the Connection started, no failover
    std::string error;  // anything else ends the thread
  };
  std::vector<Tally> tallies(connections.size());
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < connections.size(); ++i)
    threads.emplace_back([&, i] {
      Tally& t = tallies[i];
      while (!stop) {
        try {
          std::string who = served_by(connections[i]);
          ++t.reads;
          if (who == writer) ++t.on_writer;
          if (t.failovers > 0 && who == victim) ++t.on_victim;
          if (t.failovers == 0 && who != started_on[i]) ++t.moved_off;
        } catch (const FailoverSuccessError&) {
          ++t.failovers;
        } catch (const std::exception& e) {
          t.error = e.what();
          return;
        }
      }
    });
  // Under load: the crash strikes once every connection is reading...
  EXPECT_TRUE(testing::eventually(
      [&] {
        return std::all_of(tallies.begin(), tallies.end(),
                           [](const Tally& t) { return t.reads >= 5; });
      },
      10s, 10ms))
      << "the readers never got going";
  std::vector<int> reads_at_crash;
  for (const auto& t : tallies) reads_at_crash.push_back(t.reads);
  cluster_->fault(victim, LabFault::kCrash);
  // ...and the load goes on until the victim's connections have failed over and every
  // connection has read ten more times since the crash.
  EXPECT_TRUE(testing::eventually(
      [&] {
        for (std::size_t i = 0; i < tallies.size(); ++i) {
          if (started_on[i] == victim && tallies[i].failovers == 0) return false;
          if (tallies[i].reads < reads_at_crash[i] + 10) return false;
        }
        return true;
      },
      10s, 10ms))
      << "the connections did not all read on after the crash";
  stop = true;
  for (auto& t : threads) t.join();
  for (std::size_t i = 0; i < connections.size(); ++i) {
    const Tally& t = tallies[i];
    SCOPED_TRACE("connection " + std::to_string(i) + " started on " + started_on[i]);
    EXPECT_EQ(t.error, "");
    EXPECT_GT(t.reads.load(), 10);
    EXPECT_EQ(t.on_writer, 0) << "another reader was available";
    EXPECT_EQ(t.on_victim, 0);
    EXPECT_EQ(t.moved_off, 0);
    EXPECT_EQ(t.failovers.load(), started_on[i] == victim ? 1 : 0);
    std::string now = served_by(connections[i]);
    EXPECT_NE(now, victim);
    EXPECT_NE(now, writer);
  }
  // Back to the writer and to a reader again: both work after the failover.
  for (auto& c : connections) {
    c.set_read_only(false);
    EXPECT_EQ(served_by(c), writer);
    c.set_read_only(true);
    EXPECT_NE(served_by(c), victim);
  }
}

TEST_P(ReadWriteSplitting, AWriterThatCrashesWhileSplitLeavesReadsRunningAndSwitchesToTheNewOne) {
  up("wcrash");
  std::string old_writer = cluster_->writer().name;
  auto c = open();
  c.execute("CREATE TABLE IF NOT EXISTS rws_probe (id int)");
  c.set_read_only(true);
  std::string reader = served_by(c);
  cluster_->fault(old_writer, LabFault::kCrash);
  // Reads on the reader go on while the writer is down (unless the lab promotes this reader,
  // which still answers them).
  for (int i = 0; i < 5; ++i) EXPECT_EQ(served_by(c), reader);
  auto status = cluster_->failover();
  std::string new_writer = status.writer;
  ASSERT_NE(new_writer, old_writer);

  // Back to the writer: the new one, once the topology names it; a switch attempted before
  // that fails with ReadWriteSplittingError, or lands on the dead writer and fails over.
  auto deadline = Clock::now() + 60s;
  std::string serving;
  while (Clock::now() < deadline) {
    try {
      c.set_read_only(false);
      serving = served_by(c);
      if (serving == new_writer) break;
    } catch (const ReadWriteSplittingError&) {
    } catch (const FailoverSuccessError&) {
    }
    std::this_thread::sleep_for(200ms);
  }
  ASSERT_EQ(serving, new_writer);
  c.execute("INSERT INTO rws_probe VALUES (2)");
  c.set_read_only(true);
  EXPECT_NE(served_by(c), new_writer);
}

TEST_P(ReadWriteSplitting, OnASingleInstanceTheConnectionStaysOnTheOneHost) {
  const char* conninfo =
      std::getenv(pg() ? "AWRAP_TEST_PG_CONNINFO" : "AWRAP_TEST_MARIADB_CONNINFO");
  ASSERT_NE(conninfo, nullptr) << "run through ctest (lab_single fixture)";
  auto c = Connection::open(conninfo, {{"wrapper_plugins", "read_write_splitting,failover"}});
  std::string session = session_of(c);
  c.set_read_only(true);
  EXPECT_EQ(session_of(c), session);
  auto read_only =
      c.execute(pg() ? "SHOW transaction_read_only" : "SELECT CAST(@@tx_read_only AS CHAR)")
          .scalar<std::string>();
  EXPECT_TRUE(read_only == "on" || read_only == "ON" || read_only == "1") << read_only;
  c.set_read_only(false);
  EXPECT_EQ(session_of(c), session);
}

INSTANTIATE_TEST_SUITE_P(Engines, ReadWriteSplitting,
                         ::testing::Values(Engine{"pg", "rws-pg", "127.0.0.221"},
                                           Engine{"mariadb", "rws-my", "127.0.0.231"}),
                         [](const auto& test) { return std::string(test.param.name); });

}  // namespace
}  // namespace awrap::internal
