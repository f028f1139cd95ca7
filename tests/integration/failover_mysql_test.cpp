// Failover against real MariaDB 10.11 clusters from the lab, one fresh cluster per test, for the
// multi-az flavour (mysql.rds_topology, reached through the cluster endpoint name), the aurora
// flavour (information_schema.replica_host_status, @@aurora_server_id and @@innodb_read_only as
// the lab's aurora plugins answer them, instance names through the host pattern) and the plain
// flavour (self-managed primary/replicas, a host list). The same scenarios as
// failover_pg_test.cpp; each test asserts the exact error the application sees.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "awrap/awrap.hpp"
#include "dialect/dialect.hpp"
#include "driver/driver_factory.hpp"
#include "support/lab_cluster.hpp"
#include "support/thread_count.hpp"
#include "topology/topology_monitor.hpp"

namespace awrap {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::LabCluster;
using testing::LabFault;
using testing::LabOptions;

constexpr const char* kCredentials = "awrap:awrap-lab-password";

long long ms_since(Clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
}

void debug_logging_if_asked() {
  if (!std::getenv("AWRAP_TEST_DEBUG")) return;
  set_log_level(LogLevel::kDebug);
  set_log_sink([](LogLevel l, std::string_view m) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch())
                  .count() %
              100000;
    std::cerr << ms << " " << to_string(l) << " " << m << "\n";
  });
}

struct Flavour {
  const char* name;
  const char* base;
};

class FailoverMysql : public ::testing::TestWithParam<Flavour> {
 protected:
  void SetUp() override {
    debug_logging_if_asked();
    threads_before_ = testing::process_thread_count();
    LabOptions options;
    options.name = std::string("fom-") + GetParam().name;
    options.engine = "mariadb";
    options.flavour = GetParam().name;
    options.base = GetParam().base;
    options.nodes = 3;
    cluster_.emplace(LabCluster::up(options));
  }
  void TearDown() override { cluster_.reset(); }

  LabCluster& cluster() { return *cluster_; }
  bool plain() const { return std::string(GetParam().name) == "plain"; }
  bool aurora() const { return std::string(GetParam().name) == "aurora"; }

  // How an application reaches the cluster: the cluster endpoint name for multi-az (DNS via
  // /etc/hosts; instance names come from mysql.rds_topology), a host list for plain.
  std::string url() {
    auto status = cluster().status();
    std::string hosts;
    if (plain()) {
      for (const auto& n : status.nodes) hosts += (hosts.empty() ? "" : ",") + n.host + ":3306";
    } else {
      hosts = status.cluster_endpoint + ":3306";
    }
    return std::string("mysql://") + kCredentials + "@" + hosts + "/awrap";
  }
  PropertyMap props(PropertyMap extra = {}) {
    PropertyMap p{{"failover_timeout_sec", "30"},
                  {"connect_timeout", "2"},
                  {"cluster_topology_high_refresh_rate_ms", "50"},
                  {"topology_refresh_ms", "1000"},
                  // host_monitoring's loop thread ends soon after the test (thread counts).
                  {"monitor_disposal_time_ms", "500"}};
    if (!plain()) p["cluster_endpoint_role"] = "writer";
    // Aurora's topology names instances; the pattern turns a name into a host.
    if (aurora()) p["cluster_instance_host_pattern"] = cluster().status().host_pattern;
    for (auto& [k, v] : extra) p[k] = v;
    return p;
  }
  Connection open(PropertyMap extra = {}) {
    return Connection::open(url(), props(std::move(extra)));
  }

