// internal::PoolImpl: the pool's state behind one mutex, and the seams tests inject (clock, host
// facts, validation). Decisions are the pure functions of pool_policy.hpp; this file only applies
// them.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "awrap/pool.hpp"
#include "base/thread_annotations.hpp"
#include "pool/cluster_facts.hpp"
#include "pool/pool_policy.hpp"

namespace awrap::internal {

struct PoolSlot {
  explicit PoolSlot(Connection opened) : connection(std::move(opened)) {}
  Connection connection;
  std::uint64_t id = 0;
  pool_policy::TimePoint created{};
  pool_policy::TimePoint end_of_life{};
  pool_policy::TimePoint idle_since{};
  pool_policy::TimePoint lent_at{};
  SourceLocation lent_where{};
  bool leak_reported = false;
  ClusterFactsCache facts_cache;  // touched only by the thread holding the slot
};

// The monotonic clock at the kernel tick's resolution (CLOCK_MONOTONIC_COARSE, 1-4 ms), on
// steady_clock's scale. The pool's thresholds are milliseconds and more; the precise clock costs
// ~50 ns a read on virtual machines, more than the rest of an acquire + release.
pool_policy::TimePoint coarse_steady_now() noexcept;

// The world as the pool sees it; the defaults are the real one.
struct PoolEnvironment {
  std::function<pool_policy::TimePoint()> clock = coarse_steady_now;
  std::function<pool_policy::HostFacts(Connection&, ClusterFactsCache&)> host_facts = cluster_facts;
  // One round trip within `timeout`; false when the connection does not answer.
  std::function<bool(Connection&, std::chrono::milliseconds timeout)> validate;
};

// The default validation: `SELECT 1` on the physical connection (not through the plugins, so a
// dead host costs validation_timeout, never a failover).
bool validate_with_select_1(Connection& connection, std::chrono::milliseconds timeout);

class PoolImpl {
 public:
  using ConnectionFactory = Pool::ConnectionFactory;
  PoolImpl(ConnectionFactory factory, PoolOptions options, PoolEnvironment environment);
  ~PoolImpl();
  PoolImpl(const PoolImpl&) = delete;
  PoolImpl& operator=(const PoolImpl&) = delete;

  // Opens min_idle connections; what opening throws reaches the caller.
  void open_min_idle();
  PoolSlot* acquire(std::chrono::milliseconds timeout, SourceLocation where);
  void give_back(PoolSlot* slot, bool discard) noexcept;
  PoolCounters counters() const;
  const PoolOptions& options() const noexcept { return options_; }
  void run_housekeeping();
  void close() noexcept;

 private:
  struct Doomed {
    std::unique_ptr<PoolSlot> slot;
    PoolCloseReason reason;
  };
  struct LeakReport {
    SourceLocation where;
    std::chrono::milliseconds held;
  };
  struct HousekeepingWork {
    std::vector<Doomed> close;
    std::size_t open = 0;
    std::vector<LeakReport> leaks;
  };

  std::unique_ptr<PoolSlot> open_slot();
  // Takes the slot out of the pool's books (it is lent, so in neither list).
  std::unique_ptr<PoolSlot> detach(PoolSlot* slot) REQUIRES(mutex_);
  void count_closed(PoolCloseReason reason, std::size_t n = 1) REQUIRES(mutex_);
  // Records `slot` as lent (for leak reports and the counters), and undoes that.
  void book_lent(PoolSlot* slot, pool_policy::TimePoint now, const SourceLocation& where,
                 pool_policy::TimePoint::duration waited) REQUIRES(mutex_);
  void unbook_lent(pool_policy::TimePoint::duration waited) REQUIRES(mutex_);
  // `may_open`: reserve (in opening_) the connections min_idle asks for, for the caller to open.
  HousekeepingWork plan_housekeeping(pool_policy::TimePoint now, bool may_open) REQUIRES(mutex_);
  void do_housekeeping(HousekeepingWork work) noexcept;
  // Closes outside the lock: closing may send a Terminate, destroying may join a monitor.
  static void close_all(std::vector<Doomed>& doomed) noexcept;
  // `last_connect_error`: why opening a connection failed during this acquire (empty: it did not).
  std::string timeout_message(std::chrono::milliseconds timeout,
                              const std::string& last_connect_error) const REQUIRES(mutex_);

  const ConnectionFactory factory_;
  const PoolOptions options_;
  const PoolEnvironment environment_;

  mutable Mutex mutex_;
  std::condition_variable_any changed_;  // a connection came back, or room to open one
  std::unordered_map<PoolSlot*, std::unique_ptr<PoolSlot>> slots_ GUARDED_BY(mutex_);
  std::vector<PoolSlot*> idle_ GUARDED_BY(mutex_);  // most recently returned last
  std::size_t opening_ GUARDED_BY(mutex_) = 0;
  std::size_t waiting_ GUARDED_BY(mutex_) = 0;
  PoolCounters totals_ GUARDED_BY(mutex_);  // the cumulative fields only
  bool closed_ GUARDED_BY(mutex_) = false;
  pool_policy::TimePoint next_housekeeping_ GUARDED_BY(mutex_){};
  std::uint64_t next_id_ GUARDED_BY(mutex_) = 1;
};

// Internal construction with an injected environment (unit tests, benchmarks).
struct PoolAccess {
  static Pool make(Pool::ConnectionFactory factory, PoolOptions options,
                   PoolEnvironment environment);
};

}  // namespace awrap::internal
