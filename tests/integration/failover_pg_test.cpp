// Failover against real PostgreSQL clusters from the lab, one fresh cluster per test, for the
// aurora, multi-az and plain (self-managed, multi-host conninfo) flavours. Each test asserts the
// exact error the application sees.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "awrap/awrap.hpp"
#include "support/lab_cluster.hpp"
#include "support/thread_count.hpp"
#include "topology/topology_monitor.hpp"

#include <cstdlib>
#include <iostream>

namespace awrap {
namespace {

using namespace std::chrono_literals;
using testing::LabCluster;
using testing::LabFault;
using testing::LabOptions;

struct Flavour {
  const char* name;
  const char* base;
};

class FailoverPg : public ::testing::TestWithParam<Flavour> {
 protected:
  void SetUp() override {
    if (std::getenv("AWRAP_TEST_DEBUG")) {
      set_log_level(LogLevel::kDebug);
      set_log_sink([](LogLevel l, std::string_view m) {
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now().time_since_epoch())
                      .count() %
                  100000;
        std::cerr << ms << " " << to_string(l) << " " << m << "\n";
      });
    }
    std::string test_name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    if (plain() && test_name.starts_with("ConnectFailover"))
      GTEST_SKIP() << "a plain cluster is a host list: the open tries every host anyway";
    threads_before_ = testing::process_thread_count();
    LabOptions options;
    options.name = std::string("fo-") + GetParam().name;
    options.flavour = GetParam().name;
    options.base = GetParam().base;
    options.nodes = 3;
    options.sync = sync_;
    cluster_.emplace(LabCluster::up(options));
  }
  void TearDown() override { cluster_.reset(); }

  LabCluster& cluster() { return *cluster_; }
  bool plain() const { return std::string(GetParam().name) == "plain"; }

