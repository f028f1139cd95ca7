// Connection events (awrap/events.hpp): the failover plugin and host monitoring tell the
// application's listeners what happened, once, after it is true, on the documented thread; a
// listener that throws changes nothing; without listeners nothing is delivered. Pure logic over
// the fake driver (tests/support/fake_driver.hpp); the lab suites use the same events against
// real servers (host_monitoring_test, failover_contract_test, failover_session_end_test).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "awrap/connection.hpp"
#include "awrap/pool.hpp"
#include "base/runtime.hpp"
#include "core/connection_impl.hpp"
#include "core/event_delivery.hpp"
#include "core/host_availability.hpp"
#include "support/eventually.hpp"
#include "support/fake_driver.hpp"
#include "support/fake_failover_properties.hpp"
#include "support/log_capture.hpp"

namespace awrap::internal {
namespace {

using namespace std::chrono_literals;
using testing::FakeDriver;
using testing::FakeHooks;

// What the listeners heard, in order, and on which thread.
struct Heard {
  std::mutex mutex;
  std::vector<std::string> order;  // "started", "failover", "aborted"
  std::vector<FailoverStartedEvent> started;
  std::vector<FailoverEvent> failovers;
  std::vector<CallAbortedEvent> aborts;
  std::vector<std::thread::id> abort_threads;

  ConnectionEvents listeners() {
    ConnectionEvents events;
    events.on_failover_started = [this](const FailoverStartedEvent& e) {
      std::lock_guard lock(mutex);
      order.push_back("started");
      started.push_back(e);
    };
    events.on_failover = [this](const FailoverEvent& e) {
      std::lock_guard lock(mutex);
      order.push_back("failover");
      failovers.push_back(e);
    };
    events.on_call_aborted = [this](const CallAbortedEvent& e) {
      std::lock_guard lock(mutex);
      order.push_back("aborted");
      aborts.push_back(e);
      abort_threads.push_back(std::this_thread::get_id());
    };
    return events;
  }
  std::vector<std::string> seen() {
    std::lock_guard lock(mutex);
    return order;
  }
  std::size_t abort_count() {
    std::lock_guard lock(mutex);
    return aborts.size();
  }
};

// Two hosts named after the test (no two tests share a topology monitor); the first one goes
// down when `down` is set: its calls are lost and connects to it refused.
class FailoverEvents : public ::testing::Test {
 protected:
  void SetUp() override {
    internal::Runtime::process()->get<HostAvailabilityRegistry>().clear();
    driver_ = std::make_shared<FakeDriver>();
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    first_ = name + "-1";
    second_ = name + "-2";
    driver_->on_connect = [this](const ConnectSpec& spec) {
      if (down_ && spec.host.host == first_)
        throw ConnectError("refused", "08001", 0, spec.host.endpoint());
      if (all_down_) throw ConnectError("refused", "08001", 0, spec.host.endpoint());
    };
    FakeHooks hooks;
    hooks.on_execute = [this](const HostInfo& h, std::string_view) {
      if ((down_ && h.host == first_) || all_down_)
        throw ConnectionLostError("server closed the connection (password=hunter2)", "08006", 0,
                                  h.endpoint());
    };
    hooks.on_session_call = hooks.on_execute;
    driver_->set_hooks(std::make_shared<const FakeHooks>(std::move(hooks)));
  }
  void TearDown() override {
    internal::Runtime::process()->get<HostAvailabilityRegistry>().clear();
  }

  Connection open(ConnectionEvents events, PropertyMap extra = {}) {
    PropertyMap props = testing::fast_failover_properties(extra);
    return ConnectionAccess::open("host=" + first_ + "," + second_ + " user=app password=pw", props,
                                  driver_, std::move(events));
  }

