// fastest_response: the decision (pure, fake clock), the selector over a fake ResponseTimeSource,
// and the response-time monitors' life cycle on the real monitor loop with injected probes
// (threads, sessions and disposal counted). Against real servers: lab_read_write_splitting_test.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>

#include "awrap/errors.hpp"
#include "base/runtime.hpp"
#include "host_selection/fastest_response.hpp"
#include "host_selection/host_selector.hpp"
#include "plugin/response_time/response_time_monitor.hpp"
#include "support/fake_driver.hpp"

namespace awrap::internal {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using Times = std::vector<std::optional<std::chrono::nanoseconds>>;

const Clock::time_point t0 = Clock::time_point(100s);

HostInfo host(const std::string& name, HostRole role = HostRole::kReader) {
  HostInfo h;
  h.host = name;
  h.port = 5432;
  h.role = role;
  return h;
}

TEST(FastestResponse, PicksTheLowestMeasuredTimeAndSkipsUnmeasuredHosts) {
  EXPECT_EQ(fastest_index(Times{3ms, 1ms, 2ms}), 1u);
  EXPECT_EQ(fastest_index(Times{std::nullopt, 5ms, 4ms}), 2u);
  EXPECT_EQ(fastest_index(Times{2ms, 2ms}), 0u) << "a tie goes to the first";
  EXPECT_EQ(fastest_index(Times{std::nullopt, std::nullopt}), std::nullopt);
  EXPECT_EQ(fastest_index(Times{}), std::nullopt);
}

TEST(FastestResponse, TheChoiceStandsForOneIntervalThenFollowsNewFigures) {
  std::vector<HostInfo> hosts{host("a"), host("b")};
  std::optional<FastestChoice> cache;
  EXPECT_EQ(choose_fastest(hosts, Times{5ms, 1ms}, cache, t0, 200ms), 1u);
  ASSERT_TRUE(cache);
  EXPECT_EQ(cache->host, "b");
  EXPECT_EQ(cache->expires, t0 + 200ms);
  // a became faster, but the choice stands until it expires...
  EXPECT_EQ(choose_fastest(hosts, Times{1ms, 5ms}, cache, t0 + 199ms, 200ms), 1u);
  // ...and is made again from the new figures after.
  EXPECT_EQ(choose_fastest(hosts, Times{1ms, 5ms}, cache, t0 + 200ms, 200ms), 0u);
  EXPECT_EQ(cache->expires, t0 + 400ms);
}

TEST(FastestResponse, ACachedHostThatIsNoLongerEligibleIsDropped) {
  std::optional<FastestChoice> cache = FastestChoice{"gone", t0 + 1s};
  std::vector<HostInfo> hosts{host("a"), host("b")};
  EXPECT_EQ(choose_fastest(hosts, Times{3ms, 2ms}, cache, t0, 200ms), 1u);
  EXPECT_EQ(cache->host, "b");
}

TEST(FastestResponse, NothingMeasuredYetIsNoChoiceAndNothingIsCached) {
  std::vector<HostInfo> hosts{host("a"), host("b")};
  std::optional<FastestChoice> cache;
  EXPECT_EQ(choose_fastest(hosts, Times{std::nullopt, std::nullopt}, cache, t0, 200ms),
            std::nullopt);
  EXPECT_FALSE(cache);
}

// Figures set by the test; records which hosts the selector asked to be watched.
class FakeTimes final : public ResponseTimeSource {
 public:
  void watch(std::span<const HostInfo> hosts) override {
    watched.clear();
    for (const auto& h : hosts) watched.push_back(h.host);
  }
  std::optional<std::chrono::nanoseconds> response_time(const HostInfo& h) const override {
    auto it = times.find(h.host);
    if (it == times.end()) return std::nullopt;
    return it->second;
  }
  std::map<std::string, std::chrono::nanoseconds> times;
  std::vector<std::string> watched;
};

TEST(FastestResponse, TheSelectorWatchesTheEligibleHostsAndFollowsTheFakeClock) {
  auto times = std::make_shared<FakeTimes>();
  Clock::time_point now = t0;
  HostSelectorSources sources;
  sources.response_times = times;
  sources.clock = [&now] { return now; };
  std::uint64_t next_random = 0;
  sources.random = [&next_random] { return next_random++; };
  auto selector = make_host_selector(
      {.strategy = "fastest_response", .response_measurement_interval_ms = 100}, sources);
  std::vector<HostInfo> hosts{host("w", HostRole::kWriter), host("r1"), host("r2"), host("r3")};
  hosts[3].availability = HostAvailability::kUnavailable;

  // Nothing measured yet: at random among the eligible readers.
  auto first = selector->select(hosts, HostRole::kReader);
  ASSERT_TRUE(first);
  EXPECT_EQ(times->watched, (std::vector<std::string>{"r1", "r2"}));
  auto second = selector->select(hosts, HostRole::kReader);
  EXPECT_NE(first->host, second->host) << "not cached while unmeasured";

  times->times = {{"r1", 900us}, {"r2", 300us}, {"r3", 1us}};  // r3 is unavailable
  EXPECT_EQ(selector->select(hosts, HostRole::kReader)->host, "r2");
  times->times["r1"] = 100us;
  now += 99ms;
  EXPECT_EQ(selector->select(hosts, HostRole::kReader)->host, "r2") << "cached";
  now += 1ms;
  EXPECT_EQ(selector->select(hosts, HostRole::kReader)->host, "r1");
  EXPECT_EQ(selector->select(hosts, HostRole::kWriter)->host, "w");
}

TEST(FastestResponse, BadSettingsAreConfigErrorsNamingTheProperty) {
  HostSelectorSources sources;
  sources.response_times = std::make_shared<FakeTimes>();
  try {
    make_host_selector({.strategy = "fastest_response",
                        .strategy_property = "reader_host_selector_strategy",
                        .response_measurement_interval_ms = 0},
                       sources);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("response_measurement_interval_ms"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("'0'"), std::string::npos);
  }
  EXPECT_THROW(make_host_selector({.strategy = "fastest_response"}), ConfigError)
      << "no response-time source";
}

// A probe that answers at once (measured as 0 ns) or fails, counting the sessions it opens.
class InstantProbe final : public HostProbe {
 public:
  InstantProbe(bool answers, std::atomic<int>& sessions) : answers_(answers), sessions_(sessions) {}
  ~InstantProbe() override { close(); }
  Status start() override {
    if (!answers_) return Status::kFailed;
    if (!open_) ++sessions_;
    open_ = true;
    return Status::kSucceeded;
  }
  Status resume(short) override { return Status::kFailed; }
  int socket() const noexcept override { return -1; }
  short events() const noexcept override { return 0; }
  void abandon() noexcept override { close(); }
  void close() noexcept override {
    if (open_) --sessions_;
    open_ = false;
  }
  bool has_session() const noexcept override { return open_; }
  const std::string& error() const noexcept override { return error_; }