  // The writer's host as awrap names it: the endpoint mysql.rds_topology reports, or the IP.
  std::string writer_host() {
    auto w = cluster().writer();
    return plain() ? w.host : w.hostname;
  }
  std::string any_reader() {
    std::string reader;
    for (const auto& n : cluster().status().nodes)
      if (!n.is_writer()) reader = n.name;
    return reader;
  }
  // A connection that starts on a reader: its instance name (multi-az) or the host list with
  // that reader first (the list is a plain cluster's topology).
  std::string reader_url(const std::string& reader) {
    if (!plain()) return cluster().conninfo(reader, cluster().node(reader).hostname);
    std::string hosts = cluster().node(reader).host + ":3306";
    for (const auto& n : cluster().status().nodes)
      if (n.name != reader) hosts += "," + n.host + ":3306";
    return std::string("mysql://") + kCredentials + "@" + hosts + "/awrap";
  }
  void crash_writer_and_fail_over() {
    auto old = cluster().writer().name;
    cluster().fault(old, LabFault::kCrash);
    cluster().failover();
  }
  void expect_on_writer(Connection& c) {
    EXPECT_EQ(c.current_host().host, writer_host());
    EXPECT_EQ(c.execute("SELECT @@read_only").scalar<int64_t>(), 0);
  }

  int threads_before_ = 0;
  std::optional<LabCluster> cluster_;
};

TEST_P(FailoverMysql, DialectIsDetected) {
  ConnectSpec spec;
  spec.host = {cluster().writer().host, 3306};
  spec.user = "awrap";
  spec.password = "awrap-lab-password";
  spec.database = "awrap";
  spec.connect_timeout = 2s;
  auto connection = make_driver("mysql")->connect(spec);
  auto dialect = detect_dialect(*connection, "mysql");
  EXPECT_EQ(dialect->code(), plain() ? "mariadb" : aurora() ? "aurora-mysql" : "multi-az-mysql");
  EXPECT_TRUE(dialect->is_writer(*connection));
  if (aurora()) {
    // Instances by name: @@aurora_server_id, the rows of replica_host_status.
    auto writer = cluster().writer();
    EXPECT_EQ(dialect->instance_id(*connection), writer.name);
    auto entries = dialect->query_topology(*connection);
    ASSERT_EQ(entries.size(), 3u);
    for (const auto& e : entries) {
      EXPECT_EQ(e.is_writer, e.instance_id == writer.name) << e.instance_id;
      EXPECT_EQ(e.replica_lag_ms, e.is_writer ? 0.0 : 10.0) << e.instance_id;
      EXPECT_TRUE(e.last_update.has_value()) << e.instance_id;
    }
    spec.host = {cluster().node(any_reader()).host, 3306};
    auto reader = make_driver("mysql")->connect(spec);
    EXPECT_FALSE(dialect->is_writer(*reader)) << "@@innodb_read_only is 1 on a reader";
    EXPECT_EQ(dialect->instance_id(*reader), any_reader());
    for (const auto& e : dialect->query_topology(*reader))
      EXPECT_EQ(e.is_writer, e.instance_id == writer.name) << e.instance_id;
  } else if (!plain()) {
    auto writer = cluster().writer();
    std::string writer_id =
        writer.name.substr(writer.name.find('-') + 1);  // server_id = K of instance-K
    EXPECT_EQ(dialect->instance_id(*connection), writer_id);
    auto entries = dialect->query_topology(*connection);
    ASSERT_EQ(entries.size(), 3u);
    for (const auto& e : entries)
      EXPECT_EQ(e.is_writer, e.instance_id == writer_id) << e.instance_id;
    EXPECT_EQ(entries[std::stoi(writer_id) - 1].endpoint, writer.hostname);
    // From a reader: the writer is the Master_Server_Id of its replication.
    spec.host = {cluster().node(any_reader()).host, 3306};
    auto reader = make_driver("mysql")->connect(spec);
    EXPECT_FALSE(dialect->is_writer(*reader));
    for (const auto& e : dialect->query_topology(*reader))
      EXPECT_EQ(e.is_writer, e.instance_id == writer_id) << e.instance_id;
  }
}