  std::shared_ptr<FakeDriver> driver_;
  std::string first_;
  std::string second_;
  std::atomic<bool> down_{false};
  std::atomic<bool> all_down_{false};
};

TEST_F(FailoverEvents, SuccessIsToldOnTheCallersThreadOnceTheNewConnectionIsCurrent) {
  Heard heard;
  auto events = heard.listeners();
  Connection* connection = nullptr;
  std::string current_when_told;
  std::thread::id told_on;
  events.on_failover = [&, record = events.on_failover](const FailoverEvent& e) {
    current_when_told = connection->current_host().host;
    told_on = std::this_thread::get_id();
    record(e);
  };
  auto c = open(events);
  connection = &c;
  EXPECT_TRUE(heard.seen().empty()) << "nothing happened yet";
  down_ = true;
  try {
    c.execute("SELECT 1");
    ADD_FAILURE() << "no failover";
  } catch (const FailoverSuccessError& e) {
    EXPECT_EQ(heard.seen(), (std::vector<std::string>{"started", "failover"}))
        << "both told before the call raised";
    ASSERT_EQ(heard.failovers.size(), 1u);
    const FailoverEvent& told = heard.failovers.front();
    EXPECT_EQ(told.result, FailoverResult::kSuccess);
    EXPECT_EQ(told.from.host, first_);
    ASSERT_TRUE(told.to.has_value());
    EXPECT_EQ(told.to->host, second_);
    EXPECT_EQ(told.to->role, HostRole::kWriter);
    EXPECT_EQ(told.error, e.what());
    EXPECT_NE(told.reason.find("server closed the connection"), std::string::npos) << told.reason;
    EXPECT_EQ(told.reason.find("hunter2"), std::string::npos) << "secrets are masked";
    EXPECT_GE(told.duration, 0ms);
    EXPECT_LT(told.duration, 5s);
    EXPECT_EQ(heard.started.front().from.host, first_);
    EXPECT_EQ(heard.started.front().reason, told.reason);
  }
  EXPECT_EQ(current_when_told, second_) << "told after the new connection was in place";
  EXPECT_EQ(told_on, std::this_thread::get_id());
  c.execute("SELECT 1");
  EXPECT_EQ(heard.seen().size(), 2u) << "a healthy call tells nothing";
  EXPECT_EQ(heard.abort_count(), 0u) << "failover itself aborts nothing the application hears of";
}

TEST_F(FailoverEvents, AnOpenTransactionIsToldAsResolutionUnknown) {
  Heard heard;
  auto c = open(heard.listeners());
  c.begin();
  c.execute("INSERT INTO t VALUES (1)");
  down_ = true;
  EXPECT_THROW(c.commit(), TransactionResolutionUnknownError);
  ASSERT_EQ(heard.failovers.size(), 1u);
  EXPECT_EQ(heard.failovers.front().result, FailoverResult::kTransactionResolutionUnknown);
  EXPECT_EQ(heard.failovers.front().to->host, second_);
}

TEST_F(FailoverEvents, FailedIsToldOnceTheConnectionIsClosed) {
  Heard heard;
  auto events = heard.listeners();
  Connection* connection = nullptr;
  bool closed_when_told = false;
  events.on_failover = [&, record = events.on_failover](const FailoverEvent& e) {
    closed_when_told = connection->is_closed();
    record(e);
  };
  auto c = open(events, {{"failover_timeout_sec", "1"}});
  connection = &c;
  all_down_ = true;
  EXPECT_THROW(c.execute("SELECT 1"), FailoverFailedError);
  ASSERT_EQ(heard.failovers.size(), 1u);
  const FailoverEvent& told = heard.failovers.front();
  EXPECT_EQ(told.result, FailoverResult::kFailed);
  EXPECT_FALSE(told.to.has_value());
  EXPECT_EQ(told.from.host, first_);
  EXPECT_GE(told.duration, 900ms);
  EXPECT_TRUE(closed_when_told);
  EXPECT_EQ(heard.seen(), (std::vector<std::string>{"started", "failover"}));
}

TEST_F(FailoverEvents, AListenerThatThrowsChangesNothing) {
  testing::LogCapture log(LogLevel::kWarning);
  ConnectionEvents events;
  int told = 0;
  events.on_failover_started = [&](const FailoverStartedEvent&) {
    ++told;
    throw std::runtime_error("listener bug");
  };
  events.on_failover = [&](const FailoverEvent&) {
    ++told;
    throw 42;  // not even a std::exception
  };
  auto c = open(events);
  down_ = true;
  EXPECT_THROW(c.execute("SELECT 1"), FailoverSuccessError) << "the outcome stands";
  EXPECT_EQ(told, 2);
  EXPECT_EQ(c.current_host().host, second_);
  EXPECT_EQ(c.execute("SELECT 1").scalar<std::int64_t>(), 1);
  EXPECT_EQ(log.count("on_failover_started listener threw: listener bug"), 1);
  EXPECT_EQ(log.count("on_failover listener threw a non-standard exception"), 1);
}

TEST_F(FailoverEvents, WithoutListenersNothingIsToldAndNoAbortListenerIsHandedOut) {
  auto c = open({});
  EXPECT_FALSE(ConnectionAccess::impl(c).call_aborted_listener())
      << "background monitors get nothing to call";
  ConnectionEvents only_failover;
  int told = 0;
  only_failover.on_failover = [&](const FailoverEvent&) { ++told; };
  auto d = open(only_failover);
  EXPECT_FALSE(ConnectionAccess::impl(d).call_aborted_listener())
      << "no on_call_aborted: monitors report nothing";
  down_ = true;
  EXPECT_THROW(c.execute("SELECT 1"), FailoverSuccessError);
  EXPECT_EQ(told, 0) << "another Connection's failover";
  EXPECT_THROW(d.execute("SELECT 1"), FailoverSuccessError);
  EXPECT_EQ(told, 1);
}

TEST(AbortListener, OnePhysicalConnectionIsReportedOnce) {
  Heard heard;
  auto delivery = std::make_shared<const EventDelivery>(heard.listeners());
  auto listener = abort_listener_for_one_connection(delivery);
  ASSERT_TRUE(listener);
  CallAbortedEvent event;
  event.host.host = "h";
  listener(event);  // host monitoring
  event.reason = CallAbortReason::kWriterReplaced;
  listener(event);  // the tracker, before failover replaced the connection
  ASSERT_EQ(heard.abort_count(), 1u);
  EXPECT_EQ(heard.aborts.front().reason, CallAbortReason::kHostUnresponsive) << "the first wins";
  abort_listener_for_one_connection(delivery)(event);
  EXPECT_EQ(heard.abort_count(), 2u) << "the next physical connection is reported on its own";
  EXPECT_FALSE(abort_listener_for_one_connection(nullptr));
}

// A probe that never gets an answer: the host is dead at the first probe (settings 20/50/1).
class UnansweredProbe final : public HostProbe {
 public:
  Status start() override { return Status::kFailed; }
  Status resume(short) override { return Status::kFailed; }
  int socket() const noexcept override { return -1; }
  short events() const noexcept override { return 0; }
  void abandon() noexcept override {}
  void close() noexcept override {}
  bool has_session() const noexcept override { return false; }
  const std::string& error() const noexcept override { return error_; }

