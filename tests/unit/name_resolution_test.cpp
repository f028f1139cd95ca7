// Name resolution off the caller's thread (base/name_resolution.hpp). Names from /etc/hosts only:
// the unit suite asks no DNS server. The silent and once-answering DNS servers are in
// tests/integration/dns_deadline_test.cpp.
#include "base/name_resolution.hpp"

#include <poll.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "awrap/errors.hpp"

namespace awrap::internal {
namespace {

using namespace std::chrono_literals;

bool wait_readable(int fd, std::chrono::milliseconds limit) {
  pollfd entry{fd, POLLIN, 0};
  return ::poll(&entry, 1, static_cast<int>(limit.count())) == 1 && (entry.revents & POLLIN) != 0;
}

TEST(PendingLookup, WakesTheLoopWhenTheNameIsResolved) {
  PendingLookup lookup("localhost", "localhost:5432");
  ASSERT_TRUE(wait_readable(lookup.wake_fd(), 5000ms)) << "no wake-up within 5 s";
  // The notification may still be finishing on glibc's thread when the eventfd is written.
  for (int i = 0; i < 1000 && !lookup.finished(); ++i) std::this_thread::yield();
  ASSERT_TRUE(lookup.finished());
  const auto addresses = lookup.addresses();
  EXPECT_NE(std::find(addresses.begin(), addresses.end(), "127.0.0.1"), addresses.end());
}

TEST(PendingLookup, ANumericAddressResolvesToItself) {
  PendingLookup lookup("127.0.0.42", "127.0.0.42:3306");
  ASSERT_TRUE(wait_readable(lookup.wake_fd(), 5000ms));
  for (int i = 0; i < 1000 && !lookup.finished(); ++i) std::this_thread::yield();
  EXPECT_EQ(lookup.addresses(), std::vector<std::string>{"127.0.0.42"});
}

// Destroyed at once, while glibc may be starting, running or notifying: nothing it touches is
// freed before it is done (ASan and TSan builds run this too).
TEST(PendingLookup, DestroyingItAnyTimeIsSafe) {
  for (int i = 0; i < 200; ++i) {
    auto lookup = std::make_unique<PendingLookup>("localhost", "localhost:5432");
    if (i % 2 == 0) std::this_thread::yield();
    lookup.reset();
  }
  PendingLookup last("localhost", "localhost:5432");  // frees what the others left behind
  EXPECT_TRUE(wait_readable(last.wake_fd(), 5000ms));
}

TEST(ResolveHost, ANameFromEtcHostsWithinTheDeadline) {
  const auto addresses =
      resolve_host("localhost", std::chrono::steady_clock::now() + 5s, "localhost:5432");
  EXPECT_NE(std::find(addresses.begin(), addresses.end(), "127.0.0.1"), addresses.end());
}

}  // namespace
}  // namespace awrap::internal
