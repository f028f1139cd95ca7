// Enhanced failure monitoring (host_monitoring) against real lab servers and real faults:
// a writer that hangs (SIGSTOP) or vanishes behind a black hole (iptables DROP) while a call
// runs on it. The call must be aborted within failure_detection_time + interval * count (+ a
// little), failover must then reach the promoted standby, healthy long calls must never be
// aborted, and the monitors' threads and connections stay bounded and go away after disposal.
//
// Detection times are measured from the lab's fault_injected event (CLOCK_MONOTONIC, the
// steady_clock) to the moment the monitor aborted the call (its on_call_aborted event), and
// printed.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "awrap/awrap.hpp"
#include "base/runtime.hpp"
#include "plugin/host_monitoring/host_monitor.hpp"
#include "support/eventually.hpp"
#include "support/lab_cluster.hpp"
#include "support/thread_count.hpp"

namespace awrap::internal {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::LabCluster;
using testing::LabFault;
using testing::LabOptions;

constexpr const char* kCreds = " port=5432 user=awrap password=awrap-lab-password dbname=awrap";

// Remembers when the monitor aborted a call: on_call_aborted, which the monitor thread calls
// right after the abort. One per test, given to the test's Connections only.
class AbortRecorder {
 public:
  ConnectionEvents events() {
    ConnectionEvents events;
    events.on_call_aborted = [this](const CallAbortedEvent& event) {
      auto now = Clock::now();
      std::lock_guard lock(mutex_);
      aborts_.push_back(now);
      reasons_.push_back(event.reason);
    };
    return events;
  }
  std::optional<Clock::time_point> first_abort() {
    std::lock_guard lock(mutex_);
    if (aborts_.empty()) return std::nullopt;
    return aborts_.front();
  }
  // Waits (bounded) for the first abort.
  bool wait_for_abort(std::chrono::milliseconds limit) {
    return testing::eventually([this] { return first_abort().has_value(); }, limit, 10ms);
  }
  int count() {
    std::lock_guard lock(mutex_);
    return static_cast<int>(aborts_.size());
  }
  // Every abort was host monitoring's (none by another component).
  bool all_host_unresponsive() {
    std::lock_guard lock(mutex_);
    return std::all_of(reasons_.begin(), reasons_.end(),
                       [](CallAbortReason r) { return r == CallAbortReason::kHostUnresponsive; });
  }
  void clear() {
    std::lock_guard lock(mutex_);
    aborts_.clear();
    reasons_.clear();
  }

 private:
  std::mutex mutex_;
  std::vector<Clock::time_point> aborts_;
  std::vector<CallAbortReason> reasons_;
};

// AWRAP_TEST_DEBUG=1: awrap's debug log on stderr, with milliseconds, while `this` lives.
class DebugEcho {
 public:
  DebugEcho() {
    if (!std::getenv("AWRAP_TEST_DEBUG")) return;
    set_log_level(LogLevel::kDebug);
    set_log_sink([](LogLevel level, std::string_view message) {
      std::cerr << std::chrono::duration_cast<std::chrono::milliseconds>(
                       Clock::now().time_since_epoch())
                           .count() %
                       100000
                << " " << to_string(level) << " " << message << "\n";
    });
  }
  ~DebugEcho() {
    if (!std::getenv("AWRAP_TEST_DEBUG")) return;
    set_log_sink(nullptr);
    set_log_level(LogLevel::kWarning);
  }
  DebugEcho(const DebugEcho&) = delete;
  DebugEcho& operator=(const DebugEcho&) = delete;
};

// Waits (5 s at most) until `node` shows a probe sent after session `session`'s running
// statement began: the monitor watches that call, so a fault from now on must be detected within
// one interval plus the probe deadline. (A fixed sleep could strike before the first probe.)
bool call_is_watched(const LabCluster& cluster, const std::string& node, std::int64_t session,
                     bool postgres) {
  const std::string id = std::to_string(session);
  const std::string sql =
      postgres
          ? "SELECT count(*) FROM pg_stat_activity probe, pg_stat_activity call "
            "WHERE probe.application_name = 'awrap-host-monitor' AND call.pid = " +
                id + " AND call.state = 'active' AND probe.query_start >= call.query_start"
          // The probe (COM_PING) is the lab login's other session; TIME_MS counts from
          // each session's last command.
          : "SELECT COUNT(*) FROM information_schema.processlist probe, "
            "information_schema.processlist `call` WHERE `call`.id = " +
                id + " AND `call`.command = 'Query' AND probe.user = 'awrap' AND probe.id <> " +
                id + " AND probe.time_ms < `call`.time_ms";
  return testing::eventually([&] { return !cluster.sql(node, sql).starts_with("0"); }, 5s);
}

class HostMonitoringPg : public ::testing::Test {
 protected:
  void SetUp() override {
    LabOptions options;
    options.name = "efm-pg";
    options.flavour = "plain";
    options.base = "127.0.0.91";
    options.nodes = 3;
    cluster_.emplace(LabCluster::up(options));
  }
  void TearDown() override { cluster_.reset(); }
  LabCluster& cluster() { return *cluster_; }

