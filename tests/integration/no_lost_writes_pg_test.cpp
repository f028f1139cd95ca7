// No acknowledged write is ever lost: several threads insert numbered rows through awrap while
// the lab crashes the writer and promotes a standby again and again (synchronous replication, so
// the promoted standby has every commit the old writer acknowledged). Afterwards every insert
// awrap reported as committed must be in the table; inserts reported as
// TransactionResolutionUnknownError may or may not be; nothing else is allowed.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "awrap/awrap.hpp"
#include "support/eventually.hpp"
#include "support/lab_cluster.hpp"
#include "support/thread_count.hpp"

namespace awrap::internal {
namespace {

using namespace std::chrono_literals;
using testing::LabCluster;
using testing::LabFault;

TEST(NoLostWritesPg, AcknowledgedInsertsSurviveTwentyRandomizedFailovers) {
  const int threads_before = testing::process_thread_count();
  testing::LabOptions options;
  options.name = "nlw-pg";
  options.flavour = "aurora";
  options.base = "127.0.0.75";
  options.sync = true;
  auto cluster = LabCluster::up(options);
  auto status = cluster.status();
  PropertyMap props{{"cluster_instance_host_pattern", status.host_pattern},
                    {"cluster_endpoint_role", "writer"},
                    {"failover_timeout_sec", "30"},
                    {"connect_timeout", "2"},
                    {"cluster_topology_high_refresh_rate_ms", "50"},
                    // host_monitoring's loop thread ends soon after the connections (thread count).
                    {"monitor_disposal_time_ms", "500"}};
  std::string conninfo = "host=" + status.cluster_endpoint +
                         " port=5432 user=awrap password=awrap-lab-password dbname=awrap";
  {
    auto setup = Connection::open(conninfo, props);
    setup.execute("CREATE TABLE numbered(id bigint PRIMARY KEY, thread int)");
  }

  constexpr int kThreads = 4;
  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::set<int64_t> acknowledged, unknown;
  std::atomic<int> other_errors{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      auto conn = Connection::open(conninfo, props);
      for (int64_t seq = 1; !stop; ++seq) {
        int64_t id = int64_t(t) * 10'000'000 + seq;
        try {
          conn.execute("INSERT INTO numbered VALUES ($1, $2)", {id, t});
          std::lock_guard lock(mutex);
          acknowledged.insert(id);
        } catch (const TransactionResolutionUnknownError&) {
          std::lock_guard lock(mutex);
          unknown.insert(id);
        } catch (const FailoverSuccessError&) {
          ADD_FAILURE() << "a write in flight must never be reported as FailoverSuccessError";
        } catch (const std::exception& e) {
          ++other_errors;
          ADD_FAILURE() << "unexpected: " << e.what();
          std::this_thread::sleep_for(100ms);  // paces a thread after an error it reported
        }
        std::this_thread::sleep_for(2ms);  // a steady stream, not a load test
      }
    });
  }

  std::mt19937 random(20261125);
  std::uniform_int_distribution<int> pause_ms(150, 600);
  constexpr int kFailovers = 20;
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < kFailovers; ++i) {
    // Paces the faults: writes run for a random while between failovers.
    std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(random)));
    std::string old_writer = cluster.writer().name;
    cluster.fault(old_writer, LabFault::kCrash);
    cluster.failover();
    cluster.rejoin(old_writer);  // back as a standby, so the next failover has a sync standby
  }
  std::cout << "no-lost-writes: " << kFailovers << " failovers took "
            << std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() -
                                                                t0)
                   .count()
            << " s\n";
  // The writers run on after the last failover until it has acknowledged writes again.
  const auto acknowledged_after_last = [&] {
    std::lock_guard lock(mutex);
    return acknowledged.size();
  };
  const auto before_stop = acknowledged_after_last();
  EXPECT_TRUE(testing::eventually(
      [&] { return acknowledged_after_last() >= before_stop + std::size_t{2 * kThreads}; }, 10s,
      10ms))
      << "no writes acknowledged after the last failover";
  stop = true;
  for (auto& w : writers) w.join();

  // Audit on the final writer.
  auto rows = cluster.sql_rows(cluster.writer().name, "SELECT id FROM numbered");
  std::set<int64_t> present;
  for (const auto& r : rows) present.insert(std::stoll(r.at(0)));
  std::size_t lost = 0;
  for (int64_t id : acknowledged) lost += present.count(id) == 0;
  std::size_t unaccounted = 0;
  for (int64_t id : present) unaccounted += acknowledged.count(id) == 0 && unknown.count(id) == 0;
  std::size_t unknown_committed = 0;
  for (int64_t id : unknown) unknown_committed += present.count(id);
  std::cout << "no-lost-writes: " << kFailovers << " failovers, " << acknowledged.size()
            << " acknowledged, " << unknown.size() << " unknown (" << unknown_committed
            << " of them committed), " << lost << " acknowledged lost, " << unaccounted
            << " unaccounted\n";
  EXPECT_EQ(lost, 0u) << "acknowledged writes were lost";
  EXPECT_EQ(unaccounted, 0u) << "rows nobody wrote";
  EXPECT_EQ(other_errors.load(), 0);
  EXPECT_GT(acknowledged.size(), 100u);
  EXPECT_GE(unknown.size(), 1u) << "each failover should catch some write in flight";
  EXPECT_EQ(testing::wait_for_thread_count(threads_before), threads_before);
}

}  // namespace
}  // namespace awrap::internal
