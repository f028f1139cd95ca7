// The pool's decisions (src/pool/pool_policy.hpp) on a fake clock, and PoolOptions validation.
#include <gtest/gtest.h>

#include "awrap/pool.hpp"
#include "pool/pool_policy.hpp"

namespace awrap::internal {
namespace {

using namespace std::chrono_literals;
using pool_policy::BorrowAction;
using pool_policy::HostFacts;
using pool_policy::TimePoint;

const TimePoint kStart = TimePoint{} + 1000h;

PoolOptions options() {
  PoolOptions o;
  o.max_size = 10;
  o.min_idle = 2;
  o.max_lifetime = 30min;
  o.idle_timeout = 10min;
  o.validation_idle_threshold = 5s;
  o.leak_detection_threshold = 1min;
  return o;
}

TEST(PoolPolicy, EndOfLifeSpreadsConnectionsWithinTwoAndAHalfPercent) {
  auto o = options();
  std::set<TimePoint> ends;
  for (std::uint64_t id = 1; id <= 100; ++id) {
    auto end = pool_policy::end_of_life(kStart, id, o);
    EXPECT_LE(end, kStart + 30min);
    EXPECT_GE(end, kStart + 30min - 45s);  // 2.5% of 30 min
    ends.insert(end);
  }
  EXPECT_GT(ends.size(), 90u);  // not all at once
  o.max_lifetime = 0ms;
  EXPECT_EQ(pool_policy::end_of_life(kStart, 7, o), TimePoint::max());
}

TEST(PoolPolicy, RecentlyUsedConnectionOnAHealthyHostIsLentWithoutARoundTrip) {
  auto d = pool_policy::decide_on_borrow(kStart, kStart + 30min, HostFacts{}, options(),
                                         kStart + 4999ms);
  EXPECT_EQ(d.action, BorrowAction::kLend);
}

TEST(PoolPolicy, ConnectionIdleLongerThanTheThresholdIsValidatedFirst) {
  auto d =
      pool_policy::decide_on_borrow(kStart, kStart + 30min, HostFacts{}, options(), kStart + 5s);
  EXPECT_EQ(d.action, BorrowAction::kValidateThenLend);
}

TEST(PoolPolicy, HostReportedUnavailableIsValidatedEvenIfJustUsed) {
  HostFacts facts;
  facts.host_unavailable = true;
  auto d = pool_policy::decide_on_borrow(kStart, kStart + 30min, facts, options(), kStart + 1ms);
  EXPECT_EQ(d.action, BorrowAction::kValidateThenLend);
}

TEST(PoolPolicy, BrokenDemotedOrExpiredConnectionsAreClosedNotLent) {
  HostFacts broken;
  broken.broken = true;
  auto d = pool_policy::decide_on_borrow(kStart, kStart + 30min, broken, options(), kStart);
  EXPECT_EQ(d.action, BorrowAction::kClose);
  EXPECT_EQ(d.reason, PoolCloseReason::kBroken);

  HostFacts demoted;
  demoted.demoted_writer = true;
  demoted.host_unavailable = true;  // demotion wins: no point validating
  d = pool_policy::decide_on_borrow(kStart, kStart + 30min, demoted, options(), kStart);
  EXPECT_EQ(d.action, BorrowAction::kClose);
  EXPECT_EQ(d.reason, PoolCloseReason::kDemotedWriter);

  d = pool_policy::decide_on_borrow(kStart, kStart + 30min, HostFacts{}, options(), kStart + 30min);
  EXPECT_EQ(d.action, BorrowAction::kClose);
  EXPECT_EQ(d.reason, PoolCloseReason::kMaxLifetime);
}

TEST(PoolPolicy, ValidationThresholdZeroValidatesEveryBorrow) {
  auto o = options();
  o.validation_idle_threshold = 0ms;
  auto d = pool_policy::decide_on_borrow(kStart, kStart + 30min, HostFacts{}, o, kStart);
  EXPECT_EQ(d.action, BorrowAction::kValidateThenLend);
}

TEST(PoolPolicy, ReturnKeepsAHealthyConnectionAndClosesTheOthersWithTheirReason) {
  const auto end = kStart + 30min;
  EXPECT_FALSE(pool_policy::decide_on_return({}, end, kStart).has_value());
  pool_policy::ReturnFacts f;
  f.discard_requested = true;
  EXPECT_EQ(pool_policy::decide_on_return(f, end, kStart), PoolCloseReason::kDiscarded);
  f = {};
  f.broken = true;
  EXPECT_EQ(pool_policy::decide_on_return(f, end, kStart), PoolCloseReason::kBroken);
  f = {};
  f.reset_failed = true;
  EXPECT_EQ(pool_policy::decide_on_return(f, end, kStart), PoolCloseReason::kResetFailed);
  EXPECT_EQ(pool_policy::decide_on_return({}, end, end), PoolCloseReason::kMaxLifetime);
  f = {};
  f.pool_closed = true;
  EXPECT_EQ(pool_policy::decide_on_return(f, end, kStart), PoolCloseReason::kPoolClosed);
}

TEST(PoolPolicy, HousekeepingClosesIdleAboveMinIdleLongestIdleFirst) {
  auto o = options();  // min_idle 2, idle_timeout 10 min
  const auto now = kStart + 1h;
  std::vector<pool_policy::IdleRecord> idle = {
      {1, now - 11min, TimePoint::max()},
      {2, now - 20min, TimePoint::max()},
      {3, now - 1min, TimePoint::max()},
      {4, now - 15min, TimePoint::max()},
  };
  auto plan = pool_policy::plan_housekeeping(idle, {}, 4, o, now);
  ASSERT_EQ(plan.close.size(), 2u);  // 4 idle, keep 2
  EXPECT_EQ(plan.close[0].id, 2u);
  EXPECT_EQ(plan.close[1].id, 4u);
  EXPECT_EQ(plan.close[0].reason, PoolCloseReason::kIdleTimeout);
  EXPECT_EQ(plan.open, 0u);
}

TEST(PoolPolicy, HousekeepingReplacesExpiredConnectionsUpToMinIdleWithinMaxSize) {
  auto o = options();  // min_idle 2, max 10
  const auto now = kStart + 1h;
  std::vector<pool_policy::IdleRecord> idle = {
      {1, now - 1s, now - 1ms},  // past its end of life
      {2, now - 1s, now + 1h},
  };
  auto plan = pool_policy::plan_housekeeping(idle, {}, 2, o, now);
  ASSERT_EQ(plan.close.size(), 1u);
  EXPECT_EQ(plan.close[0].id, 1u);
  EXPECT_EQ(plan.close[0].reason, PoolCloseReason::kMaxLifetime);
  EXPECT_EQ(plan.open, 1u);

  // Full pool (all lent): min_idle cannot be met, nothing opened beyond max_size.
  plan = pool_policy::plan_housekeeping({}, {}, 10, o, now);
  EXPECT_EQ(plan.open, 0u);
  plan = pool_policy::plan_housekeeping({}, {}, 9, o, now);
  EXPECT_EQ(plan.open, 1u);
}

TEST(PoolPolicy, IdleTimeoutOffKeepsIdleConnections) {
  auto o = options();
  o.idle_timeout = 0ms;
  o.min_idle = 0;
  const auto now = kStart + 1h;
  std::vector<pool_policy::IdleRecord> idle = {{1, now - 100h, TimePoint::max()}};
  EXPECT_TRUE(pool_policy::plan_housekeeping(idle, {}, 1, o, now).close.empty());
}

TEST(PoolPolicy, LeaksAreReportedOnceAfterTheThreshold) {
  auto o = options();  // 1 min
  const auto now = kStart + 1h;
  std::vector<pool_policy::LentRecord> lent = {
      {1, now - 59s, false}, {2, now - 61s, false}, {3, now - 2h, true}};
  auto plan = pool_policy::plan_housekeeping({}, lent, 3, o, now);
  EXPECT_EQ(plan.leaks, std::vector<std::uint64_t>{2});
  o.leak_detection_threshold = 0ms;
  EXPECT_TRUE(pool_policy::plan_housekeeping({}, lent, 3, o, now).leaks.empty());
}

// PoolOptions::validate: the field, the value and what is accepted.
struct BadOption {
  const char* field;
  std::function<void(PoolOptions&)> set;
  const char* value_shown;
  const char* accepted;
};

class PoolOptionsValidation : public ::testing::TestWithParam<BadOption> {};

TEST_P(PoolOptionsValidation, NamesTheFieldTheValueAndWhatIsAccepted) {
  PoolOptions o;
  GetParam().set(o);
  try {
    o.validate();
    FAIL() << "accepted " << GetParam().field;
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.property(), GetParam().field);
    std::string what = e.what();
    EXPECT_NE(what.find(std::string("'") + GetParam().field + "'"), std::string::npos) << what;
    EXPECT_NE(what.find(GetParam().value_shown), std::string::npos) << what;
    EXPECT_NE(what.find(GetParam().accepted), std::string::npos) << what;
  }
}

INSTANTIATE_TEST_SUITE_P(
    PoolOptions, PoolOptionsValidation,
    ::testing::Values(
        BadOption{"max_size", [](PoolOptions& o) { o.max_size = 0; }, "0", "1 to 10000"},
        BadOption{"max_size", [](PoolOptions& o) { o.max_size = 10001; }, "10001", "1 to 10000"},
        BadOption{"min_idle", [](PoolOptions& o) { o.min_idle = 11; }, "11", "0 to max_size (10)"},
        BadOption{"acquire_timeout", [](PoolOptions& o) { o.acquire_timeout = 0ms; }, "0 ms",
                  "1 ms to 86400000 ms"},
        BadOption{"max_lifetime", [](PoolOptions& o) { o.max_lifetime = 10ms; }, "10 ms",
                  "0 (off) or 1000 ms to"},
        BadOption{"idle_timeout", [](PoolOptions& o) { o.idle_timeout = -1ms; }, "-1 ms",
                  "0 (off) or 1 ms to"},
        BadOption{"validation_idle_threshold",
                  [](PoolOptions& o) { o.validation_idle_threshold = -5ms; }, "-5 ms", "0 ms to"},
        BadOption{"validation_timeout", [](PoolOptions& o) { o.validation_timeout = 0ms; }, "0 ms",
                  "1 ms to 3600000 ms"},
        BadOption{"leak_detection_threshold",
                  [](PoolOptions& o) { o.leak_detection_threshold = -1ms; }, "-1 ms",
                  "0 (off) or 1 ms"},
        BadOption{"housekeeping_interval", [](PoolOptions& o) { o.housekeeping_interval = 2h; },
                  "7200000 ms", "1 ms to 3600000 ms"}),
    [](const auto& test_info) {
      return std::string(test_info.param.field) + "_" + std::to_string(test_info.index);
    });

TEST(PoolOptionsDefaults, AreValid) {
  EXPECT_NO_THROW(PoolOptions{}.validate());
}

}  // namespace
}  // namespace awrap::internal
