#include "core/host_availability.hpp"

#include <algorithm>

#include "base/thread_annotations.hpp"

namespace awrap::internal {

HostAvailabilityRecord record_availability(HostAvailabilityRecord record, HostAvailability observed,
                                           HostAvailabilityRecord::TimePoint now) noexcept {
  record.last_changed = now;
  if (observed == HostAvailability::kAvailable)
    record.unavailable_marks = 0;
  else
    record.unavailable_marks = std::min(record.unavailable_marks + 1, 1 << 20);
  return record;
}

HostAvailability effective_availability(const HostAvailabilityRecord& record,
                                        const HostAvailabilityStrategy& strategy,
                                        HostAvailabilityRecord::TimePoint now) noexcept {
  if (record.unavailable_marks == 0) return HostAvailability::kAvailable;
  if (strategy.kind == HostAvailabilityStrategy::Kind::kSimple ||
      record.unavailable_marks > strategy.max_retries)
    return HostAvailability::kUnavailable;
  // 2^marks × initial backoff (marks <= max_retries <= 30: no overflow in seconds).
  const auto delay = strategy.initial_backoff * (std::int64_t{1} << record.unavailable_marks);
  return now - record.last_changed >= delay ? HostAvailability::kAvailable
                                            : HostAvailability::kUnavailable;
}

HostAvailabilityStrategy host_availability_strategy_from(const Properties& properties) {
  HostAvailabilityStrategy strategy;
  strategy.kind = properties.get_choice("default_host_availability_strategy") == "simple"
                      ? HostAvailabilityStrategy::Kind::kSimple
                      : HostAvailabilityStrategy::Kind::kExponentialBackoff;
  strategy.max_retries =
      static_cast<int>(properties.get_int("host_availability_strategy_max_retries"));
  strategy.initial_backoff =
      std::chrono::seconds(properties.get_int("host_availability_strategy_initial_backoff_time"));
  return strategy;
}

HostAvailabilityRegistry::HostAvailabilityRegistry(internal::Runtime& runtime)
    : time_(runtime.get<internal::TimeSource>()) {}

void HostAvailabilityRegistry::set(const HostInfo& host, HostAvailability availability) {
  const auto now = time_.now();
  MutexLock lock(mutex_);
  if (availability == HostAvailability::kAvailable) {
    records_.erase(host.endpoint());
  } else {
    auto& record = records_[host.endpoint()];
    record = record_availability(record, availability, now);
  }
  generation_.fetch_add(1, std::memory_order_acq_rel);
}

HostAvailability HostAvailabilityRegistry::get(const HostInfo& host) const {
  return get(host, HostAvailabilityStrategy{});
}

HostAvailability HostAvailabilityRegistry::get(const HostInfo& host,
                                               const HostAvailabilityStrategy& strategy) const {
  const auto now = time_.now();
  MutexLock lock(mutex_);
  auto it = records_.find(host.endpoint());
  if (it == records_.end()) return HostAvailability::kAvailable;
  return effective_availability(it->second, strategy, now);
}

void HostAvailabilityRegistry::clear() {
  MutexLock lock(mutex_);
  records_.clear();
  generation_.fetch_add(1, std::memory_order_acq_rel);
}

}  // namespace awrap::internal
