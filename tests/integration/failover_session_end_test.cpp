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
#include <thread>

#include "awrap/awrap.hpp"
#include "core/connection_impl.hpp"
#include "core/host_availability.hpp"
#include "support/lab_cluster.hpp"

namespace awrap::testing {
namespace {

using namespace std::chrono_literals;

struct EngineCase {
  const char* engine;
  const char* base;
  int port;
};

class SessionEnd : public ::testing::TestWithParam<EngineCase> {
 protected:
  void SetUp() override {
    cluster_.emplace(LabCluster::up({.name = std::string("sess-end-") + GetParam().engine,
                                     .engine = GetParam().engine,
                                     .flavour = "plain",
                                     .nodes = 2,
                                     .base = GetParam().base}));
    HostAvailabilityRegistry::instance().clear();
  }
  void TearDown() override {
    cluster_.reset();
    HostAvailabilityRegistry::instance().clear();
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

  std::optional<LabCluster> cluster_;
};

TEST_P(SessionEnd, TerminatedSessionMarksNoHostDownAndStartsNoProbeRound) {
  const LabNode writer = cluster_->writer();
  std::mutex log_mutex;
  std::string failover_line;  // why failover started, as awrap logged it
  set_log_level(LogLevel::kInfo);
  set_log_sink([&](LogLevel, std::string_view message) {
    std::lock_guard lock(log_mutex);
    if (message.find("failover (") != std::string_view::npos) failover_line = message;
  });
  struct RestoreLog {
    ~RestoreLog() {
      set_log_sink(nullptr);
      set_log_level(LogLevel::kWarning);
    }
  } restore_log;
  Connection c = Connection::open(url(), {{"failover_timeout_sec", "20"},
                                          {"connect_timeout", "3"},
                                          {"topology_refresh_ms", "1000"},
                                          {"cluster_topology_high_refresh_rate_ms", "50"},
                                          {"monitor_disposal_time_ms", "500"}});
  const std::string session =
      c.execute(pg() ? "SELECT pg_backend_pid()::text" : "SELECT CONNECTION_ID()")
          .scalar<std::string>();
  auto monitor = ConnectionAccess::impl(c).topology_monitor();
  ASSERT_NE(monitor, nullptr) << "a two-host cluster has a topology monitor";

  std::atomic<bool> done{false};
  std::atomic<int> most_threads{0};
  std::thread watcher([&] {
    while (!done) {
      most_threads = std::max(most_threads.load(), monitor->running_threads());
      std::this_thread::sleep_for(5ms);
    }
  });
  std::thread terminator([&] {
    std::this_thread::sleep_for(700ms);
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
  // The session is gone, so the statement's outcome was reported as for any lost connection
  // (a read: not applied, run it again).
  EXPECT_EQ(outcome.rfind("FailoverSuccessError", 0), 0u) << outcome;
  EXPECT_EQ(c.execute("SELECT 1").scalar<int64_t>(), 1);
  done = true;
  watcher.join();

  HostInfo host;
  host.host = writer.host;
  host.port = GetParam().port;
  EXPECT_EQ(HostAvailabilityRegistry::instance().get(host), HostAvailability::kAvailable)
      << "one session's end marked the writer down for the whole process";
  EXPECT_EQ(ConnectionAccess::impl(c).current_host().host, writer.host)
      << "the connection left a healthy writer";
  EXPECT_EQ(most_threads.load(), 1) << "a cluster-wide probe round started (probers ran)";
  std::cout << "[ session end ] " << GetParam().engine << ": " << outcome.substr(0, 60)
            << "... after " << took_ms << " ms; topology threads at most " << most_threads.load()
            << "\n";
  {
    std::lock_guard lock(log_mutex);
    std::cout << "[ session end ] " << GetParam().engine << ": " << failover_line << "\n";
  }
  c.close();
}

INSTANTIATE_TEST_SUITE_P(Engines, SessionEnd,
                         ::testing::Values(EngineCase{"pg", "127.0.0.196", 5432},
                                           EngineCase{"mariadb", "127.0.0.206", 3306}),
                         [](const auto& engine_case) {
                           return std::string(engine_case.param.engine);
                         });

}  // namespace
}  // namespace awrap::testing
