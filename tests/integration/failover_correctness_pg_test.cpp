// Failure-handling correctness on a real Aurora-emulating PostgreSQL cluster (issue 12): errors
// that must not fail over, and waits that must stay bounded. One cluster serves the whole suite
// (bringing one up costs seconds); every test leaves it healed, with instance-1 the writer.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <thread>

#include "awrap/awrap.hpp"
#include "support/lab_cluster.hpp"

namespace awrap::internal {
namespace {

using namespace std::chrono_literals;
using testing::LabCluster;
using testing::LabOptions;

class FailoverCorrectnessPg : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cluster_.emplace(LabCluster::up({.name = "corr-pg",
                                     .engine = "pg",
                                     .flavour = "aurora",
                                     .nodes = 2,
                                     .base = "127.0.0.141"}));
  }
  static void TearDownTestSuite() { cluster_.reset(); }

  void SetUp() override {
    if (std::getenv("AWRAP_TEST_DEBUG")) {
      set_log_level(LogLevel::kDebug);
      set_log_sink(
          [](LogLevel l, std::string_view m) { std::cerr << to_string(l) << " " << m << "\n"; });
    }
  }

  static LabCluster& cluster() { return *cluster_; }

  Connection open(PropertyMap extra = {}) {
    auto status = cluster().status();
    PropertyMap p{{"failover_timeout_sec", "20"},
                  {"connect_timeout", "2"},
                  {"cluster_topology_high_refresh_rate_ms", "50"},
                  {"topology_refresh_ms", "1000"},
                  {"monitor_disposal_time_ms", "500"},
                  {"cluster_endpoint_role", "writer"},
                  {"cluster_instance_host_pattern", status.host_pattern}};
    for (auto& [k, v] : extra) p[k] = v;
    return Connection::open("host=" + status.cluster_endpoint +
                                " port=5432 user=awrap password=awrap-lab-password dbname=awrap",
                            p);
  }

  static inline std::optional<LabCluster> cluster_;
};

// Defect 2: a read-only error inside a transaction on a healthy writer. The writer check used to
// run inside the application's aborted transaction (25P02), read that as "not the writer" and
// fail over: TransactionResolutionUnknownError on the same host.
TEST_F(FailoverCorrectnessPg, ReadOnlyTransactionOnAHealthyWriterIsAReadOnlyViolation) {
  auto c = open();
  c.execute("CREATE TABLE IF NOT EXISTS corr_ro(id int)");
  auto host = c.current_host();
  c.begin();
  c.execute("SET TRANSACTION READ ONLY");
  EXPECT_THROW(c.execute("INSERT INTO corr_ro VALUES (1)"), ReadOnlyViolationError);
  EXPECT_EQ(c.current_host().host, host.host) << "no failover";
  EXPECT_EQ(c.transaction_status(), TransactionStatus::kInFailedTransaction)
      << "the application's transaction is left as the server left it";
  c.rollback();
  c.execute("INSERT INTO corr_ro VALUES (2)");
  EXPECT_EQ(c.execute("SELECT count(*) FROM corr_ro WHERE id = 1").scalar<int64_t>(), 0);
}

TEST_F(FailoverCorrectnessPg, ReadOnlySessionDefaultInsideATransactionIsAReadOnlyViolation) {
  auto c = open();
  c.execute("CREATE TABLE IF NOT EXISTS corr_ro(id int)");
  auto host = c.current_host();
  // What a role with default_transaction_read_only=on gets at login.
  c.execute("SET default_transaction_read_only = on");
  c.begin();
  EXPECT_THROW(c.execute("INSERT INTO corr_ro VALUES (3)"), ReadOnlyViolationError);
  EXPECT_EQ(c.current_host().host, host.host) << "no failover";
  c.rollback();
  EXPECT_THROW(c.execute("INSERT INTO corr_ro VALUES (3)"), ReadOnlyViolationError)
      << "autocommit: the same";
  EXPECT_EQ(c.current_host().host, host.host);
}

// Defect 6: dblink (like postgres_fdw) reports a dead remote server with class 08 on our healthy
// session. That is the statement's error, not our connection's: no failover, same session.
TEST_F(FailoverCorrectnessPg, RemoteConnectionErrorFromDblinkIsAQueryErrorNotAFailover) {
  cluster().sql(cluster().writer().name, "CREATE EXTENSION IF NOT EXISTS dblink");
  auto c = open();
  auto pid = c.execute("SELECT pg_backend_pid()").scalar<int64_t>();
  try {
    c.execute("SELECT dblink_connect('corr', 'host=127.0.0.1 port=1 connect_timeout=2')");
    FAIL() << "dblink reached a closed port";
  } catch (const FailoverError& e) {
    FAIL() << "failed over: " << e.what();
  } catch (const QueryError& e) {
    EXPECT_TRUE(e.sqlstate().starts_with("08")) << e.sqlstate() << " " << e.what();
  }
  EXPECT_EQ(c.execute("SELECT pg_backend_pid()").scalar<int64_t>(), pid) << "same session";
}

}  // namespace
}  // namespace awrap::internal
