// The decisions of a host monitor (probe scheduling, failure count, abort, disposal) with a fake
// clock: MonitorStateMachine has no I/O, so every time point here is made up.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "awrap/log.hpp"
#include "base/runtime.hpp"
#include "plugin/host_monitoring/host_monitor.hpp"
#include "plugin/host_monitoring/monitor_state.hpp"
#include "support/eventually.hpp"
#include "support/fake_driver.hpp"

namespace awrap::internal {
namespace {

using namespace std::chrono_literals;
using Clock = MonitorStateMachine::Clock;
using Transition = MonitorStateMachine::Transition;

constexpr MonitorSettings kFast{1000ms, 500ms, 2, 5000ms};
const Clock::time_point t0 = Clock::time_point(100s);

TEST(HostMonitorState, NoProbeWhileCallsAreShort) {
  MonitorStateMachine m(kFast, t0);
  m.observe(t0 + 10ms, t0, t0);
  EXPECT_FALSE(m.active());
  EXPECT_FALSE(m.probe_due(t0 + 10ms));
  // The loop is told to look again exactly when the call becomes long.
  EXPECT_EQ(m.next_event(t0 + 10ms), t0 + 1000ms);
  m.observe(t0 + 999ms, t0, t0);
  EXPECT_FALSE(m.probe_due(t0 + 999ms));
}

TEST(HostMonitorState, FirstProbeAtDetectionTimeThenEveryInterval) {
  MonitorStateMachine m(kFast, t0);
  m.observe(t0 + 1000ms, t0, t0);
  ASSERT_TRUE(m.active());
  ASSERT_TRUE(m.probe_due(t0 + 1000ms));
  EXPECT_EQ(m.start_probe(t0 + 1000ms), t0 + 1500ms);  // the deadline is one interval
  EXPECT_FALSE(m.probe_due(t0 + 1001ms));              // one probe at a time
  EXPECT_EQ(m.finish_probe(true, t0 + 1003ms), Transition::kNone);
  m.observe(t0 + 1003ms, t0, t0);
  EXPECT_FALSE(m.probe_due(t0 + 1400ms));
  EXPECT_EQ(m.next_event(t0 + 1003ms), t0 + 1500ms);
  EXPECT_TRUE(m.probe_due(t0 + 1500ms));
}

TEST(HostMonitorState, DeadAfterCountConsecutiveFailures) {
  MonitorStateMachine m(kFast, t0);
  m.observe(t0 + 1000ms, t0, t0);
  m.start_probe(t0 + 1000ms);
  ASSERT_TRUE(m.probe_expired(t0 + 1500ms));
  EXPECT_EQ(m.finish_probe(false, t0 + 1500ms), Transition::kNone);
  EXPECT_FALSE(m.host_dead());
  EXPECT_FALSE(m.abort_due(t0, t0 + 1500ms));
  // A timed-out probe is followed by the next one at once.
  m.observe(t0 + 1500ms, t0, t0);
  ASSERT_TRUE(m.probe_due(t0 + 1500ms));
  m.start_probe(t0 + 1500ms);
  EXPECT_EQ(m.finish_probe(false, t0 + 2000ms), Transition::kBecameDead);
  EXPECT_TRUE(m.host_dead());
  EXPECT_TRUE(m.abort_due(t0, t0 + 2000ms));
  // A call younger than detection_time is not aborted (yet).
  EXPECT_FALSE(m.abort_due(t0 + 1500ms, t0 + 2000ms));
  EXPECT_TRUE(m.abort_due(t0 + 1500ms, t0 + 2500ms));
}

TEST(HostMonitorState, SuccessResetsTheCount) {
  MonitorStateMachine m(kFast, t0);
  m.observe(t0 + 1000ms, t0, t0);
  m.start_probe(t0 + 1000ms);
  m.finish_probe(false, t0 + 1500ms);
  m.start_probe(t0 + 1500ms);
  m.finish_probe(true, t0 + 1600ms);  // slow but within its deadline: alive
  EXPECT_EQ(m.failures(), 0);
  m.start_probe(t0 + 2000ms);
  EXPECT_EQ(m.finish_probe(false, t0 + 2500ms), Transition::kNone);
  EXPECT_FALSE(m.host_dead());
}

TEST(HostMonitorState, AliveAgainAfterASuccessfulProbe) {
  MonitorSettings one = kFast;
  one.count = 1;
  MonitorStateMachine m(one, t0);
  m.observe(t0 + 1000ms, t0, t0);
  m.start_probe(t0 + 1000ms);
  EXPECT_EQ(m.finish_probe(false, t0 + 1200ms), Transition::kBecameDead);
  // The stuck call was aborted; a new short call runs; probing goes on.
  m.observe(t0 + 1300ms, t0 + 1250ms, t0 + 1250ms);
  EXPECT_TRUE(m.active());
  EXPECT_TRUE(m.probe_due(t0 + 1500ms));
  m.start_probe(t0 + 1500ms);
  EXPECT_EQ(m.finish_probe(true, t0 + 1510ms), Transition::kBecameAlive);
  EXPECT_FALSE(m.host_dead());
}

TEST(HostMonitorState, PartialEvidenceIsForgottenWhenNoCallIsLong) {
  MonitorStateMachine m(kFast, t0);
  m.observe(t0 + 1000ms, t0, t0);
  m.start_probe(t0 + 1000ms);
  m.finish_probe(false, t0 + 1500ms);
  EXPECT_EQ(m.failures(), 1);
  m.observe(t0 + 1600ms, std::nullopt, t0);  // the call ended
  EXPECT_FALSE(m.active());
  EXPECT_EQ(m.failures(), 0);
  EXPECT_FALSE(m.probe_due(t0 + 5000ms));
  // A dead verdict is dropped as well once nothing runs: a recovered host is not condemned.
  MonitorSettings one = kFast;
  one.count = 1;
  MonitorStateMachine d(one, t0);
  d.observe(t0 + 1000ms, t0, t0);
  d.start_probe(t0 + 1000ms);
  d.finish_probe(false, t0 + 1500ms);
  ASSERT_TRUE(d.host_dead());
  d.observe(t0 + 1600ms, std::nullopt, t0);
  EXPECT_FALSE(d.host_dead());
  d.observe(t0 + 10s, t0 + 9500ms, t0 + 9500ms);
  EXPECT_FALSE(d.abort_due(t0 + 9500ms, t0 + 10s));
}

TEST(HostMonitorState, AnswerAfterTheCallsEndedChangesNothing) {
  MonitorStateMachine m(kFast, t0);
  m.observe(t0 + 1000ms, t0, t0);
  m.start_probe(t0 + 1000ms);
  m.observe(t0 + 1100ms, std::nullopt, t0 + 1100ms);
  EXPECT_EQ(m.finish_probe(false, t0 + 1500ms), Transition::kNone);
  EXPECT_EQ(m.failures(), 0);
}

TEST(HostMonitorState, DisposalAfterUnusedTime) {
  MonitorStateMachine m(kFast, t0);
  m.observe(t0 + 100ms, std::nullopt, t0);
  EXPECT_FALSE(m.disposable(t0 + 4999ms));
  EXPECT_EQ(m.next_event(t0 + 100ms), t0 + 5000ms);
  EXPECT_TRUE(m.disposable(t0 + 5000ms));
  // A call seen by the scan counts as use.
  m.observe(t0 + 4000ms, t0 + 3900ms, t0 + 3900ms);
  EXPECT_FALSE(m.disposable(t0 + 6000ms));
  m.observe(t0 + 4100ms, std::nullopt, t0 + 3900ms);  // it ended between two scans
  EXPECT_FALSE(m.disposable(t0 + 8999ms));
  EXPECT_TRUE(m.disposable(t0 + 9000ms));
  // Never while a call runs or a probe is out.
  MonitorStateMachine busy(kFast, t0);
  busy.observe(t0 + 1000ms, t0, t0);
  busy.start_probe(t0 + 1000ms);
  EXPECT_FALSE(busy.disposable(t0 + 1h));
}

TEST(HostMonitorState, NextEventNeverInThePastWhileIdle) {
  MonitorStateMachine m(kFast, t0);
  m.observe(t0 + 1000ms, t0, t0);
  m.start_probe(t0 + 1000ms);
  m.finish_probe(true, t0 + 1001ms);
  m.observe(t0 + 1200ms, t0, t0);
  // Active, probe answered: the next event is the next probe, not the (past) long-call moment.
  EXPECT_EQ(m.next_event(t0 + 1200ms), t0 + 1500ms);
}

}  // namespace
}  // namespace awrap::internal

