// The failover plugin's candidate loop driven through a Connection on the fake driver and a fake
// clock (support/fake_time_source.hpp): failovers that take seconds of fake time run in
// milliseconds, and their timing is asserted on the fake clock. failover_candidates_test.cpp
// checks each decision from its table; failover_outcome_test.cpp checks the same bounds in real
// time, and the lab suites (FailoverContract*, FailoverPg*) against servers.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "awrap/connection.hpp"
#include "awrap/errors.hpp"
#include "core/connection_impl.hpp"
#include "support/fake_driver.hpp"
#include "support/fake_time_source.hpp"

namespace awrap::internal {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

// A cluster of two hosts, "first" (the writer the Connection opens on) and "second", a reader.
// Only the application's thread ever confirms a writer (at open): the topology monitor's own
// checks of first fail, so no background thread publishes a writer at a fake time a failover
// could mistake for a fresh confirmation, and every round waits for the monitor the same fake
// time. When `first_down_` is set, first refuses connects and loses every session; with
// `hung_second_`, second's writer check from the application's thread never answers (it waits out
// the socket_timeout on the fake clock).
class FailoverLoop : public ::testing::Test {
 protected:
  Connection open(PropertyMap extra) {
    const auto app_thread = std::this_thread::get_id();
    driver_->on_connect = [this](const ConnectSpec& spec) {
      if (first_down_ && spec.host.host == "first")
        throw ConnectError("refused", "08001", 0, spec.host.endpoint());
    };
    testing::FakeHooks hooks;
    hooks.on_execute = [this, app_thread](const HostInfo& h, std::string_view) {
      if (h.host == "first" && (first_down_ || std::this_thread::get_id() != app_thread))
        throw ConnectionLostError("gone", "08006", 0, h.endpoint());
    };
    hooks.stalls = [this, app_thread](const HostInfo& h, std::string_view sql) {
      return hung_second_ && h.host == "second" && std::this_thread::get_id() == app_thread &&
             sql.find("pg_is_in_recovery") != std::string_view::npos;
    };
    hooks.stall_wait = [this](milliseconds wait) {
      {
        std::lock_guard lock(mutex_);
        stalls_.push_back(wait);
      }
      time_->advance(wait);
    };
    hooks.answer = [](const HostInfo& h, std::string_view sql) -> std::optional<std::string> {
      if (h.host == "second" && sql.find("pg_is_in_recovery") != std::string_view::npos)
        return "t";  // a reader, to every probe
      return std::nullopt;
    };
    driver_->set_hooks(std::make_shared<const testing::FakeHooks>(std::move(hooks)));
    PropertyMap props{
        {"wrapper_plugins", "failover"},
        {"wrapper_dialect", "pg"},
        {"cluster_id", ::testing::UnitTest::GetInstance()->current_test_info()->name()},
        {"cluster_topology_high_refresh_rate_ms", "10"},
        {"topology_refresh_ms", "100"}};
    for (auto& [k, v] : extra) props[k] = v;
    auto connection = ConnectionAccess::open("host=first,second user=app", props, driver_);
    // The application works a minute before first fails: the writer confirmed at open is old news.
    time_->advance(1min);
    return connection;
  }

  std::vector<milliseconds> stalls() {
    std::lock_guard lock(mutex_);
    return stalls_;
  }

  std::shared_ptr<testing::FakeTimeSource> time_ = std::make_shared<testing::FakeTimeSource>();
  testing::FakeTimeRuntime runtime_{time_};
  std::shared_ptr<testing::FakeDriver> driver_ = std::make_shared<testing::FakeDriver>();
  std::atomic<bool> first_down_{false};
  std::atomic<bool> hung_second_{false};
  std::mutex mutex_;
  std::vector<milliseconds> stalls_;  // how long each hung writer check waited
};

// Rounds at 0, 2.01 and 4.02 s each wait kMonitorPatience (2 s) for the monitor, then try both
// hosts (second is a reader, first refuses); the pause between rounds is
// cluster_topology_high_refresh_rate_ms (10 ms); the third round's wait is cut at the deadline,
// where nothing more is tried.
TEST_F(FailoverLoop, GivesUpExactlyAtFailoverTimeout) {
  auto connection = open({{"failover_timeout_sec", "5"}});
  first_down_ = true;
  const auto started = time_->now();
  EXPECT_THROW(connection.execute("SELECT 1"), FailoverFailedError);
  EXPECT_EQ(time_->now() - started, 5s);
}

// Each round: 2 s waiting for the monitor, then second's writer check abandoned after
// auxiliary_query_timeout_sec (3 s), then first refused: rounds start at 0 and 5.01 s, and the
// third, at 10.02 s, reaches the 12 s deadline waiting for the monitor.
TEST_F(FailoverLoop, ACandidateThatHangsIsAbandonedAtTheAuxiliaryQueryTimeout) {
  auto connection = open({{"failover_timeout_sec", "12"}, {"auxiliary_query_timeout_sec", "3"}});
  first_down_ = true;
  hung_second_ = true;
  const auto started = time_->now();
  EXPECT_THROW(connection.execute("SELECT 1"), FailoverFailedError);
  EXPECT_EQ(stalls(), (std::vector<milliseconds>{3s, 3s}));
  EXPECT_EQ(time_->now() - started, 12s);
}

// With less left of failover_timeout_sec than auxiliary_query_timeout_sec, the writer check ends
// with the failover: 2 s waiting for the monitor, then 2 s of the check, and no more.
TEST_F(FailoverLoop, FailoverTimeoutCutsAHungWriterCheck) {
  auto connection = open({{"failover_timeout_sec", "4"}, {"auxiliary_query_timeout_sec", "5"}});
  first_down_ = true;
  hung_second_ = true;
  const auto started = time_->now();
  EXPECT_THROW(connection.execute("SELECT 1"), FailoverFailedError);
  EXPECT_EQ(stalls(), std::vector<milliseconds>{2s});
  EXPECT_EQ(time_->now() - started, 4s);
}

}  // namespace
}  // namespace awrap::internal
