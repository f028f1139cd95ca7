#include "topology/writer_replaced.hpp"

#include <exception>

#include "base/logging.hpp"

namespace awrap::internal {

std::uint64_t WriterReplacedListeners::add(WriterReplacedListener listener) {
  MutexLock lock(mutex_);
  const std::uint64_t id = ++next_id_;
  listeners_.emplace(id, std::move(listener));
  return id;
}

void WriterReplacedListeners::remove(std::uint64_t id) noexcept {
  MutexLock lock(mutex_);
  listeners_.erase(id);
}

void WriterReplacedListeners::publish(const WriterReplaced& event) const {
  // Under the mutex: a listener removed meanwhile (its plugin being destroyed) is never called
  // after remove() returned.
  MutexLock lock(mutex_);
  for (const auto& [id, listener] : listeners_) {
    try {
      listener(event);
    } catch (const std::exception& e) {
      AWRAP_LOG(kWarning) << "cluster " << event.cluster_id
                          << ": a writer-change listener failed: " << e.what();
    }
  }
}

std::size_t WriterReplacedListeners::size() const {
  MutexLock lock(mutex_);
  return listeners_.size();
}

}  // namespace awrap::internal
