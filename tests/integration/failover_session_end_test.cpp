// Defect 7 of issue 12: one session's problem marks no host down. The application's session on
// a healthy writer is ended by the server (pg_terminate_backend on PostgreSQL, KILL on MariaDB)
// in the middle of a query. The call fails over as any lost connection does, but the host is not
// marked unavailable for the other Connections of the process and no cluster-wide probe round
// starts: the writer is tried first, directly, and the Connection stays on it. One suite for both
// engines (plain primary/replica lab clusters of their own: 127.0.0.196-197 PostgreSQL,
// 127.0.0.206-207 MariaDB).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "awrap/awrap.hpp"
#include "base/runtime.hpp"
#include "core/connection_impl.hpp"
#include "core/host_availability.hpp"
#include "support/eventually.hpp"
#include "support/lab_cluster.hpp"
#include "support/server_activity.hpp"

namespace awrap::internal::testing {
namespace {

using namespace std::chrono_literals;

struct EngineCase {
  const char* engine;
  const char* base;
  int port;
};

void PrintTo(const EngineCase& engine_case, std::ostream* out) {
  *out << engine_case.engine;
}

class SessionEnd : public ::testing::TestWithParam<EngineCase> {
 protected:
  void SetUp() override {
    cluster_.emplace(LabCluster::up({.name = std::string("sess-end-") + GetParam().engine,
                                     .engine = GetParam().engine,
                                     .flavour = "plain",
                                     .nodes = 2,
                                     .base = GetParam().base}));
    internal::Runtime::process()->get<HostAvailabilityRegistry>().clear();
  }
  void TearDown() override {
    cluster_.reset();
    internal::Runtime::process()->get<HostAvailabilityRegistry>().clear();
  }
  bool pg() const { return std::string(GetParam().engine) == "pg"; }

  std::string url() const {
    std::string hosts;
    for (const auto& n : cluster_->status().nodes)
      hosts += (hosts.empty() ? "" : ",") + n.host + (pg() ? "" : ":3306");
    if (pg())
      return "host=" + hosts + " port=5432 user=awrap password=awrap-lab-password dbname=awrap";
    return "mysql://awrap:awrap-lab-password@" + hosts + "/awrap";
  }

  Connection open() const {
    return Connection::open(url(), {{"failover_timeout_sec", "20"},
                                    {"connect_timeout", "3"},
                                    {"topology_refresh_ms", "1000"},
                                    {"cluster_topology_high_refresh_rate_ms", "50"},
                                    {"monitor_disposal_time_ms", "500"}});
  }
  // Waits (5 s at most) until `node` shows session `id` running a sleep.
  bool statement_running(const std::string& node, const std::string& id) const {
    const std::string sql = statement_running_sql(pg(), std::stoll(id), "sleep");
    return eventually([&] { return cluster_->sql(node, sql).starts_with("1"); }, 5s);
  }
  HostInfo writer_host() const {
    HostInfo host;
    host.host = cluster_->writer().host;
    host.port = GetParam().port;
    return host;
  }

  std::optional<LabCluster> cluster_;
};

// The most threads a topology monitor ran while this object lived: more than one means probers,
// that is a cluster-wide probe round.
class ProbeRoundWatch {
 public:
  explicit ProbeRoundWatch(std::shared_ptr<TopologyMonitor> monitor)
      : monitor_(std::move(monitor)), thread_([this] {
          while (!done_) {
            most_ = std::max(most_.load(), monitor_->running_threads());
            std::this_thread::sleep_for(5ms);  // a sampling rate: probers live for seconds
          }
        }) {}
  ~ProbeRoundWatch() { stop(); }
  ProbeRoundWatch(const ProbeRoundWatch&) = delete;
  ProbeRoundWatch& operator=(const ProbeRoundWatch&) = delete;
  int most_threads() {
    stop();
    return most_;
  }

