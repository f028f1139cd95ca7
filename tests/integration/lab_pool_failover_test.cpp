// awrap::Pool under load while the writer fails, on real PostgreSQL 15 and MariaDB 10.11 Aurora-
// flavoured lab clusters (one engine-parameterised suite): 64 threads on 8 pooled connections,
// each thread pausing 10-50 ms between leases (so some connections sit idle when the writer
// fails, and the pool has to deal with them, not only the leases in use), a writer crash with
// automatic failover, the old writer rejoining as a reader, then a switchover that demotes the live
// writer. Checked: no lease is handed out on a host the topology no longer names as writer, no
// lease leaks (in_use 0, leak reports 0), the counters add up, every acknowledged write is in the
// database, and once the pool is gone the process is back to its threads and the server to its
// sessions.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <iostream>
#include <map>
#include <mutex>
#include <ostream>
#include <random>
#include <thread>

#include "awrap/awrap.hpp"
#include "core/connection_impl.hpp"
#include "support/eventually.hpp"
#include "support/lab_cluster.hpp"
#include "support/thread_count.hpp"
#include "topology/topology_monitor.hpp"

namespace awrap::internal {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::LabCluster;
using testing::LabFault;
using testing::LabOptions;

struct Engine {
  const char* name;
  const char* lab_engine;
  const char* base;
};

void PrintTo(const Engine& engine, std::ostream* out) {
  *out << engine.name;
}

class PoolFailover : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    threads_before_ = testing::process_thread_count();
    LabOptions options;
    options.name = std::string("pool-") + GetParam().name;
    options.engine = GetParam().lab_engine;
    options.flavour = "aurora";
    options.base = GetParam().base;
    options.nodes = 3;
    // Commits wait for a standby: with asynchronous replication a crash loses acknowledged
    // commits whatever the client does, and the test checks that none is lost.
    options.sync = true;
    cluster_.emplace(LabCluster::up(options));
  }
  void TearDown() override { cluster_.reset(); }

  bool pg() const { return std::string(GetParam().name) == "pg"; }
  LabCluster& cluster() { return *cluster_; }
  // A login of the test's own, so the sessions counted on the servers are this test's only.
  // And the table the tests write.
  void create_test_user() {
    const std::string writer = cluster().writer().name;
    cluster().sql(writer, "CREATE TABLE IF NOT EXISTS pool_writes(id bigint primary key)");
    if (pg()) {
      cluster().sql(writer, "CREATE ROLE pool_test LOGIN PASSWORD 'pool-test-password'");
      cluster().sql(writer, "GRANT ALL ON pool_writes TO pool_test");
    } else {
      cluster().sql(writer,
                    "CREATE USER 'pool_test'@'%' IDENTIFIED BY 'pool-test-password'; "
                    "GRANT ALL ON awrap.* TO 'pool_test'@'%'; "
                    // The lab's Aurora emulation (replica_host_status) lives in awlab.
                    "GRANT SELECT ON awlab.* TO 'pool_test'@'%'");
    }
  }
  std::string conninfo() {
    auto status = cluster().status();
    if (pg())
      return "host=" + status.cluster_endpoint +
             " port=5432 user=pool_test password=pool-test-password dbname=awrap";
    return "mysql://pool_test:pool-test-password@" + status.cluster_endpoint + ":3306/awrap";
  }
  PropertyMap props() {
    return {{"wrapper_plugins",
             "initial_connection,aurora_connection_tracker,failover,host_monitoring"},
            {"failover_timeout_sec", "30"},
            {"connect_timeout", "3"},
            {"cluster_topology_high_refresh_rate_ms", "50"},
            {"topology_refresh_ms", "500"},
            {"monitor_disposal_time_ms", "500"},
            {"cluster_endpoint_role", "writer"},
            {"cluster_instance_host_pattern", cluster().status().host_pattern}};
  }
  std::int64_t pool_sessions(const std::string& node) {
    auto sql = pg()
                   ? "SELECT count(*) FROM pg_stat_activity WHERE usename = 'pool_test'"
                   : "SELECT count(*) FROM information_schema.processlist WHERE user = 'pool_test'";
    return std::stoll(cluster().sql(node, sql));
  }
  void wait_until_writer_is_not(const std::string& old) {
    EXPECT_TRUE(testing::eventually(
        [&] {
          auto w = cluster().writer();
          return w.name != old && w.is_running();
        },
        60s, 100ms))
        << "no new writer within 60 s";
  }

  int threads_before_ = 0;
  std::optional<LabCluster> cluster_;
};

