// Background credentials (issue 12, defect 1): the host monitor's probe sessions log in with
// credentials fresh from the authentication plugins, and a refused login is the host answering,
// never "host dead". The real event loop with a scripted probe (no server).
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "awrap/log.hpp"
#include "base/runtime.hpp"
#include "core/credentials_chain.hpp"
#include "core/host_availability.hpp"
#include "plugin/host_monitoring/host_monitor.hpp"
#include "support/eventually.hpp"
#include "support/fake_driver.hpp"

namespace awrap::internal {
namespace {

using namespace std::chrono_literals;

// Hands out "token-1", "token-2", ... and records what it was told.
class CountingCredentials final : public BackgroundCredentials {
 public:
  void apply(ConnectSpec& spec) const override {
    std::lock_guard lock(mutex_);
    spec.password = "token-" + std::to_string(++applied_);
  }
  void refused(const ConnectSpec& spec) const noexcept override {
    std::lock_guard lock(mutex_);
    refused_.push_back(spec.password);
  }
  int applied() const {
    std::lock_guard lock(mutex_);
    return applied_;
  }
  std::vector<std::string> refused_passwords() const {
    std::lock_guard lock(mutex_);
    return refused_;
  }

 private:
  mutable std::mutex mutex_;
  mutable int applied_ = 0;
  mutable std::vector<std::string> refused_;
};

// A probe whose every check ends at once with `outcome`; records the password it logs in with.
class ScriptedProbe final : public HostProbe {
 public:
  ScriptedProbe(Status outcome, ConnectSpec spec, std::vector<std::string>& logins,
                std::mutex& mutex)
      : outcome_(outcome) {
    std::lock_guard lock(mutex);
    logins.push_back(spec.password);
  }
  Status start() override { return outcome_; }
  Status resume(short) override { return outcome_; }
  int socket() const noexcept override { return -1; }
  short events() const noexcept override { return 0; }
  void abandon() noexcept override {}
  void close() noexcept override {}
  bool has_session() const noexcept override { return outcome_ == Status::kSucceeded; }
  const std::string& error() const noexcept override { return error_; }

 private:
  Status outcome_;
  std::string error_ = "scripted";
};

struct MonitorRun {
  bool aborted = false;
  HostAvailability availability = HostAvailability::kAvailable;
  std::vector<std::string> logins;
};

// One connection in a call on a monitored host whose probes all end with `outcome` (settings
// 20/50/1: any failed probe makes the host dead at once). The call lasts until five probes have
// logged in or the connection was aborted (3 s at most).
MonitorRun run_monitor(HostProbe::Status outcome,
                       const std::shared_ptr<const BackgroundCredentials>& credentials, int port) {
  internal::Runtime::process()->get<HostAvailabilityRegistry>().clear();
  MonitorRun run;
  std::mutex mutex;
  HostMonitorKey key;
  key.host.host = "127.0.0.1";
  key.host.port = port;
  key.probe_spec.user = "app";
  key.probe_spec.password = "password-of-the-last-login";
  key.settings = {20ms, 50ms, 1, 200ms};
  key.credentials = credentials;
  auto driver = std::make_shared<testing::FakeDriver>();
  driver->probe_factory = [&](ConnectSpec spec) {
    return std::make_unique<ScriptedProbe>(outcome, std::move(spec), run.logins, mutex);
  };
  key.driver = driver;
  auto connection = driver->connect(ConnectSpec{});
  auto registration = std::make_shared<MonitoredConnection>();
  {
    auto monitor = acquire_host_monitor(*internal::Runtime::process(), key);
    monitor->attach(registration, connection.get());
    registration->begin_call();
    testing::eventually(
        [&] {
          std::lock_guard lock(mutex);
          return run.logins.size() >= 5 || connection->is_broken();
        },
        3s, 5ms);
    registration->end_call();
    monitor->detach(registration.get());
  }
  run.aborted = connection->is_broken();
  run.availability = internal::Runtime::process()->get<HostAvailabilityRegistry>().get(key.host);
  testing::eventually(
      [] { return host_monitoring_stats(*internal::Runtime::process()).threads == 0; }, 3s, 10ms);
  std::lock_guard lock(mutex);
  internal::Runtime::process()->get<HostAvailabilityRegistry>().clear();
  return run;
}

TEST(BackgroundCredentials, AProbeRefusedLoginIsNotAHostFailure) {
  auto credentials = std::make_shared<CountingCredentials>();
  MonitorRun run = run_monitor(HostProbe::Status::kRefused, credentials, 15001);
  EXPECT_FALSE(run.aborted) << "a refused login aborted the call: the host was taken for dead";
  EXPECT_EQ(run.availability, HostAvailability::kAvailable) << "the host was marked down";
  // One probe per interval, each a new session with fresh credentials.
  ASSERT_GE(run.logins.size(), 5u);
  for (std::size_t i = 0; i < run.logins.size(); ++i)
    EXPECT_EQ(run.logins[i], "token-" + std::to_string(i + 1)) << "login " << i;
  // Every refused login was reported, so the plugin drops what it handed out.
  auto refused = credentials->refused_passwords();
  EXPECT_GE(refused.size() + 1, run.logins.size());
  if (!refused.empty()) {
    EXPECT_EQ(refused.front(), "token-1");
  }
}

TEST(BackgroundCredentials, WithoutAPluginTheProbeUsesTheLastLogin) {
  MonitorRun run = run_monitor(HostProbe::Status::kRefused, nullptr, 15002);
  EXPECT_FALSE(run.aborted);
  ASSERT_FALSE(run.logins.empty());
  EXPECT_EQ(run.logins.front(), "password-of-the-last-login");
}

// Control: the same set-up with probes that get no answer does condemn the host, so the test
// above proves something.
TEST(BackgroundCredentials, AProbeWithoutAnswerStillMakesTheHostDead) {
  MonitorRun run = run_monitor(HostProbe::Status::kFailed, nullptr, 15003);
  EXPECT_TRUE(run.aborted);
  EXPECT_EQ(run.availability, HostAvailability::kUnavailable);
}

class NamedCredentials final : public BackgroundCredentials {
 public:
  explicit NamedCredentials(std::string name) : name_(std::move(name)) {}
  void apply(ConnectSpec& spec) const override { spec.password += name_; }
  void refused(const ConnectSpec&) const noexcept override {}

 private:
  std::string name_;
};

class CredentialPlugin final : public Plugin {
 public:
  explicit CredentialPlugin(std::shared_ptr<const BackgroundCredentials> source)
      : source_(std::move(source)) {}
  std::string_view code() const noexcept override { return "test"; }
  MethodSet subscribed_methods() const noexcept override { return {Method::kConnect}; }
  std::shared_ptr<const BackgroundCredentials> background_credentials() const override {
    return source_;
  }

 private:
  std::shared_ptr<const BackgroundCredentials> source_;
};

TEST(BackgroundCredentials, TheChainAppliesPluginsInPipelineOrder) {
  CredentialPlugin none(nullptr);
  EXPECT_EQ(chain_background_credentials({&none}), nullptr);
  auto a = std::make_shared<NamedCredentials>("a");
  CredentialPlugin first(a);
  CredentialPlugin second(std::make_shared<NamedCredentials>("b"));
  EXPECT_EQ(chain_background_credentials({&none, &first}), a) << "one source is used as it is";
  auto chained = chain_background_credentials({&first, &none, &second});
  ASSERT_NE(chained, nullptr);
  ConnectSpec spec;
  chained->apply(spec);
  EXPECT_EQ(spec.password, "ab");
}

}  // namespace
}  // namespace awrap::internal