 private:
  void stop() {
    done_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::shared_ptr<TopologyMonitor> monitor_;
  std::atomic<bool> done_{false};
  std::atomic<int> most_{0};
  std::thread thread_;
};

TEST_P(SessionEnd, TerminatedSessionMarksNoHostDownAndStartsNoProbeRound) {
  const LabNode writer = cluster_->writer();
  // What awrap told: why the failover started, and how it ended (on this thread, in the call).
  std::vector<FailoverStartedEvent> failovers_started;
  std::vector<FailoverEvent> failovers_ended;
  ConnectionEvents events;
  events.on_failover_started = [&](const FailoverStartedEvent& e) {
    failovers_started.push_back(e);
  };
  events.on_failover = [&](const FailoverEvent& e) { failovers_ended.push_back(e); };
  Connection c = Connection::open(url(),
                                  {{"failover_timeout_sec", "20"},
                                   {"connect_timeout", "3"},
                                   {"topology_refresh_ms", "1000"},
                                   {"cluster_topology_high_refresh_rate_ms", "50"},
                                   {"monitor_disposal_time_ms", "500"}},
                                  events);
  const std::string session =
      c.execute(pg() ? "SELECT pg_backend_pid()::text" : "SELECT CONNECTION_ID()")
          .scalar<std::string>();
  auto monitor = ConnectionAccess::impl(c).cluster_monitor();
  ASSERT_NE(monitor, nullptr) << "a two-host cluster has a topology monitor";

  ProbeRoundWatch watch(monitor);
  // The server ends the session while it runs the statement (shown running), not before.
  bool was_running = false;
  std::thread terminator([&] {
    was_running = statement_running(writer.name, session);
    cluster_->sql(writer.name,
                  pg() ? "SELECT pg_terminate_backend(" + session + ")" : "KILL " + session);
  });
  const auto started = std::chrono::steady_clock::now();
  std::string outcome = "no error";
  try {
    c.execute(pg() ? "SELECT pg_sleep(5)" : "SELECT SLEEP(5)");
  } catch (const Error& e) {
    outcome = std::string(error_class_name(e)) + " (" + e.sqlstate() + "/" +
              std::to_string(e.native_code()) + "): " + e.what();
  }
  const auto took_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now() - started)
                           .count();
  terminator.join();
  EXPECT_TRUE(was_running) << "the writer never showed the statement running";
  // The session is gone, so the statement's outcome was reported as for any lost connection
  // (a read: not applied, run it again).
  EXPECT_EQ(outcome.rfind("FailoverSuccessError", 0), 0u) << outcome;
  EXPECT_EQ(c.execute("SELECT 1").scalar<int64_t>(), 1);
  const int most_threads = watch.most_threads();