 private:
  bool answers_;
  std::atomic<int>& sessions_;
  bool open_ = false;
  std::string error_ = "refused by the test";
};

template <typename Predicate>
bool eventually(Predicate done, std::chrono::milliseconds limit = 3000ms) {
  auto deadline = Clock::now() + limit;
  while (!done() && Clock::now() < deadline) std::this_thread::sleep_for(5ms);
  return done();
}

TEST(ResponseTimeMonitors, OneLoopThreadOneSessionPerHostAndAllGoneWhenUnwatched) {
  ASSERT_TRUE(eventually([] {
    return response_time_stats(*internal::Runtime::process()).threads == 0;
  })) << "a monitor loop of an earlier test is still running";
  static std::atomic<int> sessions{0};
  sessions = 0;
  ResponseTimeMonitorKey key;
  auto driver = std::make_shared<testing::FakeDriver>();
  driver->probe_factory = [](ConnectSpec spec) -> std::unique_ptr<HostProbe> {
    return std::make_unique<InstantProbe>(spec.host.host != "10.0.0.3", sessions);
  };
  key.driver = driver;
  key.interval = 20ms;
  std::vector<HostInfo> hosts{host("10.0.0.1"), host("10.0.0.2"), host("10.0.0.3")};
  {
    // Two selectors (two Connections) watching the same hosts share the monitors.
    MonitoredResponseTimes a(internal::Runtime::process(), [&] { return key; });
    MonitoredResponseTimes b(internal::Runtime::process(), [&] { return key; });
    a.watch(hosts);
    b.watch(std::span<const HostInfo>(hosts).first(2));
    EXPECT_TRUE(eventually([&] { return a.response_time(hosts[0]) && b.response_time(hosts[1]); }));
    EXPECT_EQ(a.response_time(hosts[2]), std::nullopt) << "a host that fails is unmeasured";
    auto during = response_time_stats(*internal::Runtime::process());
    EXPECT_EQ(during.threads, 1);
    EXPECT_EQ(during.monitors, 3);
    EXPECT_EQ(during.users, 5);
    EXPECT_EQ(during.sessions, 2);
    EXPECT_EQ(sessions.load(), 2);
    // b stops watching 10.0.0.2: a still does, so its monitor stays.
    b.watch(std::span<const HostInfo>(hosts).first(1));
    EXPECT_TRUE(
        eventually([] { return response_time_stats(*internal::Runtime::process()).users == 4; }));
    EXPECT_EQ(response_time_stats(*internal::Runtime::process()).monitors, 3);
    // a stops watching 10.0.0.3: nobody does, so its monitor goes.
    a.watch(std::span<const HostInfo>(hosts).first(2));
    EXPECT_TRUE(eventually(
        [] { return response_time_stats(*internal::Runtime::process()).monitors == 2; }));
  }
  EXPECT_TRUE(
      eventually([] { return response_time_stats(*internal::Runtime::process()).threads == 0; }));
  auto after = response_time_stats(*internal::Runtime::process());
  EXPECT_EQ(after.monitors, 0);
  EXPECT_EQ(after.sessions, 0);
  EXPECT_EQ(sessions.load(), 0) << "every measuring session closed";
}

}  // namespace
}  // namespace awrap::internal
