// TopologyMonitor::wait_for_writer on a fake clock (support/fake_time_source.hpp): its deadline
// is read from the Runtime's TimeSource, the one failover computes it from, so a wait that no
// probe ends lasts exactly until the deadline in fake time, and one a probe ends costs none.
// The probers themselves run in real time over the fake driver. And writer checks that overlap:
// the newer answer wins, whichever arrives last.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "dialect/pg_dialects.hpp"
#include "support/eventually.hpp"
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

// Two writer checks overlap: a's was sent first and answers last, after b's was published. The
// older answer must not move the writer back to a (and close the connections on b, the writer
// now). What a switchover looks like to two Connections checking at once.
TEST(TopologyWait, AnOlderWriterCheckAnsweringLastDoesNotMoveTheWriterBack) {
  auto driver = std::make_shared<testing::FakeDriver>();
  auto a_check_sent = std::make_shared<std::promise<void>>();
  auto a_may_answer = std::make_shared<std::promise<void>>();
  std::shared_future<void> a_released = a_may_answer->get_future().share();
  auto held = std::make_shared<std::atomic<bool>>(false);
  testing::FakeHooks hooks;
  hooks.answer = [=](const HostInfo& h, std::string_view sql) -> std::optional<std::string> {
    if (sql.find("pg_is_in_recovery") == std::string_view::npos) return std::nullopt;
    if (h.host == "a" && held->exchange(false)) {
      a_check_sent->set_value();
      a_released.wait();
    }
    return "f";  // each host says it is the writer: which one is, is a question of time
  };
  driver->set_hooks(std::make_shared<const testing::FakeHooks>(std::move(hooks)));
  TimeSource time;
  TopologyMonitorConfig config = two_hosts(driver);
  config.refresh_interval = 3600s;  // the monitor's own thread checks once, as it starts
  TopologyMonitor monitor(config, time);
  ASSERT_TRUE(testing::eventually(
      [&] {
        auto t = monitor.topology();
        return t && t->writer() && t->writer()->host == "a";
      },
      5s, 5ms));
  std::vector<WriterReplaced> replaced;
  std::mutex replaced_mutex;
  auto subscription = monitor.subscribe_writer_replaced([&](const WriterReplaced& e) {
    std::lock_guard lock(replaced_mutex);
    replaced.push_back(e);
  });

  auto connect_to = [&](const std::string& name) {
    ConnectSpec spec;
    spec.host = host_named(name);
    return driver->connect(spec);
  };
  auto on_a = connect_to("a");
  auto on_b = connect_to("b");
  held->store(true);
  std::thread older([&] { monitor.refresh_using(*on_a); });
  a_check_sent->get_future().wait();
  monitor.refresh_using(*on_b);  // sent after a's, answered first
  ASSERT_EQ(monitor.topology()->writer()->host, "b");
  a_may_answer->set_value();
  older.join();

  EXPECT_EQ(monitor.topology()->writer()->host, "b") << "the older answer moved the writer back";
  std::lock_guard lock(replaced_mutex);
  ASSERT_EQ(replaced.size(), 1u);
  EXPECT_EQ(replaced.front().old_writer.host, "a");
  EXPECT_EQ(replaced.front().new_writer.host, "b");
}

}  // namespace
}  // namespace awrap::internal
