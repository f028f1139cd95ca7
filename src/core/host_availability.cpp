#include "core/host_availability.hpp"
#include "base/thread_annotations.hpp"

namespace awrap {

HostAvailabilityRegistry& HostAvailabilityRegistry::instance() {
  static HostAvailabilityRegistry registry;
  return registry;
}

void HostAvailabilityRegistry::set(const HostInfo& host, HostAvailability availability) {
  MutexLock lock(mutex_);
  if (availability == HostAvailability::kUnavailable)
    unavailable_since_[host.endpoint()] = std::chrono::steady_clock::now();
  else
    unavailable_since_.erase(host.endpoint());
  generation_.fetch_add(1, std::memory_order_acq_rel);
}

HostAvailability HostAvailabilityRegistry::get(const HostInfo& host) const {
  MutexLock lock(mutex_);
  auto it = unavailable_since_.find(host.endpoint());
  if (it == unavailable_since_.end() ||
      std::chrono::steady_clock::now() - it->second > kUnavailableTtl)
    return HostAvailability::kAvailable;
  return HostAvailability::kUnavailable;
}

void HostAvailabilityRegistry::clear() {
  MutexLock lock(mutex_);
  unavailable_since_.clear();
  generation_.fetch_add(1, std::memory_order_acq_rel);
}

}  // namespace awrap