 private:
  std::string error_ = "no answer";
};

// The whole path: the host_monitoring plugin takes the Connection's abort listener to the shared
// monitor, whose thread aborts the stuck call and then tells the application.
TEST(HostMonitoringEvents, AStuckCallAbortedByTheMonitorIsToldOnTheMonitorThread) {
  internal::Runtime::process()->get<HostAvailabilityRegistry>().clear();
  auto driver = std::make_shared<FakeDriver>();
  driver->probe_factory = [](ConnectSpec) { return std::make_unique<UnansweredProbe>(); };
  Heard heard;
  FakeHooks hooks;
  // The call hangs until the monitor's abort was reported (3 s at most), then fails as an
  // aborted connection does.
  hooks.on_execute = [&](const HostInfo& h, std::string_view sql) {
    if (sql != "SELECT hang") return;
    testing::eventually([&] { return heard.abort_count() > 0; }, 3s, 5ms);
    throw ConnectionLostError("aborted", "08006", 0, h.endpoint());
  };
  driver->set_hooks(std::make_shared<const FakeHooks>(std::move(hooks)));
  auto c = ConnectionAccess::open("host=127.0.0.1 port=15011 user=app password=pw",
                                  {{"wrapper_plugins", "host_monitoring"},
                                   {"failure_detection_time_ms", "20"},
                                   {"failure_detection_interval_ms", "50"},
                                   {"failure_detection_count", "1"},
                                   {"monitor_disposal_time_ms", "200"}},
                                  driver, heard.listeners());
  c.execute("SELECT 1");
  EXPECT_EQ(heard.abort_count(), 0u) << "a short call is never aborted";
  EXPECT_THROW(c.execute("SELECT hang"), ConnectionLostError);
  ASSERT_EQ(heard.abort_count(), 1u);
  const CallAbortedEvent& told = heard.aborts.front();
  EXPECT_EQ(told.reason, CallAbortReason::kHostUnresponsive);
  EXPECT_EQ(told.host.endpoint(), "127.0.0.1:15011");
  ASSERT_TRUE(told.call_duration.has_value());
  EXPECT_GE(*told.call_duration, 20ms);
  EXPECT_NE(told.detail.find("did not answer 1 probe(s)"), std::string::npos) << told.detail;
  EXPECT_NE(heard.abort_threads.front(), std::this_thread::get_id()) << "the monitor's thread";
  EXPECT_TRUE(ConnectionAccess::impl(c).current_connection()->is_broken())
      << "told after the abort";
  c.close();
  internal::Runtime::process()->get<HostAvailabilityRegistry>().clear();
}

TEST(PoolEvents, ListenersInTheOptionsOfAFactoryPoolAreRefused) {
  PoolOptions options;
  options.events.on_failover = [](const FailoverEvent&) {};
  try {
    Pool pool([]() -> Connection { throw ConnectError("unused"); }, options);
    ADD_FAILURE() << "accepted";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.property(), "events");
    EXPECT_NE(std::string(e.what()).find("Pool(conninfo, properties, options)"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace awrap::internal
