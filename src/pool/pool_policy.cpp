#include "pool/pool_policy.hpp"

#include <algorithm>

namespace awrap::internal::pool_policy {

TimePoint end_of_life(TimePoint created, std::uint64_t connection_id, const PoolOptions& options) {
  if (options.max_lifetime.count() == 0) return TimePoint::max();
  // A fixed multiplicative hash spreads consecutive ids over [0, 1000): deterministic, so tests
  // know each connection's end, and no two neighbours get the same spread.
  const auto permille = static_cast<std::int64_t>((connection_id * 2654435761u) % 1000u);
  const auto spread = options.max_lifetime * permille / 40'000;  // up to 2.5%
  return created + options.max_lifetime - spread;
}

BorrowDecision decide_on_borrow(TimePoint idle_since, TimePoint end_of_life, const HostFacts& facts,
                                const PoolOptions& options, TimePoint now) {
  if (facts.broken) return {BorrowAction::kClose, PoolCloseReason::kBroken};
  if (facts.demoted_writer) return {BorrowAction::kClose, PoolCloseReason::kDemotedWriter};
  if (now >= end_of_life) return {BorrowAction::kClose, PoolCloseReason::kMaxLifetime};
  if (facts.host_unavailable || now - idle_since >= options.validation_idle_threshold)
    return {BorrowAction::kValidateThenLend, PoolCloseReason::kCount};
  return {BorrowAction::kLend, PoolCloseReason::kCount};
}

std::optional<PoolCloseReason> decide_on_return(const ReturnFacts& facts, TimePoint end_of_life,
                                                TimePoint now) {
  if (facts.pool_closed) return PoolCloseReason::kPoolClosed;
  if (facts.discard_requested) return PoolCloseReason::kDiscarded;
  if (facts.broken) return PoolCloseReason::kBroken;
  if (facts.reset_failed) return PoolCloseReason::kResetFailed;
  if (now >= end_of_life) return PoolCloseReason::kMaxLifetime;
  return std::nullopt;
}

HousekeepingPlan plan_housekeeping(std::span<const IdleRecord> idle,
                                   std::span<const LentRecord> lent, std::size_t open_or_opening,
                                   const PoolOptions& options, TimePoint now) {
  HousekeepingPlan plan;
  std::vector<IdleRecord> staying;
  staying.reserve(idle.size());
  for (const auto& record : idle) {
    if (now >= record.end_of_life)
      plan.close.push_back({record.id, PoolCloseReason::kMaxLifetime});
    else
      staying.push_back(record);
  }
  if (options.idle_timeout.count() > 0) {
    std::sort(staying.begin(), staying.end(),
              [](const IdleRecord& a, const IdleRecord& b) { return a.idle_since < b.idle_since; });
    std::size_t closed = 0;
    for (const auto& record : staying) {
      if (staying.size() - closed <= options.min_idle) break;
      if (now - record.idle_since < options.idle_timeout) break;  // sorted: the rest are newer
      plan.close.push_back({record.id, PoolCloseReason::kIdleTimeout});
      ++closed;
    }
    staying.resize(staying.size() - closed);  // only the count matters from here
  }
  const std::size_t open_after = open_or_opening - plan.close.size();
  if (staying.size() < options.min_idle && open_after < options.max_size)
    plan.open = std::min(options.min_idle - staying.size(), options.max_size - open_after);
  if (options.leak_detection_threshold.count() > 0)
    for (const auto& record : lent)
      if (!record.leak_reported && now - record.lent_at >= options.leak_detection_threshold)
        plan.leaks.push_back(record.id);
  return plan;
}

}  // namespace awrap::internal::pool_policy
