// Failover and cancel logic over the fake driver (issue 12, defects 5, 9, 11): a failover ends in
// one of its three outcomes whatever goes wrong inside it, FailoverFailedError leaves a closed
// Connection, and cancel() never holds the Connection up. Pure logic: the fake driver answers
// in-process (tests/support/fake_driver.hpp); the lab suites prove the behaviour on servers.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "awrap/connection.hpp"
#include "base/runtime.hpp"
#include "core/connection_impl.hpp"
#include "core/host_availability.hpp"
#include "support/fake_driver.hpp"
#include "support/fake_failover_properties.hpp"
#include "support/thread_count.hpp"

namespace awrap::internal {
namespace {

using namespace std::chrono_literals;
using testing::FakeDriver;
using testing::FakeHooks;
using testing::FakeServerLog;
using Clock = std::chrono::steady_clock;

class FailoverOutcome : public ::testing::Test {
 protected:
  void SetUp() override {
    internal::Runtime::process()->get<HostAvailabilityRegistry>().clear();
    log_ = std::make_shared<FakeServerLog>();
    driver_ = std::make_shared<FakeDriver>(log_);
  }
  void TearDown() override {
    internal::Runtime::process()->get<HostAvailabilityRegistry>().clear();
  }

  // Two hosts named after the test, so no two tests share a topology monitor.
  Connection open(FakeHooks hooks, PropertyMap extra = {}) {
    driver_->set_hooks(std::make_shared<const FakeHooks>(std::move(hooks)));
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    first_ = name + "-1";
    second_ = name + "-2";
    PropertyMap props = testing::fast_failover_properties(extra);
    return ConnectionAccess::open("host=" + first_ + "," + second_ + " user=app password=pw", props,
                                  driver_);
  }

