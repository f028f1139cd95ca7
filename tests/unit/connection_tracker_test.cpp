// aurora_connection_tracker hears of a writer change from the topology monitor (an event) and
// aborts the connections still open to the old writer; the monitor itself aborts nothing. On a
// fake driver with a scripted dialect: a real TopologyMonitor, the registered tracker plugin,
// PluginServices that hand them over.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "awrap/ext/plugin.hpp"
#include "base/runtime.hpp"
#include "base/time_source.hpp"
#include "dialect/dialect.hpp"
#include "support/eventually.hpp"
#include "support/fake_driver.hpp"
#include "support/log_capture.hpp"
#include "topology/open_connection_registry.hpp"
#include "topology/topology_monitor.hpp"

namespace awrap::internal {
namespace {

using namespace std::chrono_literals;

HostInfo host(const std::string& name) {
  return HostInfo{.host = name, .port = 5432};
}

ConnectSpec spec_for(const HostInfo& host) {
  ConnectSpec spec;
  spec.host = host;
  return spec;
}

// A plain cluster (no topology reported) whose writer is whichever host the test names.
class ScriptedDialect final : public Dialect {
 public:
  std::string_view code() const noexcept override { return "pg"; }
  bool reports_topology() const noexcept override { return false; }
  std::vector<TopologyEntry> query_topology(TargetConnection&) const override { return {}; }
  std::string instance_id(TargetConnection&) const override { return {}; }
  bool is_writer(TargetConnection& connection) const override {
    std::lock_guard lock(mutex_);
    return connection.host().host == writer_;
  }
  void set_writer(std::string host) {
    std::lock_guard lock(mutex_);
    writer_ = std::move(host);
  }

 private:
  mutable std::mutex mutex_;
  std::string writer_;
};

// Just what the tracker asks for: the current connection and the topology monitor.
class TrackedService final : public PluginService {
 public:
  TrackedService(std::shared_ptr<TargetDriver> driver, std::shared_ptr<TopologyMonitor> monitor)
      : driver_(std::move(driver)), monitor_(std::move(monitor)) {}
  void connect_to(const HostInfo& host) {
    current_ = driver_->connect(spec_for(host));
    host_ = host;
  }

  TargetConnection* current_connection() noexcept override { return current_.get(); }
  HostInfo current_host() const override { return host_; }
  void set_current_connection(std::unique_ptr<TargetConnection> connection) override {
    current_ = std::move(connection);
  }
  std::unique_ptr<TargetConnection> connect(const HostInfo& host) override {
    return driver_->connect(spec_for(host));
  }
  std::vector<HostInfo> hosts() const override { return {}; }
  void set_availability(const HostInfo&, HostAvailability) override {}
  HostAvailability availability(const HostInfo&) const override {
    return HostAvailability::kAvailable;
  }
  const Properties& properties() const noexcept override { return properties_; }
  const TargetDriver& driver() const noexcept override { return *driver_; }
  std::shared_ptr<const TargetDriver> shared_driver() const noexcept override { return driver_; }
  const ConnectSpec& initial_spec() const noexcept override { return spec_; }
  bool autocommit() const noexcept override { return true; }
  bool read_only() const noexcept override { return false; }
  IsolationLevel isolation_level() const noexcept override { return IsolationLevel::kDefault; }
  std::chrono::milliseconds auxiliary_query_timeout() const noexcept override { return 1000ms; }
  std::unique_ptr<TargetConnection> connect_until(const HostInfo& host,
                                                  std::chrono::steady_clock::time_point) override {
    return connect(host);
  }
  std::shared_ptr<TargetConnection> exchange_connection(std::shared_ptr<TargetConnection>,
                                                        const HostInfo&) override {
    return nullptr;
  }
  std::shared_ptr<ClusterTopology> topology_monitor() const override { return monitor_; }
  CallAbortedListener call_aborted_listener() const override { return on_abort; }

  CallAbortedListener on_abort;  // what the Connection hands out (its application's listener)