  // How an application reaches the cluster: the cluster endpoint name for aurora and multi-az
  // (DNS via /etc/hosts, instance host names from the topology), a host list for plain.
  std::string conninfo() {
    auto status = cluster().status();
    std::string creds = " port=5432 user=awrap password=awrap-lab-password dbname=awrap";
    if (plain()) {
      std::string hosts;
      for (const auto& n : status.nodes) hosts += (hosts.empty() ? "" : ",") + n.host;
      return "host=" + hosts + creds;
    }
    return "host=" + status.cluster_endpoint + creds;
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

  // The writer's host as awrap names it (instance host name for cluster flavours, IP for plain).
  std::string writer_host() {
    auto w = cluster().writer();
    return plain() ? w.host : w.hostname;
  }
  // A connection that starts on a reader: its instance name (cluster flavours) or, for a plain
  // cluster, the host list with that reader first (the list is the plain cluster's topology).
  std::string reader_conninfo(const std::string& reader) {
    if (!plain()) return cluster().conninfo(reader, cluster().node(reader).hostname);
    std::string hosts = cluster().node(reader).host;
    for (const auto& n : cluster().status().nodes)
      if (n.name != reader) hosts += "," + n.host;
    return "host=" + hosts + " port=5432 user=awrap password=awrap-lab-password dbname=awrap";
  }
  void crash_writer_and_fail_over() {
    auto old = cluster().writer().name;
    cluster().fault(old, LabFault::kCrash);
    cluster().failover();
  }
  void expect_on_writer(Connection& c, bool check_host = true) {
    if (check_host) {
      EXPECT_EQ(c.current_host().host, writer_host());
    }
    EXPECT_EQ(c.execute("SELECT pg_is_in_recovery()").scalar<bool>(), false);
  }

  bool sync_ = false;
  int threads_before_ = 0;
  std::optional<LabCluster> cluster_;
};

TEST_P(FailoverPg, WriterCrashWhileIdleGivesFailoverSuccessAndANewWriter) {
  auto c = open();
  expect_on_writer(c);  // reached through the cluster endpoint, identified as the instance
  crash_writer_and_fail_over();
  EXPECT_THROW(c.execute("SELECT 1"), FailoverSuccessError);
  expect_on_writer(c);
  c.execute("CREATE TABLE IF NOT EXISTS after_failover(id int)");
  c.execute("INSERT INTO after_failover VALUES (1)");
}

TEST_P(FailoverPg, WriterCrashMidQuery) {
  auto c = open();
  std::thread crasher([&] {
    std::this_thread::sleep_for(300ms);
    crash_writer_and_fail_over();
  });
  EXPECT_THROW(c.execute("SELECT pg_sleep(10)"), FailoverSuccessError);
  crasher.join();
  expect_on_writer(c);
}

TEST_P(FailoverPg, WriterCrashMidTransactionIsResolutionUnknownAndNothingCommits) {
  auto c = open();
  c.execute("CREATE TABLE IF NOT EXISTS tx_lost(id int)");
  c.begin();
  c.execute("INSERT INTO tx_lost VALUES (1)");
  crash_writer_and_fail_over();
  EXPECT_THROW(c.execute("INSERT INTO tx_lost VALUES (2)"), TransactionResolutionUnknownError);
  EXPECT_EQ(c.transaction_status(), TransactionStatus::kIdle);
  EXPECT_EQ(c.execute("SELECT count(*) FROM tx_lost").scalar<int64_t>(), 0);
}

TEST_P(FailoverPg, PreparedStatementsAndSessionStateSurviveFailover) {
  auto c = open();
  auto stmt = c.prepare("SELECT $1::int + 1");
  c.set_isolation_level(IsolationLevel::kSerializable);
  c.set_autocommit(false);
  c.commit();
  crash_writer_and_fail_over();
  EXPECT_THROW(c.execute(stmt, {1}), FailoverSuccessError);
  EXPECT_EQ(c.execute(stmt, {1}).scalar<int64_t>(), 2);
  EXPECT_EQ(c.execute("SHOW transaction_isolation").scalar<std::string>(), "serializable");
  EXPECT_EQ(c.transaction_status(), TransactionStatus::kInTransaction) << "autocommit off survives";
  c.rollback();
}

TEST_P(FailoverPg, CleanSwitchover) {
  auto c = open();
  auto old = cluster().writer();
  cluster().switchover();
  EXPECT_THROW(c.execute("SELECT 1"), FailoverSuccessError);
  expect_on_writer(c);
  EXPECT_NE(c.current_host().host, plain() ? old.host : old.hostname);
}

TEST_P(FailoverPg, ReaderCrashUnderStrictReaderMovesToAnotherReader) {
  auto status = cluster().status();
  std::string reader;
  for (const auto& n : status.nodes)
    if (!n.is_writer()) reader = n.name;
  auto c = Connection::open(
      reader_conninfo(reader),
      props({{"failover_mode", "strict_reader"}, {"cluster_endpoint_role", "instance"}}));
  ASSERT_TRUE(c.execute("SELECT pg_is_in_recovery()").scalar<bool>());
  cluster().fault(reader, LabFault::kCrash);
  EXPECT_THROW(c.execute("SELECT 1"), FailoverSuccessError);
  EXPECT_TRUE(c.execute("SELECT pg_is_in_recovery()").scalar<bool>())
      << "strict_reader stays on readers";
}

TEST_P(FailoverPg, ReaderCrashUnderReaderOrWriter) {
  auto status = cluster().status();
  std::string reader;
  for (const auto& n : status.nodes)
    if (!n.is_writer()) reader = n.name;
  auto c = Connection::open(
      reader_conninfo(reader),
      props({{"failover_mode", "reader-or-writer"}, {"cluster_endpoint_role", "instance"}}));
  cluster().fault(reader, LabFault::kCrash);
  EXPECT_THROW(c.execute("SELECT 1"), FailoverSuccessError);
  EXPECT_EQ(c.execute("SELECT 1").scalar<int64_t>(), 1);
}

TEST_P(FailoverPg, NoNewWriterGivesFailoverFailedInBoundedTime) {
  auto c = open({{"failover_timeout_sec", "2"}});
  cluster().fault(cluster().writer().name, LabFault::kCrash);  // and nobody promotes a standby
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_THROW(c.execute("SELECT 1"), FailoverFailedError);
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(took, 1900ms);
  EXPECT_LT(took, 8s);
}

TEST_P(FailoverPg, TrackerClosesIdleConnectionsLeftOnAPartitionedOldWriter) {
  auto a = open();
  auto b = open();
  auto c = open({{"socket_timeout", "1"}});
  // The writer vanishes from the network: idle connections to it would hang on TCP for minutes.
  cluster().fault(cluster().writer().name, LabFault::kBlackhole);
  cluster().failover();
  EXPECT_THROW(c.execute("SELECT 1"), FailoverSuccessError);  // notices through its socket timeout
  expect_on_writer(c);
  // The tracker has closed a and b: they fail over at once instead of hanging.
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_THROW(a.execute("SELECT 1"), FailoverSuccessError);
  EXPECT_THROW(b.execute("SELECT 1"), FailoverSuccessError);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  expect_on_writer(a);
  expect_on_writer(b);
}

TEST_P(FailoverPg, ConnectFailoverFindsTheWriterWhileDnsStillNamesTheDeadOne) {
  auto a = open();  // keeps the cluster's topology monitor running
  auto old = cluster().writer().name;
  cluster().fault(old, LabFault::kCrash);
  // The lab promotes a standby but keeps the cluster endpoint on the dead writer for 6 s.
  std::thread failover([&] {
    LabCluster::run_awlab({"failover", "--name", cluster().name(), "--dns-lag-ms", "6000"});
  });
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!cluster().last_event("writer_accepting_writes") &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(50ms);
  EXPECT_THROW(open(), ConnectError)
      << "without connect failover the dead writer is all DNS offers";
  auto b = open({{"enable_connect_failover", "true"}});
  expect_on_writer(b);
  failover.join();
}

TEST_P(FailoverPg, ThreadsReturnToBaselineWhenConnectionsClose) {
  {
    auto a = open();
    auto b = open();
    EXPECT_EQ(live_topology_monitors(), 1) << "one monitor per cluster, shared";
    crash_writer_and_fail_over();
    EXPECT_THROW(a.execute("SELECT 1"), FailoverSuccessError);
    EXPECT_THROW(b.execute("SELECT 1"), FailoverSuccessError);
  }
  EXPECT_EQ(live_topology_monitors(), 0);
  EXPECT_EQ(testing::wait_for_thread_count(threads_before_), threads_before_);
}

INSTANTIATE_TEST_SUITE_P(Flavours, FailoverPg,
                         ::testing::Values(Flavour{"aurora", "127.0.0.61"},
                                           Flavour{"multi-az", "127.0.0.65"},
                                           Flavour{"plain", "127.0.0.69"}),
                         [](const auto& param_info) {
                           std::string n = param_info.param.name;
                           return n == "multi-az" ? std::string("multi_az") : n;
                         });

}  // namespace
}  // namespace awrap