TEST_P(PoolFailover, SixtyFourThreadsThroughWriterCrashRejoinAndSwitchover) {
  create_test_user();

  PoolOptions options;
  options.max_size = 8;
  options.min_idle = 2;
  options.acquire_timeout = 90s;
  options.validation_idle_threshold = 1s;
  options.validation_timeout = 2s;
  options.leak_detection_threshold = 60s;
  options.housekeeping_interval = 200ms;
  // What the pool's connections told (from 64 application threads and the monitor threads).
  std::array<std::atomic<int>, 3> failovers_told{};
  std::array<std::atomic<int>, 2> aborts_told{};
  options.events.on_failover = [&](const FailoverEvent& e) {
    ++failovers_told[static_cast<std::size_t>(e.result)];
  };
  options.events.on_call_aborted = [&](const CallAbortedEvent& e) {
    ++aborts_told[static_cast<std::size_t>(e.reason)];
  };

  std::atomic<bool> stop{false};
  std::atomic<std::int64_t> next_id{1};
  std::atomic<std::uint64_t> iterations{0}, demoted_handouts{0};
  std::atomic<std::uint64_t> acknowledged{0};  // writes acknowledged so far (read while running)
  std::mutex outcome_mutex;
  std::map<std::string, int> outcomes;
  std::vector<std::int64_t> acknowledged_ids;
  PoolCounters final_counters;
  {
    Pool pool(conninfo(), props(), options);
    std::shared_ptr<TopologyMonitor> monitor;
    {
      auto lease = pool.acquire();
      monitor = ConnectionAccess::impl(*lease).cluster_monitor();
    }
    ASSERT_NE(monitor, nullptr);

    auto worker = [&](unsigned seed) {
      std::minstd_rand random(seed);
      std::uniform_int_distribution<int> pause_ms(10, 50);
      std::vector<std::int64_t> mine;
      std::map<std::string, int> my_outcomes;
      while (!stop.load()) {
        auto before = monitor->topology();
        std::optional<Pool::Lease> lease;
        try {
          lease.emplace(pool.acquire());
        } catch (const Error& e) {
          ++my_outcomes[std::string("acquire:") + error_class_name(e)];
          std::this_thread::sleep_for(10ms);  // paces retries after a failed acquire
          continue;
        }
        ++iterations;
        HostInfo host = (*lease)->current_host();
        auto after = monitor->topology();
        auto is_writer_in = [&](const TopologyPtr& t) {
          auto w = t ? t->writer() : std::nullopt;
          return w && w->same_endpoint(host);
        };
        if (host.role == HostRole::kWriter && !is_writer_in(before) && !is_writer_in(after)) {
          ++demoted_handouts;
          std::cerr << "lent on " << host.endpoint() << ", not the writer of topology v"
                    << (after ? after->version : 0) << "\n";
        }
        const std::int64_t id = next_id++;
        try {
          (*lease)->execute("INSERT INTO pool_writes VALUES (" + std::to_string(id) + ")");
          mine.push_back(id);
          ++my_outcomes["ok"];
          ++acknowledged;
        } catch (const Error& e) {
          ++my_outcomes[error_class_name(e)];
        }
        lease.reset();
        // Paces the workload: an application's think time, not a wait for anything.
        std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(random)));
      }
      std::lock_guard lock(outcome_mutex);
      acknowledged_ids.insert(acknowledged_ids.end(), mine.begin(), mine.end());
      for (auto& [k, v] : my_outcomes) outcomes[k] += v;
    };
    std::vector<std::thread> threads;
    for (unsigned i = 0; i < 64; ++i) threads.emplace_back(worker, i + 1);

    // Each phase runs the workload for a time on purpose (idle connections pass the pool's 1 s
    // validation threshold, housekeeping runs every 200 ms); that writes went on in every phase
    // is checked, not assumed.
    auto phase = [&](std::chrono::seconds length, const char* what) {
      const auto before = acknowledged.load();
      std::this_thread::sleep_for(length);
      EXPECT_GT(acknowledged.load(), before) << "no write acknowledged " << what;
    };
    phase(3s, "before the crash");
    const std::string first = cluster().writer().name;
    cluster().fault(first, LabFault::kCrash, 500);  // the lab promotes a reader after 0.5 s
    wait_until_writer_is_not(first);
    phase(4s, "after the crash");
    cluster().rejoin(first);  // the old writer comes back as a reader
    phase(3s, "after the rejoin");
    const std::string second = cluster().writer().name;
    cluster().switchover();  // demotes a live writer
    wait_until_writer_is_not(second);
    phase(4s, "after the switchover");
    stop = true;
    for (auto& t : threads) t.join();
    monitor.reset();
    final_counters = pool.counters();
  }

  const auto& c = final_counters;
  std::cerr << "iterations " << iterations << "; outcomes:";
  for (auto& [k, v] : outcomes) std::cerr << " " << k << "=" << v;
  std::cerr << "\ncounters: size " << c.size << " idle " << c.idle << " in_use " << c.in_use
            << " acquired " << c.acquired << " waits " << c.waits << " wait_time "
            << std::chrono::duration_cast<std::chrono::milliseconds>(c.wait_time).count()
            << " ms created " << c.created << " validations " << c.validations << " closed:";
  for (std::size_t r = 0; r < c.closed.size(); ++r)
    std::cerr << " " << to_string(static_cast<PoolCloseReason>(r)) << "=" << c.closed[r];
  std::cerr << "\n";
  std::cerr << "events: failover success=" << failovers_told[0]
            << " resolution_unknown=" << failovers_told[1] << " failed=" << failovers_told[2]
            << "; aborted host_unresponsive=" << aborts_told[0]
            << " writer_replaced=" << aborts_told[1] << "\n";

  // Every failover a worker saw was told (and those inside the pool's own checks too).
  EXPECT_GE(failovers_told[0].load(), outcomes["FailoverSuccessError"]);
  EXPECT_GE(failovers_told[1].load(), outcomes["TransactionResolutionUnknownError"]);
  EXPECT_GE(failovers_told[2].load(), outcomes["FailoverFailedError"]);
  EXPECT_GT(failovers_told[0] + failovers_told[1], 0) << "a crash and a switchover, no failover";
  EXPECT_EQ(demoted_handouts.load(), 0u);
  EXPECT_EQ(c.in_use, 0u) << "a lease leaked";
  EXPECT_EQ(c.leaks, 0u);
  EXPECT_EQ(c.acquired, iterations.load() + 1);  // + the lease that fetched the monitor
  EXPECT_EQ(c.size, c.idle + c.in_use);
  EXPECT_EQ(c.created, c.size + c.closed_total());
  EXPECT_EQ(c.timeouts, 0u);
  EXPECT_GT(outcomes["ok"], 100);
  EXPECT_EQ(outcomes["acquire:ConnectError"], 0) << "opening is retried until acquire_timeout";

  // Every acknowledged write is in the database.
  const std::string writer = cluster().writer().name;
  auto present = std::stoll(cluster().sql(writer, "SELECT count(*) FROM pool_writes"));
  EXPECT_GE(present, static_cast<std::int64_t>(acknowledged_ids.size()));
  std::int64_t missing = 0;
  std::string ids;
  for (std::size_t i = 0; i < acknowledged_ids.size(); ++i) {
    ids += (ids.empty() ? "" : ",") + std::to_string(acknowledged_ids[i]);
    if (ids.size() > 20000 || i + 1 == acknowledged_ids.size()) {
      auto found = std::stoll(
          cluster().sql(writer, "SELECT count(*) FROM pool_writes WHERE id IN (" + ids + ")"));
      missing += static_cast<std::int64_t>(std::count(ids.begin(), ids.end(), ',') + 1) - found;
      ids.clear();
    }
  }
  EXPECT_EQ(missing, 0) << "acknowledged writes lost";

  // Back to the baseline: threads in this process, awrap sessions on every node.
  EXPECT_EQ(testing::wait_for_thread_count(threads_before_, 20s), threads_before_);
  for (const auto& n : cluster().status().nodes) {
    if (!n.is_running()) continue;
    auto now_sessions = pool_sessions(n.name);
    testing::eventually(
        [&] {
          now_sessions = pool_sessions(n.name);
          return now_sessions == 0;
        },
        20s, 100ms);
    EXPECT_EQ(now_sessions, 0) << "sessions of the pool left on " << n.name;
  }
}