  std::string conninfo() {
    std::string hosts;
    for (const auto& n : cluster().status().nodes) hosts += (hosts.empty() ? "" : ",") + n.host;
    return "host=" + hosts + kCreds;
  }
  // 1000/500/1: a stuck call is aborted at most 1.5 s after it started (or 1 s after the fault
  // when the call was already being watched).
  static PropertyMap props(PropertyMap extra = {}) {
    PropertyMap p{{"failure_detection_time_ms", "1000"},
                  {"failure_detection_interval_ms", "500"},
                  {"failure_detection_count", "1"},
                  {"monitor_disposal_time_ms", "1000"},
                  {"failover_timeout_sec", "30"},
                  {"connect_timeout", "2"},
                  {"cluster_topology_high_refresh_rate_ms", "50"},
                  {"topology_refresh_ms", "1000"}};
    for (auto& [k, v] : extra) p[k] = v;
    return p;
  }

  // A Connection whose aborts aborts_ records.
  Connection open(PropertyMap extra = {}) {
    return Connection::open(conninfo(), props(std::move(extra)), aborts_.events());
  }

  // Milliseconds from the lab's fault event to the first abort.
  double detection_ms(const std::string& node) {
    auto fault = cluster().last_event("fault_injected", node);
    auto abort = aborts_.first_abort();
    if (!fault || !abort) return -1;
    auto fault_ns = fault->at("mono_ns").get<std::int64_t>();
    auto abort_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(abort->time_since_epoch()).count();
    return static_cast<double>(abort_ns - fault_ns) / 1e6;
  }

  // A call is running on the writer when the fault strikes; failover follows.
  void fault_during_long_query(LabFault fault) {
    auto c = open();
    auto writer = cluster().writer().name;
    const auto session = c.execute("SELECT pg_backend_pid()").scalar<std::int64_t>();
    std::atomic<bool> threw_success{false};
    std::string other;
    std::thread query([&] {
      try {
        c.execute("SELECT pg_sleep(60)");
        other = "returned normally";
      } catch (const FailoverSuccessError&) {
        threw_success = true;
      } catch (const std::exception& e) {
        other = e.what();
      }
    });
    EXPECT_TRUE(call_is_watched(cluster(), writer, session, /*postgres=*/true));
    auto started = Clock::now();
    cluster().fault(writer, fault);
    // The lab's failover fences (kills) the old writer, which would end the call by itself: it
    // runs only once the monitor has aborted the call (or has clearly failed to).
    EXPECT_TRUE(aborts_.wait_for_abort(5s));
    cluster().failover();
    query.join();
    auto took =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
    double detected = detection_ms(writer);
    std::cout << "[ figures ] " << to_string(fault) << " during a long query: detected " << detected
              << " ms after the fault (bound 1000 ms), failover done " << took << " ms after it\n";
    EXPECT_TRUE(threw_success) << other;
    EXPECT_TRUE(aborts_.all_host_unresponsive());
    EXPECT_GT(detected, 0);
    EXPECT_LE(detected, 1000 + 100) << "1000/500/1 on a watched call: next probe + its deadline";
    EXPECT_EQ(c.execute("SELECT pg_is_in_recovery()").scalar<bool>(), false);
    EXPECT_EQ(c.current_host().host, cluster().writer().host);
  }