 private:
  std::shared_ptr<TargetDriver> driver_;
  std::shared_ptr<TopologyMonitor> monitor_;
  std::unique_ptr<TargetConnection> current_;
  HostInfo host_;
  Properties properties_;
  ConnectSpec spec_;
};

std::unique_ptr<Plugin> make_tracker(PluginService& service) {
  for (const auto& registration : registered_plugins())
    if (registration.code == "aurora_connection_tracker")
      return registration.factory(service, service.properties());
  ADD_FAILURE() << "aurora_connection_tracker is not registered";
  return nullptr;
}

// Publishes `writer` as the confirmed writer, over a connection to it (as a Connection does).
void publish_writer(TopologyMonitor& monitor, ScriptedDialect& dialect, TargetDriver& driver,
                    const std::string& writer) {
  dialect.set_writer(writer);
  auto connection = driver.connect(spec_for(host(writer)));
  monitor.refresh_using(*connection);
}

bool eventually(const std::function<bool()>& done) {
  return testing::eventually(done, 3s, 5ms);
}

// A two-host plain cluster whose writer is `first` and whose monitor thread stays quiet once
// started (start_quiet_monitor): the test publishes.
TopologyMonitorConfig quiet_cluster(std::shared_ptr<testing::FakeDriver> driver,
                                    std::shared_ptr<ScriptedDialect> dialect,
                                    const std::string& cluster_id, const std::string& first,
                                    const std::string& second) {
  dialect->set_writer(first);
  TopologyMonitorConfig config;
  config.cluster_id = cluster_id;
  config.driver = std::move(driver);
  config.dialect = std::move(dialect);
  config.seed_hosts = {host(first), host(second)};
  config.map_entry = [](const TopologyEntry& e) { return host(e.endpoint); };
  config.refresh_interval = 3600s;
  return config;
}

// The monitor's thread checks the writer once as it starts, then sleeps for the refresh interval.
// Waiting for that first check to publish keeps the thread's answers out of the test's own
// publishing (its listeners would otherwise run on the monitor's thread, perhaps after the test).
std::shared_ptr<TopologyMonitor> start_quiet_monitor(const TopologyMonitorConfig& config,
                                                     TimeSource& time, const std::string& first) {
  auto monitor = std::make_shared<TopologyMonitor>(config, time);
  EXPECT_TRUE(eventually([&] {
    auto topology = monitor->topology();
    return topology && topology->writer() && topology->writer()->host == first;
  })) << "the monitor's first check never published "
      << first;
  return monitor;
}

TEST(ConnectionTracker, AbortsConnectionsOnTheOldWriterWhenTheMonitorReportsItReplaced) {
  auto driver = std::make_shared<testing::FakeDriver>();
  auto dialect = std::make_shared<ScriptedDialect>();
  TopologyMonitorConfig config =
      quiet_cluster(driver, dialect, "connection-tracker-test", "tracker-a", "tracker-b");
  internal::TimeSource real_time;  // outlives the monitor and the services holding it
  auto monitor = start_quiet_monitor(config, real_time, "tracker-a");
  publish_writer(*monitor, *dialect, *driver, "tracker-a");
  ASSERT_TRUE(monitor->topology() && monitor->topology()->writer());
  ASSERT_EQ(monitor->topology()->writer()->host, "tracker-a");

  // Two Connections of the cluster on the writer and one on the reader, with trackers; one more
  // on the writer whose Connection has no monitor (tracker only): the event reaches it through
  // the others, as the registry is process-wide.
  TrackedService on_writer(driver, monitor), also_on_writer(driver, monitor),
      on_reader(driver, monitor), without_monitor(driver, nullptr);
  on_writer.connect_to(host("tracker-a"));
  also_on_writer.connect_to(host("tracker-a"));
  on_reader.connect_to(host("tracker-b"));
  without_monitor.connect_to(host("tracker-a"));
  std::vector<std::unique_ptr<Plugin>> trackers;
  for (TrackedService* service : {&on_writer, &also_on_writer, &on_reader, &without_monitor}) {
    trackers.push_back(make_tracker(*service));
    ASSERT_TRUE(trackers.back());
    trackers.back()->on_connection_changed(HostInfo{}, service->current_host());
  }
  EXPECT_EQ(internal::Runtime::process()->get<OpenConnectionRegistry>().count(host("tracker-a")),
            3u);

  // The same writer again is no change: nothing is aborted.
  publish_writer(*monitor, *dialect, *driver, "tracker-a");
  EXPECT_FALSE(on_writer.current_connection()->is_broken());

  publish_writer(*monitor, *dialect, *driver, "tracker-b");
  EXPECT_EQ(monitor->topology()->writer()->host, "tracker-b");
  EXPECT_TRUE(eventually([&] { return on_writer.current_connection()->is_broken(); }));
  EXPECT_TRUE(also_on_writer.current_connection()->is_broken());
  EXPECT_TRUE(without_monitor.current_connection()->is_broken());
  EXPECT_FALSE(on_reader.current_connection()->is_broken()) << "the new writer is left alone";
  EXPECT_EQ(internal::Runtime::process()->get<OpenConnectionRegistry>().count(host("tracker-a")),
            0u);

  // Without subscribed trackers the monitor aborts nothing: a writer change is only an event.
  trackers.clear();  // untracks everything and unsubscribes
  TrackedService left_on_b(driver, nullptr);
  left_on_b.connect_to(host("tracker-b"));
  auto untracked_only = make_tracker(left_on_b);
  untracked_only->on_connection_changed(HostInfo{}, left_on_b.current_host());
  publish_writer(*monitor, *dialect, *driver, "tracker-a");
  EXPECT_EQ(monitor->topology()->writer()->host, "tracker-a");
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(left_on_b.current_connection()->is_broken());
  untracked_only.reset();
  EXPECT_EQ(internal::Runtime::process()->get<OpenConnectionRegistry>().count(host("tracker-b")),
            0u);
}

// Each aborted connection's own application hears of it (on_call_aborted), once, after the abort,
// outside the topology listeners' lock (the listener may subscribe and unsubscribe).
TEST(ConnectionTracker, EachAbortedConnectionsListenerIsToldOnce) {
  auto driver = std::make_shared<testing::FakeDriver>();
  auto dialect = std::make_shared<ScriptedDialect>();
  TopologyMonitorConfig config =
      quiet_cluster(driver, dialect, "connection-tracker-events", "events-a", "events-b");
  TimeSource real_time;  // outlives the monitor and the services holding it
  auto monitor = start_quiet_monitor(config, real_time, "events-a");
  publish_writer(*monitor, *dialect, *driver, "events-a");

  TrackedService on_writer(driver, monitor), silent_on_writer(driver, monitor),
      on_reader(driver, monitor);
  std::mutex mutex;
  std::vector<std::pair<std::string, CallAbortedEvent>> told;
  bool broken_when_told = false;
  bool outside_the_lock = false;
  auto listener_for = [&](std::string name, TrackedService& service) {
    return [&, name](const CallAbortedEvent& e) {
      // Another thread (un)subscribes meanwhile, as a Connection closing elsewhere does: under
      // the topology listeners' lock it would wait until this listener returned.
      auto subscribed = std::make_shared<std::promise<void>>();
      auto done = subscribed->get_future();
      std::thread([monitor, subscribed] {
        auto subscription = monitor->subscribe_writer_replaced([](const WriterReplaced&) {});
        subscription.reset();  // and unsubscribes
        subscribed->set_value();
      }).detach();
      const bool free = done.wait_for(2s) == std::future_status::ready;
      std::lock_guard lock(mutex);
      outside_the_lock = free;
      broken_when_told = service.current_connection()->is_broken();
      told.emplace_back(name, e);
    };
  };
  on_writer.on_abort = listener_for("on_writer", on_writer);
  on_reader.on_abort = listener_for("on_reader", on_reader);
  on_writer.connect_to(host("events-a"));
  silent_on_writer.connect_to(host("events-a"));
  on_reader.connect_to(host("events-b"));
  std::vector<std::unique_ptr<Plugin>> trackers;
  for (TrackedService* service : {&on_writer, &silent_on_writer, &on_reader}) {
    trackers.push_back(make_tracker(*service));
    ASSERT_TRUE(trackers.back());
    trackers.back()->on_connection_changed(HostInfo{}, service->current_host());
  }

  publish_writer(*monitor, *dialect, *driver, "events-b");
  EXPECT_TRUE(silent_on_writer.current_connection()->is_broken()) << "aborted without listener";
  std::lock_guard lock(mutex);
  ASSERT_EQ(told.size(), 1u) << "only the aborted connection with a listener is told";
  EXPECT_EQ(told.front().first, "on_writer");
  const CallAbortedEvent& event = told.front().second;
  EXPECT_EQ(event.reason, CallAbortReason::kWriterReplaced);
  EXPECT_EQ(event.host.host, "events-a");
  EXPECT_FALSE(event.call_duration.has_value());
  EXPECT_NE(event.detail.find("the writer is now events-b:5432"), std::string::npos)
      << event.detail;
  EXPECT_TRUE(broken_when_told);
  EXPECT_TRUE(outside_the_lock) << "the application was called under awrap's lock";
}

TEST(WriterReplacedListeners, AListenerRemovedIsNeverCalledAndAFailingOneDoesNotStopTheOthers) {
  testing::LogCapture log(LogLevel::kWarning);
  auto listeners = std::make_shared<WriterReplacedListeners>();
  int first = 0;
  int second = 0;
  auto failing = std::make_unique<WriterReplacedSubscription>(
      listeners, listeners->add([](const WriterReplaced&) { throw std::runtime_error("boom"); }));
  auto one = std::make_unique<WriterReplacedSubscription>(
      listeners, listeners->add([&](const WriterReplaced&) { ++first; }));
  auto two = std::make_unique<WriterReplacedSubscription>(
      listeners, listeners->add([&](const WriterReplaced& e) {
        ++second;
        EXPECT_EQ(e.old_writer.host, "old");
        EXPECT_EQ(e.new_writer.host, "new");
      }));
  const WriterReplaced event{"c", host("old"), host("new")};
  listeners->publish(event);
  EXPECT_EQ(first, 1);
  EXPECT_EQ(second, 1);
  one.reset();
  listeners->publish(event);
  EXPECT_EQ(first, 1);
  EXPECT_EQ(second, 2);
  EXPECT_EQ(listeners->size(), 2u);
  EXPECT_EQ(log.count("a writer-change listener failed: boom"), 2);
  // A subscription that outlives its listeners (the monitor) is harmless.
  listeners.reset();
  two.reset();
  failing.reset();
}

}  // namespace
}  // namespace awrap::internal
