// The lab's MariaDB rejoin after a crash: a former writer that holds a transaction no replica
// received is refused by the new writer ("diverged") and rebuilt from a copy of it. The copy must
// hold the writer's logins as well as its data: a user a test created on the writer has to log
// in there once the rebuilt node is promoted (PoolFailover/mariadb was refused as its own user
// after a switchover promoted a rebuilt node).
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "awrap/ext/target_driver.hpp"
#include "awrap/result.hpp"
#include "support/lab_cluster.hpp"
#include "support/test_env.hpp"

namespace awrap::internal {
namespace {

using namespace std::chrono_literals;
using testing::LabCluster;
using testing::LabFault;

std::string rows_on(const LabCluster& cluster, const std::string& node) {
  return cluster.sql(node, "SELECT GROUP_CONCAT(id ORDER BY id) FROM awrap.rejoin_rows");
}

TEST(LabMariaDbRejoin, ADivergedFormerWriterIsRebuiltWithTheWritersDataAndLogins) {
  auto cluster = LabCluster::up(
      {.name = "labself-my-rejoin", .engine = "mariadb", .nodes = 2, .base = "127.0.0.131"});
  cluster.sql("instance-1",
              "CREATE USER 'rejoin_test'@'%' IDENTIFIED BY 'rejoin-test-password'; "
              "GRANT SELECT ON awrap.* TO 'rejoin_test'@'%'; "
              "CREATE TABLE awrap.rejoin_rows(id int primary key); "
              "INSERT INTO awrap.rejoin_rows VALUES (1)");
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (rows_on(cluster, "instance-2").find('1') == std::string::npos &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  ASSERT_EQ(rows_on(cluster, "instance-2"), "1\n") << "row 1 never replicated";

  // Row 2 reaches no replica, then the writer dies: the new writer never had it.
  cluster.sql("instance-2", "STOP SLAVE");
  cluster.sql("instance-1", "INSERT INTO awrap.rejoin_rows VALUES (2)");
  cluster.fault("instance-1", LabFault::kCrash);
  cluster.failover("instance-2");
  cluster.sql("instance-2", "INSERT INTO awrap.rejoin_rows VALUES (3)");
  const auto rejoined = cluster.rejoin("instance-1");
  ASSERT_EQ(rejoined.node("instance-1").role, "reader");

  // Rebuilt: the writer's rows, without its own lost row 2 (a replica that only resumed would
  // keep it, or stop replicating).
  const auto caught_up = std::chrono::steady_clock::now() + 20s;
  while (rows_on(cluster, "instance-1") != "1,3\n" && std::chrono::steady_clock::now() < caught_up)
    std::this_thread::sleep_for(20ms);
  EXPECT_EQ(rows_on(cluster, "instance-1"), "1,3\n");

  // And the writer's logins: the test's user logs in on the rebuilt node.
  const auto node = rejoined.node("instance-1");
  auto driver = make_builtin_driver("mysql");
  auto connection = driver->connect(
      testing::connect_spec("mysql://rejoin_test:rejoin-test-password@" + node.host + ":" +
                            std::to_string(node.port) + "/awrap"));
  EXPECT_EQ(
      Result(connection->execute("SELECT count(*) FROM rejoin_rows", {})).scalar<std::int64_t>(),
      2);
}

}  // namespace
}  // namespace awrap::internal
