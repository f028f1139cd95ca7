#include <time.h>

#include <algorithm>
#include <optional>
#include <sstream>
#include <unordered_set>
#include <utility>

#include "base/logging.hpp"
#include "core/auxiliary_timeout.hpp"
#include "core/connection_impl.hpp"
#include "pool/pool_impl.hpp"

namespace awrap {

// The public API implemented with awrap's internals.
using namespace internal;
using internal::PoolImpl;
using internal::PoolSlot;

namespace {

using pool_policy::TimePoint;

// The longest pause between attempts to open a connection while none can be opened.
constexpr std::chrono::milliseconds kMaxRetryPause{1000};

std::string where_text(const SourceLocation& where) {
  return std::string(where.file) + ":" + std::to_string(where.line) + " (" + where.function + ")";
}

// Rolls back and restores the session settings a Connection starts with. A failover while doing
// it moves the connection to a healthy host with the API settings restored, so one more pass
// checks the new session; FailoverFailedError or any other error means it cannot be restored.
bool reset_session(Connection& connection) noexcept {
  for (int attempt = 0; attempt < 2; ++attempt) {
    try {
      if (connection.transaction_status() != TransactionStatus::kIdle) connection.rollback();
      if (!connection.autocommit()) connection.set_autocommit(true);
      if (connection.read_only()) connection.set_read_only(false);
      if (connection.isolation_level() != IsolationLevel::kDefault)
        connection.set_isolation_level(IsolationLevel::kDefault);
      return connection.transaction_status() == TransactionStatus::kIdle;
    } catch (const FailoverFailedError&) {
      return false;
    } catch (const FailoverError&) {
      continue;
    } catch (...) {
      return false;
    }
  }
  return false;
}

}  // namespace

pool_policy::TimePoint internal::coarse_steady_now() noexcept {
  timespec now{};
  // Same origin as CLOCK_MONOTONIC, which steady_clock reads on Linux.
  if (::clock_gettime(CLOCK_MONOTONIC_COARSE, &now) != 0) return pool_policy::Clock::now();
  return pool_policy::TimePoint(std::chrono::duration_cast<pool_policy::Clock::duration>(
      std::chrono::seconds(now.tv_sec) + std::chrono::nanoseconds(now.tv_nsec)));
}

bool internal::validate_with_select_1(Connection& connection, std::chrono::milliseconds timeout) {
  if (connection_broken(connection)) return false;
  TargetConnection* physical = ConnectionAccess::impl(connection).current_connection();
  try {
    ScopedSocketTimeout bound(*physical, timeout);
    physical->execute("SELECT 1", {});
    return true;
  } catch (...) {
    return false;
  }
}

internal::PoolImpl::PoolImpl(ConnectionFactory factory, PoolOptions options,
                             PoolEnvironment environment)
    : factory_(std::move(factory)), options_(options), environment_(std::move(environment)) {
  MutexLock lock(mutex_);
  next_housekeeping_ = environment_.clock() + options_.housekeeping_interval;
}

internal::PoolImpl::~PoolImpl() {
  close();
}

std::unique_ptr<PoolSlot> internal::PoolImpl::open_slot() {
  auto slot = std::make_unique<PoolSlot>(factory_());
  slot->created = environment_.clock();
  {
    MutexLock lock(mutex_);
    slot->id = next_id_++;
  }
  slot->end_of_life = pool_policy::end_of_life(slot->created, slot->id, options_);
  return slot;
}

void internal::PoolImpl::open_min_idle() {
  for (std::size_t i = 0; i < options_.min_idle; ++i) {
    {
      MutexLock lock(mutex_);
      ++opening_;
    }
    std::unique_ptr<PoolSlot> slot;
    try {
      slot = open_slot();
    } catch (...) {
      MutexLock lock(mutex_);
      --opening_;
      ++totals_.create_failures;
      throw;
    }
    MutexLock lock(mutex_);
    --opening_;
    ++totals_.created;
    slot->idle_since = slot->created;
    idle_.push_back(slot.get());
    slots_.emplace(slot.get(), std::move(slot));
  }
}

std::unique_ptr<PoolSlot> internal::PoolImpl::detach(PoolSlot* slot) {
  auto it = slots_.find(slot);
  auto owned = std::move(it->second);
  slots_.erase(it);
  return owned;
}

void internal::PoolImpl::count_closed(PoolCloseReason reason, std::size_t n) {
  totals_.closed[static_cast<std::size_t>(reason)] += n;
}

void internal::PoolImpl::close_all(std::vector<Doomed>& doomed) noexcept {
  for (auto& d : doomed) {
    AWRAP_LOG(kDebug) << "pool: closing a connection (" << to_string(d.reason) << ")";
    d.slot->connection.close();
  }
  doomed.clear();
}

std::string internal::PoolImpl::timeout_message(std::chrono::milliseconds timeout,
                                                const std::string& last_connect_error) const {
  std::ostringstream out;
  out << "pool: no connection within " << timeout.count()
      << " ms (acquire_timeout): " << slots_.size() - idle_.size()
      << " of max_size=" << options_.max_size << " lent out, " << opening_ << " being opened, "
      << waiting_ << " other thread(s) waiting";
  if (!last_connect_error.empty()) out << "; opening one failed: " << last_connect_error;
  return out.str();
}

PoolSlot* internal::PoolImpl::acquire(std::chrono::milliseconds timeout, SourceLocation where) {
  const TimePoint start = environment_.clock();
  // Real time even under a fake clock: waits are real. Read from the precise clock (the coarse one
  // can lag by more than its tick on a loaded machine), but only once this acquire leaves the fast
  // path: what came before is a lock and a few checks, microseconds.
  std::optional<std::chrono::steady_clock::time_point> real_deadline_value;
  auto real_deadline = [&] {
    if (!real_deadline_value) real_deadline_value = std::chrono::steady_clock::now() + timeout;
    return *real_deadline_value;
  };
  bool waited = false;
  bool first_pass = true;
  TimePoint lent_at = start;
  TimePoint::duration booked_wait{};
  std::string last_connect_error;
  std::chrono::milliseconds retry_pause{50};
  for (;;) {
    PoolSlot* candidate = nullptr;
    HousekeepingWork housekeeping;
    {
      MutexLock lock(mutex_);
      // Closes only: opening for min_idle would delay this caller; the release after it opens.
      if (start >= next_housekeeping_) housekeeping = plan_housekeeping(start, false);
      for (;;) {
        if (closed_) throw ConnectionClosedError("pool: acquire() after close()");
        if (!idle_.empty()) {
          candidate = idle_.back();
          idle_.pop_back();
          // Booked as lent now, under this lock: the fast path takes no other. Undone below if
          // the connection turns out unfit.
          lent_at = (waited || !first_pass) ? environment_.clock() : start;
          booked_wait = waited ? lent_at - start : TimePoint::duration{};
          book_lent(candidate, lent_at, where, booked_wait);
          break;
        }
        real_deadline();  // no idle connection: the slow path starts here
        if (slots_.size() + opening_ < options_.max_size) {
          ++opening_;
          break;
        }
        if (!waited) {
          waited = true;
          ++totals_.waits;
        }
        ++waiting_;
        const bool woken = changed_.wait_until(lock, real_deadline(), [&] {
          mutex_.assert_held();
          return closed_ || !idle_.empty() || slots_.size() + opening_ < options_.max_size;
        });
        --waiting_;
        if (!woken) {
          ++totals_.timeouts;
          totals_.wait_time += environment_.clock() - start;
          throw PoolTimeoutError(timeout_message(timeout, last_connect_error));
        }
      }
    }
    if (!housekeeping.close.empty() || housekeeping.open > 0 || !housekeeping.leaks.empty())
      do_housekeeping(std::move(housekeeping));

    first_pass = false;
    if (candidate == nullptr) {  // room to open one, reserved in opening_
      std::unique_ptr<PoolSlot> slot;
      auto give_up_room = [&] {
        MutexLock lock(mutex_);
        --opening_;
        ++totals_.create_failures;
        changed_.notify_one();  // the room is free again for a waiter
      };
      try {
        slot = open_slot();
      } catch (const AuthError&) {
        give_up_room();
        throw;  // retrying cannot fix credentials
      } catch (const ConnectError& e) {
        // No host to open on, e.g. a cluster between writers: try again until the deadline,
        // taking a connection that comes back meanwhile.
        give_up_room();
        last_connect_error = e.what();
        MutexLock lock(mutex_);
        if (std::chrono::steady_clock::now() >= real_deadline()) {
          ++totals_.timeouts;
          totals_.wait_time += environment_.clock() - start;
          throw PoolTimeoutError(timeout_message(timeout, last_connect_error));
        }
        if (!waited) {
          waited = true;
          ++totals_.waits;
        }
        ++waiting_;
        changed_.wait_until(
            lock, std::min(real_deadline(), std::chrono::steady_clock::now() + retry_pause), [&] {
              mutex_.assert_held();
              return closed_ || !idle_.empty();
            });
        --waiting_;
        retry_pause = std::min(retry_pause * 2, kMaxRetryPause);
        continue;
      } catch (...) {
        give_up_room();
        throw;
      }
      MutexLock lock(mutex_);
      --opening_;
      ++totals_.created;
      candidate = slot.get();
      book_lent(candidate, slot->created, where,
                waited ? slot->created - start : TimePoint::duration{});
      slots_.emplace(candidate, std::move(slot));
      return candidate;
    } else {
      auto facts = environment_.host_facts(candidate->connection, candidate->facts_cache);
      auto decision = pool_policy::decide_on_borrow(candidate->idle_since, candidate->end_of_life,
                                                    facts, options_, lent_at);
      bool validated = false;
      if (decision.action != pool_policy::BorrowAction::kLend) real_deadline();  // slow path
      if (decision.action == pool_policy::BorrowAction::kValidateThenLend) {
        validated = true;
        if (!environment_.validate(candidate->connection, options_.validation_timeout))
          decision = {pool_policy::BorrowAction::kClose, PoolCloseReason::kValidationFailed};
      }
      std::vector<Doomed> doomed;
      if (validated || decision.action == pool_policy::BorrowAction::kClose) {
        MutexLock lock(mutex_);
        if (validated) ++totals_.validations;
        if (decision.action == pool_policy::BorrowAction::kClose) {
          unbook_lent(booked_wait);
          count_closed(decision.reason);
          doomed.push_back({detach(candidate), decision.reason});
          changed_.notify_one();  // room to open one
          candidate = nullptr;
        }
      }
      if (candidate == nullptr) {
        close_all(doomed);
        continue;
      }
    }
    return candidate;
  }
}

void internal::PoolImpl::book_lent(PoolSlot* slot, TimePoint now, const SourceLocation& where,
                                   TimePoint::duration waited) {
  slot->lent_at = now;
  slot->lent_where = where;
  slot->leak_reported = false;
  ++totals_.acquired;
  totals_.wait_time += waited;
}

void internal::PoolImpl::unbook_lent(TimePoint::duration waited) {
  --totals_.acquired;
  totals_.wait_time -= waited;  // the next attempt books the whole wait again
}

void internal::PoolImpl::give_back(PoolSlot* slot, bool discard) noexcept {
  pool_policy::ReturnFacts facts;
  facts.discard_requested = discard;
  if (!discard) {
    facts.broken = connection_broken(slot->connection);
    if (!facts.broken) facts.reset_failed = !reset_session(slot->connection);
  }
  const TimePoint now = environment_.clock();
  std::optional<LeakReport> reported_leak;
  std::vector<Doomed> doomed;
  HousekeepingWork housekeeping;
  {
    MutexLock lock(mutex_);
    if (slot->leak_reported)
      reported_leak =
          LeakReport{slot->lent_where,
                     std::chrono::duration_cast<std::chrono::milliseconds>(now - slot->lent_at)};
    facts.pool_closed = closed_;
    if (auto reason = pool_policy::decide_on_return(facts, slot->end_of_life, now)) {
      count_closed(*reason);
      doomed.push_back({detach(slot), *reason});
    } else {
      slot->idle_since = now;
      idle_.push_back(slot);
    }
    if (waiting_ > 0) changed_.notify_one();
    if (!closed_ && now >= next_housekeeping_) housekeeping = plan_housekeeping(now, true);
  }
  if (reported_leak) {
    AWRAP_LOG(kWarning) << "pool: the lease taken at " << where_text(reported_leak->where)
                        << " came back after " << reported_leak->held.count() << " ms";
  }
  close_all(doomed);
  if (!housekeeping.close.empty() || housekeeping.open > 0 || !housekeeping.leaks.empty())
    do_housekeeping(std::move(housekeeping));
}

internal::PoolImpl::HousekeepingWork internal::PoolImpl::plan_housekeeping(TimePoint now,
                                                                           bool may_open) {
  next_housekeeping_ = now + options_.housekeeping_interval;
  std::vector<pool_policy::IdleRecord> idle;
  idle.reserve(idle_.size());
  for (PoolSlot* s : idle_) idle.push_back({s->id, s->idle_since, s->end_of_life});
  const std::unordered_set<PoolSlot*> idle_set(idle_.begin(), idle_.end());
  std::vector<pool_policy::LentRecord> lent;
  std::unordered_map<std::uint64_t, PoolSlot*> by_id;
  for (auto& [raw, owned] : slots_) {
    by_id.emplace(raw->id, raw);
    if (!idle_set.contains(raw)) lent.push_back({raw->id, raw->lent_at, raw->leak_reported});
  }
  auto plan = pool_policy::plan_housekeeping(idle, lent, slots_.size() + opening_, options_, now);

  HousekeepingWork work;
  for (const auto& c : plan.close) {
    PoolSlot* slot = by_id.at(c.id);
    idle_.erase(std::find(idle_.begin(), idle_.end(), slot));
    count_closed(c.reason);
    work.close.push_back({detach(slot), c.reason});
  }
  work.open = may_open ? plan.open : 0;
  opening_ += work.open;
  for (auto id : plan.leaks) {
    PoolSlot* slot = by_id.at(id);
    slot->leak_reported = true;
    ++totals_.leaks;
    work.leaks.push_back({slot->lent_where, std::chrono::duration_cast<std::chrono::milliseconds>(
                                                now - slot->lent_at)});
  }
  return work;
}

void internal::PoolImpl::do_housekeeping(HousekeepingWork work) noexcept {
  for (const auto& leak : work.leaks)
    AWRAP_LOG(kWarning) << "pool: possible leak: the lease taken at " << where_text(leak.where)
                        << " has been held for " << leak.held.count()
                        << " ms (leak_detection_threshold="
                        << options_.leak_detection_threshold.count() << " ms)";
  close_all(work.close);
  for (std::size_t i = 0; i < work.open; ++i) {
    std::unique_ptr<PoolSlot> slot;
    try {
      slot = open_slot();
    } catch (const std::exception& e) {
      AWRAP_LOG(kWarning) << "pool: opening a connection for min_idle failed: " << e.what();
    }
    std::vector<Doomed> doomed;
    {
      MutexLock lock(mutex_);
      --opening_;
      if (!slot) {
        ++totals_.create_failures;
      } else if (closed_) {
        ++totals_.created;
        count_closed(PoolCloseReason::kPoolClosed);
        doomed.push_back({std::move(slot), PoolCloseReason::kPoolClosed});
      } else {
        ++totals_.created;
        slot->idle_since = slot->created;
        idle_.push_back(slot.get());
        slots_.emplace(slot.get(), std::move(slot));
      }
      changed_.notify_one();
    }
    close_all(doomed);
  }
}

void internal::PoolImpl::run_housekeeping() {
  HousekeepingWork work;
  {
    MutexLock lock(mutex_);
    if (closed_) return;
    work = plan_housekeeping(environment_.clock(), true);
  }
  do_housekeeping(std::move(work));
}

PoolCounters internal::PoolImpl::counters() const {
  MutexLock lock(mutex_);
  PoolCounters out = totals_;
  out.size = slots_.size();
  out.idle = idle_.size();
  out.in_use = slots_.size() - idle_.size();
  out.opening = opening_;
  out.waiting = waiting_;
  return out;
}

void internal::PoolImpl::close() noexcept {
  std::vector<Doomed> doomed;
  {
    MutexLock lock(mutex_);
    if (closed_) return;
    closed_ = true;
    for (PoolSlot* slot : idle_) doomed.push_back({detach(slot), PoolCloseReason::kPoolClosed});
    count_closed(PoolCloseReason::kPoolClosed, idle_.size());
    idle_.clear();
    changed_.notify_all();
  }
  close_all(doomed);
}

// Pool

Pool::Pool(std::shared_ptr<PoolImpl> impl) : impl_(std::move(impl)) {}

namespace {

// A factory opens its Connections its own way: listeners set in the options would silently hear
// nothing, so they are refused instead.
PoolOptions factory_options(PoolOptions options) {
  if (!options.events.empty())
    throw ConfigError(
        "invalid pool option 'events' with a ConnectionFactory: the pool cannot give listeners to "
        "Connections a factory opens; accepted only with Pool(conninfo, properties, options), or "
        "pass the ConnectionEvents to Connection::open inside the factory",
        "events");
  return options;
}

}  // namespace

Pool::Pool(ConnectionFactory factory, PoolOptions options)
    : Pool(PoolAccess::make(std::move(factory), factory_options(std::move(options)),
                            PoolEnvironment{})) {}

Pool::Pool(std::string conninfo, PropertyMap properties, PoolOptions options)
    : Pool(PoolAccess::make(
          [conninfo = std::move(conninfo), properties = std::move(properties),
           events = options.events] { return Connection::open(conninfo, properties, events); },
          options, PoolEnvironment{})) {}

Pool PoolAccess::make(Pool::ConnectionFactory factory, PoolOptions options,
                      PoolEnvironment environment) {
  options.validate();
  if (!factory) throw ConfigError("pool: the connection factory is empty", "factory");
  if (!environment.validate) environment.validate = validate_with_select_1;
  auto impl =
      std::make_shared<internal::PoolImpl>(std::move(factory), options, std::move(environment));
  impl->open_min_idle();
  return Pool(std::move(impl));
}

Pool::Pool(Pool&&) noexcept = default;
Pool& Pool::operator=(Pool&& other) noexcept {
  if (this != &other) {
    if (impl_) impl_->close();
    impl_ = std::move(other.impl_);
  }
  return *this;
}

Pool::~Pool() {
  if (impl_) impl_->close();
}

Pool::Lease Pool::acquire(SourceLocation where) {
  return acquire(impl_->options().acquire_timeout, where);
}

Pool::Lease Pool::acquire(std::chrono::milliseconds timeout, SourceLocation where) {
  if (!impl_) throw ConnectionClosedError("pool: use of a moved-from Pool");
  PoolSlot* slot = impl_->acquire(timeout, where);
  return Lease(impl_, slot, &slot->connection);
}

PoolCounters Pool::counters() const {
  return impl_ ? impl_->counters() : PoolCounters{};
}

const PoolOptions& Pool::options() const noexcept {
  return impl_->options();
}

void Pool::run_housekeeping() {
  if (impl_) impl_->run_housekeeping();
}

void Pool::close() noexcept {
  if (impl_) impl_->close();
}

// Lease

Pool::Lease::Lease(Lease&& other) noexcept
    : pool_(std::move(other.pool_)),
      slot_(std::exchange(other.slot_, nullptr)),
      connection_(std::exchange(other.connection_, nullptr)) {}

Pool::Lease& Pool::Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    release();
    pool_ = std::move(other.pool_);
    slot_ = std::exchange(other.slot_, nullptr);
    connection_ = std::exchange(other.connection_, nullptr);
  }
  return *this;
}

Pool::Lease::~Lease() {
  release();
}

void Pool::Lease::release() noexcept {
  give_back(false);
}

void Pool::Lease::discard() noexcept {
  give_back(true);
}

void Pool::Lease::give_back(bool discard) noexcept {
  if (slot_ == nullptr) return;
  auto pool = std::move(pool_);
  PoolSlot* slot = std::exchange(slot_, nullptr);
  connection_ = nullptr;
  pool->give_back(slot, discard);
}

}  // namespace awrap
