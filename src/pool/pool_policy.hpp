// The pool's decisions as pure functions of a connection's record, what the pool knows about its
// host, the options and the time. No locks, no clock, no I/O: tests drive them on a fake clock.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "awrap/pool.hpp"

namespace awrap::internal::pool_policy {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

// When a connection opened at `created` reaches its end of life: max_lifetime less a spread of up
// to 2.5% taken from the connection's id, so a burst of connections does not expire at once.
// TimePoint::max() when max_lifetime is off.
TimePoint end_of_life(TimePoint created, std::uint64_t connection_id, const PoolOptions& options);

// What the pool knows of an idle connection's host when it is about to lend it.
struct HostFacts {
  bool broken = false;            // closed, or its physical connection lost or aborted
  bool demoted_writer = false;    // opened on the writer, which the topology no longer names
  bool host_unavailable = false;  // host monitoring or failover marked its host unavailable
};

enum class BorrowAction : std::uint8_t { kLend, kValidateThenLend, kClose };
struct BorrowDecision {
  BorrowAction action = BorrowAction::kLend;
  PoolCloseReason reason = PoolCloseReason::kCount;  // set for kClose
};

BorrowDecision decide_on_borrow(TimePoint idle_since, TimePoint end_of_life, const HostFacts& facts,
                                const PoolOptions& options, TimePoint now);

// What happened to a connection while it was lent, as seen when it comes back.
struct ReturnFacts {
  bool discard_requested = false;  // Lease::discard()
  bool broken = false;
  bool reset_failed = false;  // rollback or restoring a setting failed
  bool pool_closed = false;
};

// nullopt: keep it (idle); otherwise close it for that reason.
std::optional<PoolCloseReason> decide_on_return(const ReturnFacts& facts, TimePoint end_of_life,
                                                TimePoint now);

struct IdleRecord {
  std::uint64_t id = 0;
  TimePoint idle_since{};
  TimePoint end_of_life{};
};
struct LentRecord {
  std::uint64_t id = 0;
  TimePoint lent_at{};
  bool leak_reported = false;
};
struct HousekeepingPlan {
  struct Close {
    std::uint64_t id;
    PoolCloseReason reason;
  };
  std::vector<Close> close;          // idle connections to close now
  std::size_t open = 0;              // connections to open to reach min_idle
  std::vector<std::uint64_t> leaks;  // leases to report (not reported before)
};

// `idle` in any order; `open_or_opening` counts every connection (idle, lent, being opened).
// Closes idle connections past their end of life, then the longest-idle past idle_timeout while
// more than min_idle stay idle; opens enough to bring idle back to min_idle within max_size.
HousekeepingPlan plan_housekeeping(std::span<const IdleRecord> idle,
                                   std::span<const LentRecord> lent, std::size_t open_or_opening,
                                   const PoolOptions& options, TimePoint now);

}  // namespace awrap::internal::pool_policy