  HostInfo host;
  host.host = writer.host;
  host.port = GetParam().port;
  EXPECT_EQ(internal::Runtime::process()->get<HostAvailabilityRegistry>().get(host),
            HostAvailability::kAvailable)
      << "one session's end marked the writer down for the whole process";
  EXPECT_EQ(ConnectionAccess::impl(c).current_host().host, writer.host)
      << "the connection left a healthy writer";
  EXPECT_EQ(most_threads, 1) << "a cluster-wide probe round started (probers ran)";
  std::cout << "[ session end ] " << GetParam().engine << ": " << outcome.substr(0, 60)
            << "... after " << took_ms << " ms; topology threads at most " << most_threads << "\n";
  ASSERT_EQ(failovers_started.size(), 1u) << "one failover";
  ASSERT_EQ(failovers_ended.size(), 1u);
  const FailoverEvent& ended = failovers_ended.front();
  EXPECT_EQ(ended.result, FailoverResult::kSuccess);
  EXPECT_EQ(ended.from.host, writer.host);
  ASSERT_TRUE(ended.to.has_value());
  EXPECT_EQ(ended.to->host, writer.host) << "back on the same, healthy writer";
  std::cout << "[ session end ] " << GetParam().engine << ": failover started after "
            << failovers_started.front().reason << "; ended in " << ended.duration.count()
            << " ms\n";
  c.close();
}

// A statement timeout, a cancel and an idle-session timeout are one session's affair: each is
// reported as what it is, and none marks the host down, starts a probe round or moves the
// Connection off a healthy writer.
TEST_P(SessionEnd, StatementTimeoutCancelAndIdleTimeoutMarkNoHostDown) {
  Connection c = open();
  auto monitor = ConnectionAccess::impl(c).cluster_monitor();
  ASSERT_NE(monitor, nullptr);
  ProbeRoundWatch watch(monitor);
  const std::string writer = cluster_->writer().host;

  // Statement timeout, set by the application in SQL.
  c.execute(pg() ? "SET statement_timeout = 200" : "SET SESSION max_statement_time = 0.2");
  // (MariaDB ends BENCHMARK() quietly at max_statement_time, SLEEP() with error 1969.)
  EXPECT_THROW(c.execute(pg() ? "SELECT pg_sleep(3)" : "SELECT SLEEP(3)"), QueryError);
  c.execute(pg() ? "SET statement_timeout = 0" : "SET SESSION max_statement_time = 0");
  EXPECT_EQ(ConnectionAccess::impl(c).current_host().host, writer) << "after a statement timeout";

  // A cancel from another thread.
  const std::string id =
      c.execute(pg() ? "SELECT pg_backend_pid()::text" : "SELECT CONNECTION_ID()")
          .scalar<std::string>();
  bool was_running = false;
  std::thread canceller([&] {
    was_running = statement_running(cluster_->writer().name, id);
    c.cancel();
  });
  EXPECT_THROW(c.execute(pg() ? "SELECT pg_sleep(5)" : "SELECT SLEEP(5)"), QueryCancelledError);
  canceller.join();
  EXPECT_TRUE(was_running) << "the cancel did not strike during the statement";
  EXPECT_EQ(ConnectionAccess::impl(c).current_host().host, writer) << "after a cancel";

  // The server ends the idle session (PostgreSQL 57P05; MariaDB closes it after wait_timeout).
  const std::string session =
      c.execute(pg() ? "SELECT pg_backend_pid()::text" : "SELECT CONNECTION_ID()")
          .scalar<std::string>();
  c.execute(pg() ? "SET idle_session_timeout = 300" : "SET SESSION wait_timeout = 1");
  ASSERT_TRUE(eventually(
      [&] {
        return cluster_
                   ->sql_rows(cluster_->writer().name,
                              pg() ? "SELECT count(*) FROM pg_stat_activity WHERE pid = " + session
                                   : "SELECT COUNT(*) FROM information_schema.processlist "
                                     "WHERE id = " +
                                         session)
                   .at(0)
                   .at(0) == "0";
      },
      10s))
      << "the server did not end the idle session";
  std::string outcome = "no error";
  try {
    c.execute("SELECT 1");
  } catch (const Error& e) {
    outcome = std::string(error_class_name(e)) + ": " + e.what();
  }
  // A read on a lost session: reported as any lost connection is (not applied, run it again).
  EXPECT_EQ(outcome.rfind("FailoverSuccessError", 0), 0u) << outcome;
  c.execute(pg() ? "SET idle_session_timeout = 0" : "SET SESSION wait_timeout = 28800");
  EXPECT_EQ(c.execute("SELECT 1").scalar<int64_t>(), 1);
  EXPECT_EQ(ConnectionAccess::impl(c).current_host().host, writer) << "after an idle timeout";

  EXPECT_EQ(internal::Runtime::process()->get<HostAvailabilityRegistry>().get(writer_host()),
            HostAvailability::kAvailable)
      << "one session's problem marked the writer down for the whole process";
  EXPECT_EQ(watch.most_threads(), 1) << "a cluster-wide probe round started (probers ran)";
  std::cout << "[ session end ] " << GetParam().engine << " idle timeout: " << outcome.substr(0, 80)
            << "\n";
  c.close();
}

INSTANTIATE_TEST_SUITE_P(Engines, SessionEnd,
                         ::testing::Values(EngineCase{"pg", "127.0.0.196", 5432},
                                           EngineCase{"mariadb", "127.0.0.206", 3306}),
                         [](const auto& engine_case) {
                           return std::string(engine_case.param.engine);
                         });

}  // namespace
}  // namespace awrap::internal::testing
