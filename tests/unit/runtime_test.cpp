// internal::Runtime (src/base/runtime.hpp): services made on first use, shut down and destroyed
// last-made first, a fresh Runtime for tests, Connections keeping theirs alive, and no state
// shared between two Runtimes.
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "aws/rds_token.hpp"
#include "aws/shared_credentials.hpp"
#include "base/process_fork.hpp"
#include "base/runtime.hpp"
#include "core/connection_impl.hpp"
#include "core/host_availability.hpp"
#include "plugin/aws_secrets_manager/secret_cache.hpp"
#include "support/fake_driver.hpp"
#include "topology/open_connection_registry.hpp"

namespace awrap::internal {
namespace {

using internal::Runtime;

// Sets a flag when destroyed.
struct Witness {
  std::shared_ptr<bool> destroyed = std::make_shared<bool>(false);
  ~Witness() { *destroyed = true; }
};

TEST(RuntimeTest, AServiceIsMadeOnFirstUseAndThenReused) {
  Runtime runtime;
  EXPECT_EQ(runtime.find<HostAvailabilityRegistry>(), nullptr);
  EXPECT_EQ(runtime.size(), 0U);
  auto& registry = runtime.get<HostAvailabilityRegistry>();
  EXPECT_EQ(&runtime.get<HostAvailabilityRegistry>(), &registry);
  EXPECT_EQ(runtime.find<HostAvailabilityRegistry>(), &registry);
  EXPECT_EQ(runtime.size(), 2U);  // the registry and the TimeSource it reads
}

// What the services below did, in order; outlives the Runtime so the test can read it.
struct SharedJournal {
  std::shared_ptr<std::vector<std::string>> events = std::make_shared<std::vector<std::string>>();
};

template <char Name>
class Reporter {
 public:
  explicit Reporter(Runtime& runtime) : events_(runtime.get<SharedJournal>().events) {}
  ~Reporter() { events_->push_back(std::string("destroy ") + Name); }
  Reporter(const Reporter&) = delete;
  Reporter& operator=(const Reporter&) = delete;

 private:
  std::shared_ptr<std::vector<std::string>> events_;
};

class StoppingReporter {
 public:
  explicit StoppingReporter(Runtime& runtime) : events_(runtime.get<SharedJournal>().events) {}
  void shutdown() { events_->push_back("shutdown S"); }
  ~StoppingReporter() { events_->push_back("destroy S"); }
  StoppingReporter(const StoppingReporter&) = delete;
  StoppingReporter& operator=(const StoppingReporter&) = delete;

 private:
  std::shared_ptr<std::vector<std::string>> events_;
};

class DependsOnB {
 public:
  explicit DependsOnB(Runtime& runtime) : events_(runtime.get<SharedJournal>().events) {
    runtime.get<Reporter<'B'>>();  // needed: made first, so destroyed after this one
  }
  ~DependsOnB() { events_->push_back("destroy D"); }
  DependsOnB(const DependsOnB&) = delete;
  DependsOnB& operator=(const DependsOnB&) = delete;