  // The connection is idle when the fault strikes; the next statement hangs and is aborted.
  void fault_then_query(LabFault fault) {
    auto c = open();
    c.execute("SELECT 1");
    auto writer = cluster().writer().name;
    cluster().fault(writer, fault);
    std::thread promoter([&] {
      EXPECT_TRUE(aborts_.wait_for_abort(5s));
      cluster().failover();
    });
    EXPECT_THROW(c.execute("SELECT 1"), FailoverSuccessError);
    promoter.join();
    double detected = detection_ms(writer);
    std::cout << "[ figures ] " << to_string(fault) << " then a query: detected " << detected
              << " ms after the fault (bound 1500 ms)\n";
    EXPECT_GT(detected, 0);
    EXPECT_LE(detected, 1500 + 100);
    EXPECT_EQ(c.execute("SELECT pg_is_in_recovery()").scalar<bool>(), false);
  }

  DebugEcho debug_;
  AbortRecorder aborts_;
  std::optional<LabCluster> cluster_;
};

TEST_F(HostMonitoringPg, WriterHangDuringLongQueryIsAbortedAndFailsOver) {
  fault_during_long_query(LabFault::kHang);
}
TEST_F(HostMonitoringPg, WriterBlackholeDuringLongQueryIsAbortedAndFailsOver) {
  fault_during_long_query(LabFault::kBlackhole);
}
TEST_F(HostMonitoringPg, WriterHangThenQueryIsAbortedAndFailsOver) {
  fault_then_query(LabFault::kHang);
}
TEST_F(HostMonitoringPg, WriterBlackholeThenQueryIsAbortedAndFailsOver) {
  fault_then_query(LabFault::kBlackhole);
}

TEST_F(HostMonitoringPg, LongHealthyQueryIsNotAborted) {
  auto c = open();
  auto t0 = Clock::now();
  EXPECT_NO_THROW(c.execute("SELECT pg_sleep(6)"));
  EXPECT_GE(Clock::now() - t0, 6s);
  EXPECT_EQ(aborts_.count(), 0);
  EXPECT_GE(host_monitoring_stats(*internal::Runtime::process()).probe_sessions, 1)
      << "the call was watched";
}

// The probe's server process is paused for less than the probe deadline, again and again: the
// answers come late but in time, and the host is never declared dead.
TEST_F(HostMonitoringPg, SlowButTimelyProbeAnswersAreNotFailures) {
  auto c = open();
  auto writer = cluster().writer();
  std::atomic<bool> done{false};
  std::thread slow([&] {
    std::optional<int> pid;
    while (!done && !pid) {
      auto rows = cluster().sql_rows(
          writer.name,
          "SELECT pid FROM pg_stat_activity WHERE application_name = 'awrap-host-monitor'");
      if (!rows.empty())
        pid = std::stoi(rows[0][0]);
      else
        std::this_thread::sleep_for(100ms);
    }
    int pauses = 0;
    while (!done && pid) {
      ::kill(*pid, SIGSTOP);
      std::this_thread::sleep_for(300ms);  // the probe deadline is 500 ms
      ::kill(*pid, SIGCONT);
      ++pauses;
      std::this_thread::sleep_for(200ms);  // paced: the backend answers between the pauses
    }
    std::cout << "[ figures ] probe backend paused " << pauses << " times for 300 ms\n";
  });
  EXPECT_NO_THROW(c.execute("SELECT pg_sleep(6)"));
  done = true;
  slow.join();
  EXPECT_EQ(aborts_.count(), 0);
}

// Many connections to three hosts: one loop thread and one probe connection per host, however
// many connections; all gone after disposal.
TEST_F(HostMonitoringPg, ManyConnectionsShareBoundedMonitors) {
  // 334 per host: 1002 connections. The lab's servers allow 200 each; raise that first.
  const int per_host =
      std::getenv("AWRAP_EFM_PER_HOST") ? std::atoi(std::getenv("AWRAP_EFM_PER_HOST")) : 334;
  if (per_host > 180) {
    auto nodes = cluster().status().nodes;
    std::stable_partition(nodes.begin(), nodes.end(), [](const auto& n) { return !n.is_writer(); });
    for (const auto& n : nodes) {  // standbys first: they need at least the primary's value
      cluster().sql(n.name, "ALTER SYSTEM SET max_connections = " + std::to_string(per_host + 40));
      // A plain restart keeps postgresql.auto.conf (the lab's heal would rewrite it).
      std::string data =
          std::string(std::getenv("AWLAB_ROOT") ? std::getenv("AWLAB_ROOT") : "/dev/shm/awlab") +
          "/efm-pg/node-" + n.name.substr(n.name.find('-') + 1) + "/data";
      std::string restart = "runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D " + data +
                            " -m fast -w -t 60 -l " + data + "/../restart.log restart > /dev/null";
      ASSERT_EQ(std::system(restart.c_str()), 0) << restart;
    }
  }
  auto status = cluster().status();
  // Monitors of earlier tests are disposed after 1 s.
  testing::eventually(
      [] { return host_monitoring_stats(*internal::Runtime::process()).threads == 0; });
  ASSERT_EQ(host_monitoring_stats(*internal::Runtime::process()).threads, 0)
      << "a monitor of an earlier test was not disposed";
  int threads_before = testing::process_thread_count();
  PropertyMap p{{"wrapper_plugins", "host_monitoring"},
                {"failure_detection_time_ms", "200"},
                {"failure_detection_interval_ms", "200"},
                {"failure_detection_count", "3"},
                {"monitor_disposal_time_ms", "3000"}};
  std::vector<std::vector<Connection>> by_host(status.nodes.size());
  for (std::size_t h = 0; h < status.nodes.size(); ++h)
    for (int i = 0; i < per_host; ++i)
      by_host[h].push_back(
          Connection::open("host=" + status.nodes[h].host + kCreds, p, aborts_.events()));
  // Every connection makes a short call (registers; opening them all takes longer than the
  // disposal time, so this comes after; round-robin, so every host is used up to the end), then
  // a few make long ones (probing starts).
  for (std::size_t i = 0; i < static_cast<std::size_t>(per_host); ++i)
    for (auto& conns : by_host) conns[i].execute("SELECT 1");
  std::vector<std::thread> workers;
  for (auto& conns : by_host)
    for (int k = 0; k < 2; ++k)
      workers.emplace_back(
          [&conns, k] { conns[static_cast<std::size_t>(k)].execute("SELECT pg_sleep(1)"); });
  // Probing has started on every host (the calls are older than failure_detection_time).
  EXPECT_TRUE(testing::eventually(
      [] { return host_monitoring_stats(*internal::Runtime::process()).probe_sessions >= 3; },
      900ms, 10ms));
  auto during = host_monitoring_stats(*internal::Runtime::process());
  int threads_during = testing::process_thread_count() - static_cast<int>(workers.size());
  int probe_backends = 0;
  for (const auto& n : status.nodes)
    probe_backends += std::stoi(cluster().sql(
        n.name,
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'awrap-host-monitor'"));
  for (auto& w : workers) w.join();
  std::cout << "[ figures ] " << per_host * 3 << " connections to 3 hosts: " << during.monitors
            << " monitors, " << during.threads << " monitoring thread(s), " << during.probe_sessions
            << " probe sessions (" << probe_backends << " probe backends on the servers), "
            << during.attached << " registered; process threads " << threads_before << " -> "
            << threads_during << "\n";
  EXPECT_EQ(during.monitors, 3);
  EXPECT_EQ(during.threads, 1);
  EXPECT_EQ(during.probe_sessions, 3);
  EXPECT_EQ(probe_backends, 3);
  EXPECT_EQ(during.attached, per_host * 3);
  EXPECT_LE(threads_during, threads_before + 1);
  EXPECT_EQ(aborts_.count(), 0);

  by_host.clear();  // closes every connection
  testing::eventually(
      [] { return host_monitoring_stats(*internal::Runtime::process()).threads == 0; });
  auto after = host_monitoring_stats(*internal::Runtime::process());
  int threads_after = testing::wait_for_thread_count(threads_before);
  std::cout << "[ figures ] after disposal: " << after.monitors << " monitors, " << after.threads
            << " threads, process threads " << threads_after << "\n";
  EXPECT_EQ(after.monitors, 0);
  EXPECT_EQ(after.threads, 0);
  EXPECT_EQ(threads_after, threads_before);
}

// After failover the plugin watches the new host: a second fault, on the new writer, is detected
// too (the peers kept probing the old host).
TEST_F(HostMonitoringPg, FollowsTheConnectionToTheNewHost) {
  auto c = open({{"failover_timeout_sec", "3"}});
  auto first = cluster().writer().name;
  cluster().fault(first, LabFault::kHang);
  std::thread promoter([&] {
    EXPECT_TRUE(aborts_.wait_for_abort(5s));
    cluster().failover();
  });
  EXPECT_THROW(c.execute("SELECT 1"), FailoverSuccessError);
  promoter.join();
  auto second = cluster().writer().name;
  ASSERT_NE(first, second);
  ASSERT_EQ(c.current_host().host, cluster().node(second).host);
  aborts_.clear();
  const auto session = c.execute("SELECT pg_backend_pid()").scalar<std::int64_t>();
  std::thread query([&] { EXPECT_THROW(c.execute("SELECT pg_sleep(60)"), Error); });
  EXPECT_TRUE(call_is_watched(cluster(), second, session, /*postgres=*/true));
  cluster().fault(second, LabFault::kBlackhole);
  query.join();
  double detected = detection_ms(second);
  std::cout << "[ figures ] second fault on the new writer detected " << detected
            << " ms after it\n";
  EXPECT_GT(detected, 0);
  EXPECT_LE(detected, 1100);
}

// MariaDB: the same abort on a hung server, through Connector/C's non-blocking probe (COM_PING).
TEST(HostMonitoringMariadb, HungServerDuringLongQueryIsAborted) {
  DebugEcho debug;
  AbortRecorder aborts;
  auto cluster = LabCluster::up({.name = "efm-maria",
                                 .engine = "mariadb",
                                 .flavour = "plain",
                                 .nodes = 1,
                                 .base = "127.0.0.101"});
  auto writer = cluster.writer();
  auto c = Connection::open(cluster.conninfo(writer.name),
                            {{"wrapper_plugins", "host_monitoring"},
                             {"failure_detection_time_ms", "1000"},
                             {"failure_detection_interval_ms", "500"},
                             {"failure_detection_count", "1"}},
                            aborts.events());
  EXPECT_NO_THROW(c.execute("SELECT SLEEP(3)")) << "a healthy long call is not aborted";
  EXPECT_EQ(aborts.count(), 0);
  const auto session = c.execute("SELECT CONNECTION_ID()").scalar<std::int64_t>();
  std::thread query([&] { EXPECT_THROW(c.execute("SELECT SLEEP(60)"), ConnectionLostError); });
  EXPECT_TRUE(call_is_watched(cluster, writer.name, session, /*postgres=*/false));
  cluster.fault(writer.name, LabFault::kHang);
  query.join();
  auto fault = cluster.last_event("fault_injected", writer.name);
  auto abort = aborts.first_abort();
  ASSERT_TRUE(fault && abort);
  EXPECT_EQ(aborts.count(), 1) << "one abort, told once";
  EXPECT_TRUE(aborts.all_host_unresponsive());
  double detected =
      static_cast<double>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(abort->time_since_epoch()).count() -
          fault->at("mono_ns").get<std::int64_t>()) /
      1e6;
  std::cout << "[ figures ] mariadb hang during a long query: detected " << detected
            << " ms after the fault\n";
  EXPECT_GT(detected, 0);
  EXPECT_LE(detected, 1100);
}

}  // namespace
}  // namespace awrap::internal
