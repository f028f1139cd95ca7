// A monitor's probe resolves its host's name without blocking the loop thread
// (plugin/resolving_probe.hpp). Names from /etc/hosts only: the unit suite asks no DNS server.
#include "plugin/resolving_probe.hpp"

#include <poll.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "support/fake_driver.hpp"

namespace awrap::internal {
namespace {

// Answers at once; records the spec it was made with.
class AnsweringProbe final : public HostProbe {
 public:
  Status start() override {
    session_ = true;
    return Status::kSucceeded;
  }
  Status resume(short /*revents*/) override { return Status::kSucceeded; }
  int socket() const noexcept override { return -1; }
  short events() const noexcept override { return 0; }
  void abandon() noexcept override { session_ = false; }
  void close() noexcept override { session_ = false; }
  bool has_session() const noexcept override { return session_; }
  const std::string& error() const noexcept override { return error_; }

 private:
  bool session_ = false;
  std::string error_;
};

struct Made {
  std::vector<ConnectSpec> specs;
};

std::shared_ptr<testing::FakeDriver> recording_driver(std::shared_ptr<Made> made) {
  auto driver = std::make_shared<testing::FakeDriver>();
  driver->probe_factory = [made](ConnectSpec spec) -> std::unique_ptr<HostProbe> {
    made->specs.push_back(spec);
    return std::make_unique<AnsweringProbe>();
  };
  return driver;
}

ConnectSpec spec_for(const std::string& host) {
  ConnectSpec spec;
  spec.host.host = host;
  spec.host.port = 5432;
  return spec;
}

TEST(ResolvingProbe, WaitsForTheLookupLikeForASocketThenProbesTheAddresses) {
  auto made = std::make_shared<Made>();
  auto probe = make_resolving_probe(recording_driver(made), spec_for("localhost"));
  HostProbe::Status status = probe->start();
  int rounds = 0;
  while (status == HostProbe::Status::kWaiting && rounds++ < 1000) {
    EXPECT_EQ(probe->events(), POLLIN);
    pollfd entry{probe->socket(), probe->events(), 0};
    ASSERT_GE(::poll(&entry, 1, 5000), 1) << "the lookup never woke the loop";
    status = probe->resume(entry.revents);
  }
  ASSERT_EQ(status, HostProbe::Status::kSucceeded) << probe->error();
  ASSERT_EQ(made->specs.size(), 1u);
  const auto& addresses = made->specs.front().addresses;
  EXPECT_NE(std::find(addresses.begin(), addresses.end(), "127.0.0.1"), addresses.end());
  EXPECT_EQ(made->specs.front().host.host, "localhost") << "the name stays for TLS";
  EXPECT_TRUE(probe->has_session());
  // The next check reuses the session: no second lookup.
  EXPECT_EQ(probe->start(), HostProbe::Status::kSucceeded);
  EXPECT_EQ(made->specs.size(), 1u);
}

TEST(ResolvingProbe, AnAddressGoesStraightToTheDriversProbe) {
  auto made = std::make_shared<Made>();
  auto probe = make_resolving_probe(recording_driver(made), spec_for("127.0.0.5"));
  EXPECT_EQ(probe->start(), HostProbe::Status::kSucceeded);
  ASSERT_EQ(made->specs.size(), 1u);
  EXPECT_TRUE(made->specs.front().addresses.empty());
}

TEST(ResolvingProbe, AbandonedWhileResolvingItMakesNoProbeAndCanStartAgain) {
  auto made = std::make_shared<Made>();
  auto probe = make_resolving_probe(recording_driver(made), spec_for("localhost"));
  probe->start();
  probe->abandon();  // while resolving (a ThreadSanitizer build resolves at once: then after it)
  EXPECT_FALSE(probe->has_session());
  const std::size_t before = made->specs.size();
  HostProbe::Status status = probe->start();
  while (status == HostProbe::Status::kWaiting) {
    pollfd entry{probe->socket(), probe->events(), 0};
    ASSERT_GE(::poll(&entry, 1, 5000), 1);
    status = probe->resume(entry.revents);
  }
  EXPECT_EQ(status, HostProbe::Status::kSucceeded);
  EXPECT_EQ(made->specs.size(), before + 1);
}

}  // namespace
}  // namespace awrap::internal