// The real event loop, with a probe that cannot even be created (an engine no probe exists
// for): the failure is logged and retried once per interval, never in a tight loop; the loop
// thread ends after disposal.
namespace awrap::internal {
namespace {

TEST(HostMonitorLoop, AProbeThatThrowsIsRetriedPerIntervalAndTheLoopEnds) {
  static std::atomic<int> failures{0};
  failures = 0;
  const bool debug = std::getenv("AWRAP_TEST_DEBUG") != nullptr;
  set_log_level(debug ? LogLevel::kDebug : LogLevel::kWarning);
  set_log_sink([debug](LogLevel, std::string_view message) {
    if (debug) std::cerr << message << "\n";
    if (message.find("probe failed to run") != std::string_view::npos) ++failures;
  });
  HostMonitorKey key;
  auto driver = std::make_shared<testing::FakeDriver>();  // makes no probe: make_probe throws
  key.driver = driver;
  key.host.host = "127.0.0.1";
  key.host.port = 1;
  key.settings = {20ms, 50ms, 1, 200ms};
  auto connection = driver->connect(ConnectSpec{});
  auto registration = std::make_shared<MonitoredConnection>();
  {
    auto monitor = acquire_host_monitor(*internal::Runtime::process(), key);
    monitor->attach(registration, connection.get());
    EXPECT_EQ(host_monitoring_stats(*internal::Runtime::process()).threads, 1);
    registration->begin_call();
    std::this_thread::sleep_for(520ms);  // the time is the point: attempts per interval in it
    registration->end_call();
    monitor->detach(registration.get());
  }
  set_log_sink(nullptr);
  set_log_level(LogLevel::kWarning);
  // About one attempt per 50 ms from 20 ms on: 10, never hundreds.
  EXPECT_GE(failures.load(), 5);
  EXPECT_LE(failures.load(), 12);
  EXPECT_FALSE(connection->is_broken()) << "a host is never declared dead on our own error";
  testing::eventually(
      [] { return host_monitoring_stats(*internal::Runtime::process()).threads == 0; }, 3s, 10ms);
  EXPECT_EQ(host_monitoring_stats(*internal::Runtime::process()).threads, 0);
  EXPECT_EQ(host_monitoring_stats(*internal::Runtime::process()).monitors, 0);
}

TEST(HostMonitorState, ACancelledProbeWaitsForTheNextInterval) {
  MonitorStateMachine m(kFast, t0);
  m.observe(t0 + 1000ms, t0, t0);
  m.start_probe(t0 + 1000ms);
  m.cancel_probe();
  EXPECT_FALSE(m.probe_due(t0 + 1001ms));
  EXPECT_TRUE(m.probe_due(t0 + 1500ms));
  EXPECT_EQ(m.failures(), 0);
}

}  // namespace
}  // namespace awrap::internal
