// A thread-safe, failover-aware pool of awrap Connections (docs/pool.md).
//
//   #include <awrap/pool.hpp>
//
//   awrap::PoolOptions options;
//   options.max_size = 20;
//   options.min_idle = 4;
//   awrap::Pool pool("postgresql://app@db.cluster-xyz.us-east-1.rds.amazonaws.com/app",
//                    {{"wrapper_plugins", "failover,host_monitoring,aurora_connection_tracker"}},
//                    options);
//   {
//     auto lease = pool.acquire();            // waits at most options.acquire_timeout
//     lease->execute("UPDATE t SET n = n + 1 WHERE id = 1");
//   }                                         // back in the pool, reset, on scope exit
//
// Thread safety: every Pool method may be called from any thread. A Lease, like the Connection it
// lends, is used by one thread at a time; it may be moved to and destroyed on another thread.
// Threads: the pool starts none. Housekeeping (idle timeout, maximum lifetime, minimum idle, leak
// reports) runs on the thread of an acquire or release that finds it due (at most once per
// housekeeping_interval), or on the caller of run_housekeeping().
// Lifetime: a Lease may outlive its Pool; the connection is then closed when the Lease ends.
#pragma once

#include "awrap/export.hpp"

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "awrap/connection.hpp"
#include "awrap/errors.hpp"
#include "awrap/events.hpp"
#include "awrap/properties.hpp"