TEST_P(FailoverMysql, WriterCrashWhileIdleGivesFailoverSuccessAndANewWriter) {
  auto c = open();
  expect_on_writer(c);  // reached through the cluster endpoint, identified as the instance
  crash_writer_and_fail_over();
  auto t0 = Clock::now();
  try {
    c.execute("SELECT 1");
    ADD_FAILURE() << "expected FailoverSuccessError";
  } catch (const FailoverSuccessError& e) {
    std::cout << "[figure] " << GetParam().name
              << " idle writer crash, lab failover done -> FailoverSuccessError: " << ms_since(t0)
              << " ms (" << e.what() << ")\n";
  }
  expect_on_writer(c);
  c.execute("CREATE TABLE IF NOT EXISTS my_fo_after(id INT)");
  c.execute("INSERT INTO my_fo_after VALUES (1)");
}

TEST_P(FailoverMysql, WriterCrashMidQuery) {
  auto c = open();
  Clock::time_point crashed;
  std::thread crasher([&] {
    std::this_thread::sleep_for(300ms);
    auto old = cluster().writer().name;
    cluster().fault(old, LabFault::kCrash);
    crashed = Clock::now();
    cluster().failover();
  });
  EXPECT_THROW(c.execute("SELECT SLEEP(10)"), FailoverSuccessError);
  auto noticed = Clock::now();
  crasher.join();
  expect_on_writer(c);
  std::cout << "[figure] " << GetParam().name
            << " mid-query writer crash -> back on the new writer " << ms_since(crashed)
            << " ms after the crash (exception at "
            << std::chrono::duration_cast<std::chrono::milliseconds>(noticed - crashed).count()
            << " ms)\n";
}

TEST_P(FailoverMysql, WriterCrashMidTransactionIsResolutionUnknownAndNothingCommits) {
  auto c = open();
  c.execute("CREATE TABLE IF NOT EXISTS my_fo_tx(id INT) ENGINE=InnoDB");
  c.begin();
  c.execute("INSERT INTO my_fo_tx VALUES (1)");
  crash_writer_and_fail_over();
  EXPECT_THROW(c.execute("INSERT INTO my_fo_tx VALUES (2)"), TransactionResolutionUnknownError);
  EXPECT_EQ(c.transaction_status(), TransactionStatus::kIdle);
  EXPECT_EQ(c.execute("SELECT COUNT(*) FROM my_fo_tx").scalar<int64_t>(), 0);
}

TEST_P(FailoverMysql, CommitInFlightIsResolutionUnknown) {
  auto c = open();
  c.execute("CREATE TABLE IF NOT EXISTS my_fo_commit(id INT) ENGINE=InnoDB");
  c.begin();
  c.execute("INSERT INTO my_fo_commit VALUES (1)");
  crash_writer_and_fail_over();
  EXPECT_THROW(c.commit(), TransactionResolutionUnknownError);
}

TEST_P(FailoverMysql, PreparedStatementsAndSessionStateSurviveFailover) {
  auto c = open();
  auto stmt = c.prepare("SELECT ? + 1");
  c.set_isolation_level(IsolationLevel::kSerializable);
  c.set_autocommit(false);
  c.commit();
  crash_writer_and_fail_over();
  EXPECT_THROW(c.execute(stmt, {1}), FailoverSuccessError);
  EXPECT_EQ(c.execute(stmt, {1}).scalar<int64_t>(), 2);
  EXPECT_EQ(c.execute("SELECT @@SESSION.tx_isolation").scalar<std::string>(), "SERIALIZABLE");
  EXPECT_EQ(c.execute("SELECT @@SESSION.autocommit").scalar<int64_t>(), 0)
      << "autocommit off survives";
  c.rollback();
}

TEST_P(FailoverMysql, CleanSwitchover) {
  auto c = open();
  auto old = cluster().writer();
  cluster().switchover();
  EXPECT_THROW(c.execute("SELECT 1"), FailoverSuccessError);
  expect_on_writer(c);
  EXPECT_NE(c.current_host().host, plain() ? old.host : old.hostname);
}