 private:
  std::shared_ptr<std::vector<std::string>> events_;
};

TEST(RuntimeTest, ThreadsAskingAtOnceGetTheSameService) {
  Runtime runtime;
  std::vector<HostAvailabilityRegistry*> seen(4, nullptr);
  {
    std::vector<std::jthread> threads;
    for (std::size_t i = 0; i < seen.size(); ++i)
      threads.emplace_back([&, i] { seen[i] = &runtime.get<HostAvailabilityRegistry>(); });
  }
  for (auto* registry : seen) EXPECT_EQ(registry, seen.front());
  EXPECT_EQ(runtime.size(), 2U);  // the registry and the TimeSource it reads
}

TEST(RuntimeTest, ServicesStopThenEndLastMadeFirst) {
  std::shared_ptr<std::vector<std::string>> events;
  {
    Runtime runtime;
    events = runtime.get<SharedJournal>().events;
    runtime.get<Reporter<'A'>>();
    runtime.get<StoppingReporter>();
    runtime.get<DependsOnB>();  // makes B first, then D
    runtime.get<Reporter<'C'>>();
    EXPECT_TRUE(events->empty());
  }
  // Shut down first (before anything is destroyed), then destroyed last-made first.
  EXPECT_EQ(*events, (std::vector<std::string>{"shutdown S", "destroy C", "destroy D", "destroy B",
                                               "destroy S", "destroy A"}));
}

TEST(RuntimeTest, ResetForTestsGivesEmptyRegistries) {
  const HostInfo host{"runtime-test-host", 5432};
  Runtime::process()->get<HostAvailabilityRegistry>().set(host, HostAvailability::kUnavailable);
  ASSERT_EQ(Runtime::process()->get<HostAvailabilityRegistry>().get(host),
            HostAvailability::kUnavailable);
  Runtime::reset_for_tests();
  EXPECT_EQ(Runtime::process()->size(), 0U);
  EXPECT_EQ(Runtime::process()->get<HostAvailabilityRegistry>().get(host),
            HostAvailability::kAvailable);
}

TEST(RuntimeTest, AHolderKeepsItsRuntimeAliveAfterAReset) {
  std::shared_ptr<Runtime> held = Runtime::process();
  std::shared_ptr<bool> destroyed = held->get<Witness>().destroyed;
  Runtime::reset_for_tests();
  EXPECT_NE(Runtime::process(), held);
  EXPECT_FALSE(*destroyed) << "the Runtime ended while still held";
  held.reset();
  EXPECT_TRUE(*destroyed) << "the last holder let go: the Runtime and its services end";
}

TEST(RuntimeTest, AConnectionKeepsTheRuntimeItWasOpenedUnder) {
  Runtime::reset_for_tests();
  std::weak_ptr<Runtime> first = Runtime::process();
  std::shared_ptr<bool> destroyed = first.lock()->get<Witness>().destroyed;
  auto driver = std::make_shared<testing::FakeDriver>();
  Connection connection =
      ConnectionAccess::open("host=h1 user=app password=pw", {{"wrapper_plugins", ""}}, driver);
  EXPECT_EQ(ConnectionAccess::impl(connection).runtime(), first.lock());

  Runtime::reset_for_tests();  // the process's pointer lets go; the Connection does not
  EXPECT_FALSE(*destroyed);
  EXPECT_EQ(ConnectionAccess::impl(connection).runtime(), first.lock());
  Connection later =
      ConnectionAccess::open("host=h1 user=app password=pw", {{"wrapper_plugins", ""}}, driver);
  EXPECT_EQ(ConnectionAccess::impl(later).runtime(), Runtime::process());
  EXPECT_NE(ConnectionAccess::impl(later).runtime(), first.lock());

  connection.close();
  EXPECT_FALSE(*destroyed) << "a closed Connection still exists, and still holds its Runtime";
  { Connection gone = std::move(connection); }
  EXPECT_TRUE(*destroyed);
  EXPECT_TRUE(first.expired());
}

TEST(RuntimeTest, TwoRuntimesShareNoHostAvailability) {
  Runtime a;
  Runtime b;
  const HostInfo host{"runtime-test-host", 5432};
  a.get<HostAvailabilityRegistry>().set(host, HostAvailability::kUnavailable);
  EXPECT_EQ(a.get<HostAvailabilityRegistry>().get(host), HostAvailability::kUnavailable);
  EXPECT_EQ(b.get<HostAvailabilityRegistry>().get(host), HostAvailability::kAvailable);
}

TEST(RuntimeTest, TwoRuntimesShareNoCaches) {
  Runtime a;
  Runtime b;
  const aws::RdsTokenKey token_key{"us-east-1", "h1", 5432, "u"};
  a.get<aws::RdsTokenCache>().store(token_key, "token-a", std::chrono::seconds(60));
  EXPECT_EQ(a.get<aws::RdsTokenCache>().find(token_key), "token-a");
  EXPECT_EQ(b.get<aws::RdsTokenCache>().find(token_key), "");

  using plugin::secrets_manager::SecretCache;
  const plugin::secrets_manager::SecretCacheKey secret_key{"secret", "us-east-1", ""};
  a.get<SecretCache>().get(secret_key, std::chrono::hours(1), [] { return "s"; });
  EXPECT_EQ(a.get<SecretCache>().size(), 1U);
  EXPECT_EQ(b.get<SecretCache>().size(), 0U);

  EXPECT_NE(&a.get<aws::SharedCredentialsProviders>(), &b.get<aws::SharedCredentialsProviders>());
}

TEST(RuntimeTest, TwoRuntimesShareNoOpenConnections) {
  Runtime a;
  Runtime b;
  const HostInfo host{"runtime-test-host", 5432};
  testing::FakeConnection connection(host, nullptr);
  a.get<OpenConnectionRegistry>().add(host, &connection);
  EXPECT_EQ(a.get<OpenConnectionRegistry>().count(host), 1U);
  EXPECT_EQ(b.get<OpenConnectionRegistry>().count(host), 0U);
  a.get<OpenConnectionRegistry>().remove(&connection);
}

// ForkHandlers run around fork() while registered, and not after.
TEST(RuntimeTest, ForkHandlersRunWhileRegistered) {
  int prepared = 0;
  int in_parent = 0;
  {
    ForkHandlers handlers({.prepare = [&] { ++prepared; },
                           .parent = [&] { ++in_parent; },
                           .child = [] { ::_exit(42); }});  // proves the child hook ran
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) ::_exit(1);  // not reached: the child hook exits first
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 42);
  }
  EXPECT_EQ(prepared, 1);
  EXPECT_EQ(in_parent, 1);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) ::_exit(7);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_EQ(WEXITSTATUS(status), 7) << "an unregistered child hook ran";
  EXPECT_EQ(prepared, 1);
  EXPECT_EQ(in_parent, 1);
}

}  // namespace
}  // namespace awrap::internal
