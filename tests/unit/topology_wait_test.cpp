// TopologyMonitor::wait_for_writer on a fake clock (support/fake_time_source.hpp): its deadline
// is read from the Runtime's TimeSource, the one failover computes it from, so a wait that no
// probe ends lasts exactly until the deadline in fake time, and one a probe ends costs none.
// The probers themselves run in real time over the fake driver.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "dialect/pg_dialects.hpp"
#include "support/fake_driver.hpp"
#include "support/fake_time_source.hpp"
#include "support/test_data.hpp"
#include "topology/topology_monitor.hpp"

namespace awrap::internal {
namespace {

using namespace std::chrono_literals;

using testing::host_named;

// A plain two-host cluster over `driver`, probed every 10 ms.
TopologyMonitorConfig two_hosts(std::shared_ptr<testing::FakeDriver> driver) {
  TopologyMonitorConfig config;
  config.cluster_id = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  config.driver = std::move(driver);
  config.dialect = make_plain_pg_dialect("pg");
  config.seed_hosts = {host_named("a"), host_named("b")};
  config.map_entry = [](const TopologyEntry& e) { return host_named(e.endpoint); };
  config.spec.connect_timeout = 1000ms;
  config.high_rate_interval = 10ms;
  return config;
}

TEST(TopologyWait, AWaitNoProbeEndsLastsExactlyUntilItsDeadline) {
  auto driver = std::make_shared<testing::FakeDriver>();
  driver->on_connect = [](const ConnectSpec& spec) {
    throw ConnectError("refused", "08001", 0, spec.host.endpoint());
  };
  testing::FakeTimeSource time;
  TopologyMonitor monitor(two_hosts(driver), time);
  const auto started = time.now();
  EXPECT_EQ(monitor.wait_for_writer(started + 7s), nullptr);
  EXPECT_EQ(time.now() - started, 7s);
}

TEST(TopologyWait, AWriterConfirmedByAProbeEndsTheWaitWithoutMovingTheClock) {
  auto driver = std::make_shared<testing::FakeDriver>();
  testing::FakeHooks hooks;
  hooks.answer = [](const HostInfo& h, std::string_view sql) -> std::optional<std::string> {
    if (sql.find("pg_is_in_recovery") == std::string_view::npos) return std::nullopt;
    return h.host == "b" ? "f" : "t";  // b is the writer
  };
  driver->set_hooks(std::make_shared<const testing::FakeHooks>(std::move(hooks)));
  testing::FakeTimeSource time(/*grace=*/10s);  // real time enough for the probers
  TopologyMonitor monitor(two_hosts(driver), time);
  const auto started = time.now();
  auto topology = monitor.wait_for_writer(started + 7s);
  ASSERT_NE(topology, nullptr);
  ASSERT_TRUE(topology->writer());
  EXPECT_EQ(topology->writer()->host, "b");
  EXPECT_EQ(time.now(), started);
  EXPECT_GE(topology->writer_confirmed_at, started);
}

}  // namespace
}  // namespace awrap::internal