  std::shared_ptr<FakeServerLog> log_;
  std::shared_ptr<FakeDriver> driver_;
  std::string first_;
  std::string second_;
};

// Defect 11: after FailoverFailedError the Connection is closed, and a Transaction still in
// scope does not start a second full failover when it is destroyed.
TEST_F(FailoverOutcome, FailoverFailedClosesTheConnectionAndTransactionEndsQuietly) {
  std::atomic<bool> down{false};
  driver_->on_connect = [&](const ConnectSpec& spec) {
    if (down) throw ConnectError("refused", "08001", 0, spec.host.endpoint());
  };
  FakeHooks hooks;
  hooks.on_execute = [&](const HostInfo& h, std::string_view) {
    if (down) throw ConnectionLostError("gone", "08006", 0, h.endpoint());
  };
  auto c = open(hooks, {{"failover_timeout_sec", "1"}});
  Clock::time_point before_destructor;
  {
    Transaction tx(c);
    down = true;
    EXPECT_THROW(c.execute("INSERT INTO t VALUES (1)"), FailoverFailedError);
    before_destructor = Clock::now();
  }
  auto destructor_took = Clock::now() - before_destructor;
  EXPECT_TRUE(c.is_closed());
  EXPECT_LT(destructor_took, 300ms) << "no second failover from ~Transaction";
  auto t0 = Clock::now();
  EXPECT_THROW(c.execute("SELECT 1"), ConnectionClosedError);
  EXPECT_THROW(c.rollback(), ConnectionClosedError);
  EXPECT_LT(Clock::now() - t0, 300ms);
}

// Defect 5: a refused login on a candidate, or any other exception, does not escape the
// failover or abandon the remaining time: the next round connects.
TEST_F(FailoverOutcome, AuthErrorAndOtherExceptionsOnACandidateDoNotEscapeTheFailover) {
  std::atomic<bool> first_down{false};
  std::atomic<int> app_connect_attempts{0};
  const auto app_thread = std::this_thread::get_id();
  driver_->on_connect = [&](const ConnectSpec& spec) {
    if (!first_down) return;
    if (spec.host.host == first_) throw ConnectError("refused", "08001", 0, spec.host.endpoint());
    if (std::this_thread::get_id() != app_thread) return;  // the monitor's probes succeed
    int attempt = ++app_connect_attempts;
    if (attempt == 1) throw AuthError("password authentication failed", "28P01");
    if (attempt == 2) throw std::runtime_error("a bug in a user plugin");
  };
  FakeHooks hooks;
  hooks.on_execute = [&](const HostInfo& h, std::string_view) {
    if (first_down && h.host == first_) throw ConnectionLostError("gone", "08006", 0, h.endpoint());
  };
  auto c = open(hooks);
  first_down = true;
  EXPECT_THROW(c.execute("SELECT 1"), FailoverSuccessError);
  EXPECT_EQ(c.current_host().host, second_);
  EXPECT_GE(app_connect_attempts.load(), 3);
  EXPECT_EQ(
      internal::Runtime::process()->get<HostAvailabilityRegistry>().get(HostInfo{second_, 5432}),
      HostAvailability::kAvailable)
      << "a refused login never marks a host down";
}

// Defect 5: a failure while restoring session state on the new host is one more failed
// candidate, not an error of another kind.
TEST_F(FailoverOutcome, SessionRestoreFailureIsRetriedWithinTheFailover) {
  std::atomic<bool> first_down{false};
  std::atomic<int> restore_failures_left{1};
  driver_->on_connect = [&](const ConnectSpec& spec) {
    if (first_down && spec.host.host == first_)
      throw ConnectError("refused", "08001", 0, spec.host.endpoint());
  };
  FakeHooks hooks;
  hooks.on_execute = [&](const HostInfo& h, std::string_view) {
    if (first_down && h.host == first_) throw ConnectionLostError("gone", "08006", 0, h.endpoint());
  };
  hooks.on_session_call = [&](const HostInfo& h, std::string_view what) {
    if (first_down && h.host != first_ && what == "isolation" && restore_failures_left-- > 0)
      throw ConnectionLostError("lost while restoring", "08006", 0, h.endpoint());
  };
  auto c = open(hooks);
  c.set_isolation_level(IsolationLevel::kSerializable);
  first_down = true;
  EXPECT_THROW(c.execute("SELECT 1"), FailoverSuccessError);
  EXPECT_EQ(c.current_host().host, second_);
  EXPECT_LT(restore_failures_left.load(), 0) << "the restore failed once and was tried again";
  EXPECT_EQ(ConnectionAccess::impl(c).current_connection()->socket_timeout(), 0ms)
      << "after failover the application's socket_timeout (none) applies again";
}

// Defect 5: whatever fails inside, an open transaction is reported in doubt, never as another
// error class.
TEST_F(FailoverOutcome, InDoubtTransactionStaysResolutionUnknownAfterAFailedCandidate) {
  std::atomic<bool> first_down{false};
  std::atomic<int> app_connect_attempts{0};
  const auto app_thread = std::this_thread::get_id();
  driver_->on_connect = [&](const ConnectSpec& spec) {
    if (!first_down) return;
    if (spec.host.host == first_) throw ConnectError("refused", "08001", 0, spec.host.endpoint());
    if (std::this_thread::get_id() == app_thread && ++app_connect_attempts == 1)
      throw AuthError("password authentication failed", "28P01");
  };
  FakeHooks hooks;
  hooks.on_execute = [&](const HostInfo& h, std::string_view) {
    if (first_down && h.host == first_) throw ConnectionLostError("gone", "08006", 0, h.endpoint());
  };
  hooks.on_session_call = hooks.on_execute;
  auto c = open(hooks);
  c.begin();
  first_down = true;
  EXPECT_THROW(c.commit(), TransactionResolutionUnknownError);
}

// Defect 10: with no writer reachable, the topology monitor probes every host at the high rate
// only while a Connection waits; then it backs off, ends its probers after
// cluster_topology_unattended_probe_ms and tries each host once per topology_refresh_ms.
TEST_F(FailoverOutcome, ProbingForAMissingWriterEndsWhenNobodyWaits) {
  std::atomic<bool> down{false};
  std::atomic<int> refused{0};
  driver_->on_connect = [&](const ConnectSpec& spec) {
    if (!down) return;
    ++refused;
    throw ConnectError("refused", "08001", 0, spec.host.endpoint());
  };
  FakeHooks hooks;
  hooks.on_execute = [&](const HostInfo& h, std::string_view) {
    if (down) throw ConnectionLostError("gone", "08006", 0, h.endpoint());
  };
  PropertyMap props{{"failover_timeout_sec", "1"},
                    {"cluster_topology_unattended_probe_ms", "300"},
                    {"topology_refresh_ms", "1000"}};
  auto failing = open(hooks, props);
  auto idle = open(hooks, props);  // keeps the cluster's monitor alive after `failing` closes
  int threads_when_idle = ::awrap::internal::testing::process_thread_count();
  down = true;
  EXPECT_THROW(failing.execute("SELECT 1"), FailoverFailedError);
  int while_waiting = refused.load();
  EXPECT_GE(while_waiting, 20) << "probing at the high rate while the failover waited";
  // The probers end (cluster_topology_unattended_probe_ms after the wait)...
  EXPECT_EQ(::awrap::internal::testing::wait_for_thread_count(threads_when_idle, 3s),
            threads_when_idle)
      << "the probers ended";
  // ...and then the rate is the point: tries in one topology_refresh_ms.
  int before_quiet = refused.load();
  std::this_thread::sleep_for(1000ms);
  EXPECT_LE(refused.load() - before_quiet, 6)
      << "nobody waits: one try per host per topology_refresh_ms, not every 10 ms";
  EXPECT_FALSE(idle.is_closed());
}

// Defect 3: a candidate that accepts the login and then never answers costs
// auxiliary_query_timeout_sec per writer check, and failover_timeout_sec bounds the whole
// failover; the application's own socket_timeout (none here) is not what bounds them.
class StalledCandidate : public FailoverOutcome {
 protected:
  Connection open_with_stalled_second(PropertyMap props) {
    const auto app_thread = std::this_thread::get_id();
    driver_->on_connect = [this](const ConnectSpec& spec) {
      if (first_down_ && spec.host.host == first_)
        throw ConnectError("refused", "08001", 0, spec.host.endpoint());
    };
    FakeHooks hooks;
    hooks.on_execute = [this](const HostInfo& h, std::string_view) {
      if (first_down_ && h.host == first_)
        throw ConnectionLostError("gone", "08006", 0, h.endpoint());
    };
    // The monitor's probes (other threads) find second_ the writer; the failover's own writer
    // check on it gets no answer.
    hooks.stalls = [this, app_thread](const HostInfo& h, std::string_view sql) {
      return first_down_ && h.host == second_ && std::this_thread::get_id() == app_thread &&
             sql.find("pg_is_in_recovery") != std::string_view::npos;
    };
    return open(hooks, std::move(props));
  }
  std::atomic<bool> first_down_{false};
};

TEST_F(StalledCandidate, EachWriterCheckCostsTheAuxiliaryTimeout) {
  auto c = open_with_stalled_second(
      {{"failover_timeout_sec", "2"}, {"auxiliary_query_timeout_sec", "0.3"}});
  first_down_ = true;
  auto t0 = Clock::now();
  EXPECT_THROW(c.execute("SELECT 1"), FailoverFailedError);
  auto took = Clock::now() - t0;
  EXPECT_GE(took, 1900ms);
  EXPECT_LT(took, 3500ms);
}

TEST_F(StalledCandidate, FailoverTimeoutBoundsTheWaitInsideAWriterCheck) {
  auto c = open_with_stalled_second({{"failover_timeout_sec", "1"}});  // auxiliary: 5 s
  first_down_ = true;
  auto t0 = Clock::now();
  EXPECT_THROW(c.execute("SELECT 1"), FailoverFailedError);
  EXPECT_LT(Clock::now() - t0, 2500ms);
}

TEST_F(FailoverOutcome, AuxiliaryTimeoutMustBePositive) {
  try {
    open({}, {{"auxiliary_query_timeout_sec", "0"}});
    FAIL() << "accepted 0";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.property(), "auxiliary_query_timeout_sec");
    EXPECT_NE(std::string(e.what()).find("'0'"), std::string::npos) << e.what();
  }
}

// Defect 9: cancel() delivers its request without holding the Connection's lock, so close() (and
// a failover swapping the physical connection) never waits for its network round trip.
TEST_F(FailoverOutcome, CancelInFlightDoesNotBlockClose) {
  std::mutex mutex;
  std::condition_variable cv;
  bool cancel_entered = false;
  bool release_cancel = false;
  FakeHooks hooks;
  hooks.on_cancel = [&](const HostInfo&) {
    std::unique_lock lock(mutex);
    cancel_entered = true;
    cv.notify_all();
    cv.wait_for(lock, 5s, [&] { return release_cancel; });  // a slow cancel round trip
  };
  auto c = open(hooks, {{"wrapper_plugins", ""}});
  std::thread canceller([&] { c.cancel(); });
  {
    std::unique_lock lock(mutex);
    cv.wait_for(lock, 5s, [&] { return cancel_entered; });
  }
  auto closing = std::async(std::launch::async, [&] { c.close(); });
  bool closed_in_time = closing.wait_for(1s) == std::future_status::ready;
  {
    std::lock_guard lock(mutex);
    release_cancel = true;
  }
  cv.notify_all();
  canceller.join();
  closing.wait();
  EXPECT_TRUE(closed_in_time) << "close() waited for the cancel round trip";
  EXPECT_TRUE(c.is_closed());
}

}  // namespace
}  // namespace awrap::internal