namespace awrap {

namespace internal {
class PoolImpl;  // src/pool/pool_impl.hpp
struct PoolSlot;
struct PoolAccess;
}  // namespace internal

// Where a lease was taken, for leak reports: std::source_location's fields, filled at the call
// site the same way (that type is missing from Clang 14 with libstdc++ 12, which awrap supports).
struct AWRAP_EXPORT SourceLocation {
  const char* file = "";
  unsigned line = 0;
  const char* function = "";
  static constexpr SourceLocation current(
      const char* file_name = __builtin_FILE(), unsigned line_number = __builtin_LINE(),
      const char* function_name = __builtin_FUNCTION()) noexcept {
    return {file_name, line_number, function_name};
  }
};

// Every duration: zero where "off" is listed as accepted, otherwise positive. validate() checks.
struct AWRAP_EXPORT PoolOptions {
  // Connections open at most (idle + in use + being opened). 1..10000.
  std::size_t max_size = 10;
  // Idle connections the pool keeps open (opened at construction and by housekeeping). 0..max_size.
  std::size_t min_idle = 0;
  // How long acquire() waits for a connection before PoolTimeoutError. 1 ms..24 h.
  std::chrono::milliseconds acquire_timeout{30'000};
  // A connection older than this is closed instead of lent, and when it comes back (with up to
  // 2.5% less, spread per connection, so connections opened together do not all expire together).
  // Renews IAM-token and rotated-secret logins. 0 (off) or 1 s..30 days.
  std::chrono::milliseconds max_lifetime{30 * 60'000};
  // An idle connection above min_idle is closed after this long unused. 0 (off) or 1 ms..30 days.
  std::chrono::milliseconds idle_timeout{10 * 60'000};
  // A connection idle at least this long is checked (one `SELECT 1`, bounded by
  // validation_timeout) before it is lent; so is one whose host host monitoring or failover
  // reported unavailable. Others are lent without a round trip. 0 (check every borrow) or more.
  std::chrono::milliseconds validation_idle_threshold{5'000};
  // The bound of that check. 1 ms..1 h.
  std::chrono::milliseconds validation_timeout{5'000};
  // A lease held longer than this is logged (kWarning) with where it was taken. 0 (off) or more.
  std::chrono::milliseconds leak_detection_threshold{0};
  // How often acquire/release look at idle timeouts, lifetimes, min_idle and leaks. 1 ms..1 h.
  std::chrono::milliseconds housekeeping_interval{1'000};
  // Listeners given to every connection the pool opens (awrap/events.hpp; they may run on
  // several threads at once). Only for Pool(conninfo, properties, options): a ConnectionFactory
  // gives its Connections their listeners itself (Connection::open's events argument).
  ConnectionEvents events{};

  // Throws ConfigError naming the field, its value and what is accepted.
  void validate() const;
};

// Why the pool closed a connection.
enum class PoolCloseReason : std::uint8_t {
  kIdleTimeout,       // idle longer than idle_timeout, above min_idle
  kMaxLifetime,       // older than max_lifetime
  kBroken,            // closed or lost (e.g. after FailoverFailedError) when seen by the pool
  kResetFailed,       // its session state could not be restored on return
  kValidationFailed,  // the check before lending failed
  kDemotedWriter,     // its host is no longer the cluster's writer
  kDiscarded,         // Lease::discard()
  kPoolClosed,        // Pool::close() or the Pool's destruction
  kCount,
};

AWRAP_EXPORT const char* to_string(PoolCloseReason reason) noexcept;

// A consistent snapshot (taken under the pool's lock).
struct AWRAP_EXPORT PoolCounters {
  std::size_t size = 0;     // open connections: idle + in use
  std::size_t idle = 0;     // open and waiting in the pool
  std::size_t in_use = 0;   // lent out (leases alive)
  std::size_t opening = 0;  // being opened now
  std::size_t waiting = 0;  // threads in acquire() waiting now

  std::uint64_t acquired = 0;             // leases handed out
  std::uint64_t waits = 0;                // acquires that had to wait
  std::chrono::nanoseconds wait_time{0};  // total time those acquires waited
  std::uint64_t timeouts = 0;             // acquires that ended in PoolTimeoutError
  std::uint64_t created = 0;              // connections opened
  std::uint64_t create_failures = 0;      // opening failed (the error went to the caller)
  std::uint64_t validations = 0;          // checks before lending (see validation_idle_threshold)
  std::uint64_t leaks = 0;                // leases reported by leak detection
  std::array<std::uint64_t, static_cast<std::size_t>(PoolCloseReason::kCount)> closed{};

  std::uint64_t closed_by(PoolCloseReason reason) const {
    return closed[static_cast<std::size_t>(reason)];
  }
  std::uint64_t closed_total() const;
};

class AWRAP_EXPORT Pool {
 public:
  // Opens every connection with Connection::open(conninfo, properties). Validates `options`
  // (ConfigError) and opens min_idle connections before returning (their ConnectError, AuthError
  // or ConfigError reaches the caller).
  Pool(std::string conninfo, PropertyMap properties, PoolOptions options = {});
  // Opens every connection with `factory` (called without the pool's lock held, possibly from
  // several threads at once). What it throws reaches the acquire() that asked for the connection.
  using ConnectionFactory = std::function<Connection()>;
  Pool(ConnectionFactory factory, PoolOptions options = {});

  Pool(Pool&&) noexcept;
  Pool& operator=(Pool&&) noexcept;
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;
  // close().
  ~Pool();

  class Lease;

  // Lends a connection: an idle one (most recently used first) that passes the checks of
  // docs/pool.md, else a new one while fewer than max_size are open, else waits up to `timeout`
  // (default options().acquire_timeout) for one to come back, then throws PoolTimeoutError.
  // A connection the pool opens for this call throws what opening threw (ConnectError, …).
  // After close(): ConnectionClosedError. `where` is recorded for leak reports.
  Lease acquire(SourceLocation where = SourceLocation::current());
  Lease acquire(std::chrono::milliseconds timeout,
                SourceLocation where = SourceLocation::current());

  PoolCounters counters() const;
  const PoolOptions& options() const noexcept;

  // Runs housekeeping now, on this thread: closes idle connections past idle_timeout (above
  // min_idle) or max_lifetime, opens connections up to min_idle, reports leaks. For applications
  // that prefer their own timer to acquire/release paying for it.
  void run_housekeeping();

  // Closes idle connections and refuses further acquires; leases still out close their connection
  // when they end. Idempotent; never throws.
  void close() noexcept;

 private:
  friend struct internal::PoolAccess;  // internal: injects a clock and cluster facts (tests)
  explicit Pool(std::shared_ptr<internal::PoolImpl> impl);
  std::shared_ptr<internal::PoolImpl> impl_;
};

// One borrowed connection. Returns it to the pool when it ends (destructor or release()): the
// pool rolls back an open transaction and restores autocommit on, read-only off and the default
// isolation level; a connection whose state cannot be restored is closed instead.
class AWRAP_EXPORT Pool::Lease {
 public:
  Lease(Lease&&) noexcept;
  Lease& operator=(Lease&&) noexcept;
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  ~Lease();

  // REQUIRES: the lease still holds a connection (not released, discarded or moved from).
  Connection& operator*() const noexcept { return *connection_; }
  Connection* operator->() const noexcept { return connection_; }
  Connection& connection() const noexcept { return *connection_; }
  explicit operator bool() const noexcept { return connection_ != nullptr; }

  // Returns the connection now. Idempotent; never throws.
  void release() noexcept;
  // Closes the connection instead of returning it (e.g. after SQL changed session state the
  // pool cannot restore: SET ROLE, temporary tables). Never throws.
  void discard() noexcept;

 private:
  friend class Pool;
  Lease(std::shared_ptr<internal::PoolImpl> pool, internal::PoolSlot* slot,
        Connection* connection) noexcept
      : pool_(std::move(pool)), slot_(slot), connection_(connection) {}
  void give_back(bool discard) noexcept;

  std::shared_ptr<internal::PoolImpl> pool_;
  internal::PoolSlot* slot_ =
      nullptr;  // the pool's record of this connection (src/pool/pool_impl.hpp)
  Connection* connection_ = nullptr;
};

}  // namespace awrap
