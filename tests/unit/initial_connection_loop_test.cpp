// initial_connection's loop driven through a Connection on the fake driver and a fake clock
// (support/fake_time_source.hpp): the retries that take open_connection_retry_timeout_ms of fake
// time run in microseconds, and their timing is asserted on the fake clock, not the wall clock.
// initial_connection_step_test.cpp checks each decision from its table; the lab suites
// (InitialConnection*) prove the behaviour against servers.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
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

class InitialConnectionLoop : public ::testing::Test {
 protected:
  // One cluster endpoint whose every connection reaches an instance that says `writer`.
  Connection open_endpoint(const std::string& role, bool reaches_writer) {
    driver_->on_connect = [this](const ConnectSpec&) {
      std::lock_guard lock(mutex_);
      connects_at_.push_back(std::chrono::duration_cast<milliseconds>(time_->elapsed()));
    };
    testing::FakeHooks hooks;
    hooks.answer = [reaches_writer](const HostInfo&,
                                    std::string_view sql) -> std::optional<std::string> {
      if (sql.find("pg_is_in_recovery") == std::string_view::npos) return std::nullopt;
      return reaches_writer ? "f" : "t";
    };
    driver_->set_hooks(std::make_shared<const testing::FakeHooks>(std::move(hooks)));
    PropertyMap props{{"wrapper_plugins", "initial_connection"},
                      {"wrapper_dialect", "pg"},
                      {"cluster_endpoint_role", role},
                      {"open_connection_retry_timeout_ms", "30000"},
                      {"open_connection_retry_interval_ms", "1000"}};
    return ConnectionAccess::open("host=endpoint user=app", props, driver_);
  }

  std::vector<milliseconds> connects_at() {
    std::lock_guard lock(mutex_);
    return connects_at_;
  }

  // Connects at 0, 1000, ..., 30000 ms: one through the endpoint, then one per interval while
  // another interval fits before the deadline.
  static std::vector<milliseconds> every_second_for_30_seconds() {
    std::vector<milliseconds> expected;
    for (int ms = 0; ms <= 30000; ms += 1000) expected.emplace_back(ms);
    return expected;
  }

  std::shared_ptr<testing::FakeTimeSource> time_ = std::make_shared<testing::FakeTimeSource>();
  testing::FakeTimeRuntime runtime_{time_};
  std::shared_ptr<testing::FakeDriver> driver_ = std::make_shared<testing::FakeDriver>();
  std::mutex mutex_;
  std::vector<milliseconds> connects_at_;
};

TEST_F(InitialConnectionLoop, AWriterEndpointLeadingToAReaderGivesUpAtTheRetryTimeout) {
  try {
    open_endpoint("writer", /*reaches_writer=*/false);
    FAIL() << "connected to a reader through the writer endpoint";
  } catch (const ConnectError& e) {
    EXPECT_NE(std::string(e.what()).find("open_connection_retry_timeout_ms=30000"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(time_->elapsed(), 30s);
  EXPECT_EQ(connects_at(), every_second_for_30_seconds());
}

TEST_F(InitialConnectionLoop, AReaderEndpointLeadingToTheWriterKeepsItAtTheRetryTimeout) {
  Connection connection = open_endpoint("reader", /*reaches_writer=*/true);
  EXPECT_FALSE(connection.is_closed());
  EXPECT_EQ(connection.current_host().host, "endpoint");
  EXPECT_EQ(time_->elapsed(), 30s);
  EXPECT_EQ(connects_at(), every_second_for_30_seconds());
}

TEST_F(InitialConnectionLoop, AnEndpointReachingTheRoleWantedCostsNoWait) {
  Connection connection = open_endpoint("writer", /*reaches_writer=*/true);
  EXPECT_EQ(time_->elapsed(), 0s);
  EXPECT_EQ(connects_at(), std::vector<milliseconds>{0ms});
}

}  // namespace
}  // namespace awrap::internal