TEST_P(FailoverMysql, ReaderCrashUnderStrictReaderMovesToAnotherReader) {
  std::string reader = any_reader();
  auto c = Connection::open(reader_url(reader), props({{"failover_mode", "strict_reader"},
                                                       {"cluster_endpoint_role", "instance"}}));
  ASSERT_EQ(c.execute("SELECT @@read_only").scalar<int64_t>(), 1);
  cluster().fault(reader, LabFault::kCrash);
  EXPECT_THROW(c.execute("SELECT 1"), FailoverSuccessError);
  EXPECT_EQ(c.execute("SELECT @@read_only").scalar<int64_t>(), 1)
      << "strict_reader stays on readers";
  EXPECT_NE(c.current_host().host,
            plain() ? cluster().node(reader).host : cluster().node(reader).hostname);
}

TEST_P(FailoverMysql, ReaderCrashUnderReaderOrWriter) {
  std::string reader = any_reader();
  auto c = Connection::open(reader_url(reader), props({{"failover_mode", "reader-or-writer"},
                                                       {"cluster_endpoint_role", "instance"}}));
  cluster().fault(reader, LabFault::kCrash);
  EXPECT_THROW(c.execute("SELECT 1"), FailoverSuccessError);
  EXPECT_EQ(c.execute("SELECT 1").scalar<int64_t>(), 1);
}

TEST_P(FailoverMysql, NoNewWriterGivesFailoverFailedInBoundedTime) {
  auto c = open({{"failover_timeout_sec", "2"}});
  cluster().fault(cluster().writer().name, LabFault::kCrash);  // and nobody promotes a replica
  auto t0 = Clock::now();
  EXPECT_THROW(c.execute("SELECT 1"), FailoverFailedError);
  auto took = Clock::now() - t0;
  EXPECT_GE(took, 1900ms);
  EXPECT_LT(took, 8s);
}

TEST_P(FailoverMysql, TrackerClosesIdleConnectionsLeftOnAPartitionedOldWriter) {
  auto a = open();
  auto b = open();
  auto c = open({{"socket_timeout", "1"}});
  // The writer vanishes from the network: idle connections to it would hang on TCP for minutes.
  cluster().fault(cluster().writer().name, LabFault::kBlackhole);
  cluster().failover();
  EXPECT_THROW(c.execute("SELECT 1"), FailoverSuccessError);  // notices through its socket timeout
  expect_on_writer(c);
  // The tracker has closed a and b: they fail over at once instead of hanging.
  auto t0 = Clock::now();
  EXPECT_THROW(a.execute("SELECT 1"), FailoverSuccessError);
  EXPECT_THROW(b.execute("SELECT 1"), FailoverSuccessError);
  EXPECT_LT(Clock::now() - t0, 5s);
  expect_on_writer(a);
  expect_on_writer(b);
}

TEST_P(FailoverMysql, InitialConnectionLedToAReaderMovesToTheWriter) {
  // As after a failover whose DNS has not caught up: the name the application uses as the
  // writer endpoint leads to a reader (multi-az: the reader endpoint name; plain: a host list
  // with a reader first).
  std::string reader = any_reader();
  std::string target = plain() ? reader_url(reader)
                               : std::string("mysql://") + kCredentials + "@" +
                                     cluster().status().reader_endpoint + ":3306/awrap";
  auto c = Connection::open(target, props({{"cluster_endpoint_role", "writer"}}));
  expect_on_writer(c);
}

TEST_P(FailoverMysql, ThreadsReturnToBaselineWhenConnectionsClose) {
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

INSTANTIATE_TEST_SUITE_P(Flavours, FailoverMysql,
                         ::testing::Values(Flavour{"multi-az", "127.0.0.81"},
                                           Flavour{"aurora", "127.0.0.201"},
                                           Flavour{"plain", "127.0.0.85"}),
                         [](const auto& param_info) {
                           std::string n = param_info.param.name;
                           return n == "multi-az" ? std::string("multi_az") : n;
                         });

}  // namespace
}  // namespace awrap