// Idle connections on a writer that a switchover demotes are never lent: the pool evicts them
// (demoted by the topology, aborted by aurora_connection_tracker, or failing their check) and
// lends connections on the new writer, on which the application's first statement just works.
TEST_P(PoolFailover, IdleConnectionsOnADemotedWriterAreEvictedNotLent) {
  create_test_user();
  PoolOptions options;
  options.max_size = 4;
  options.acquire_timeout = 60s;
  {
    Pool pool(conninfo(), props(), options);
    std::shared_ptr<TopologyMonitor> monitor;
    {
      std::vector<Pool::Lease> leases;
      for (int i = 0; i < 4; ++i) leases.push_back(pool.acquire());
      monitor = ConnectionAccess::impl(*leases[0]).cluster_monitor();
    }
    ASSERT_NE(monitor, nullptr);
    ASSERT_EQ(pool.counters().idle, 4u);
    const auto old_writer = monitor->topology()->writer();
    ASSERT_TRUE(old_writer.has_value());

    cluster().switchover();
    testing::eventually(
        [&] {
          auto w = monitor->topology()->writer();
          return w && !w->same_endpoint(*old_writer);
        },
        60s);
    auto new_writer = monitor->topology()->writer();
    ASSERT_TRUE(new_writer && !new_writer->same_endpoint(*old_writer))
        << "awrap's topology did not see the switchover within 60 s";

    std::vector<Pool::Lease> leases;
    for (int i = 0; i < 4; ++i) {
      leases.push_back(pool.acquire());
      EXPECT_TRUE(leases.back()->current_host().same_endpoint(*new_writer))
          << "lent on " << leases.back()->current_host().endpoint();
      EXPECT_NO_THROW(leases.back()->execute("INSERT INTO pool_writes VALUES (" +
                                             std::to_string(1000000 + i) + ")"));
    }
    auto c = pool.counters();
    std::cerr << "evicted: demoted_writer=" << c.closed_by(PoolCloseReason::kDemotedWriter)
              << " broken=" << c.closed_by(PoolCloseReason::kBroken)
              << " validation_failed=" << c.closed_by(PoolCloseReason::kValidationFailed) << "\n";
    EXPECT_EQ(c.closed_by(PoolCloseReason::kDemotedWriter) + c.closed_by(PoolCloseReason::kBroken) +
                  c.closed_by(PoolCloseReason::kValidationFailed),
              4u);
    EXPECT_EQ(c.created, 8u);
  }
  EXPECT_EQ(testing::wait_for_thread_count(threads_before_, 20s), threads_before_);
}

INSTANTIATE_TEST_SUITE_P(Engines, PoolFailover,
                         ::testing::Values(Engine{"pg", "pg", "127.0.0.241"},
                                           Engine{"mariadb", "mariadb", "127.0.0.245"}),
                         [](const auto& test_info) { return std::string(test_info.param.name); });

}  // namespace
}  // namespace awrap::internal
