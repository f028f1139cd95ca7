#include "topology/writer_replaced.hpp"

#include <exception>
#include <utility>

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

namespace {

// The work listeners leave during the publish running on this thread (null outside one): a
// pointer into that publish's own stack frame, set only while it calls the listeners.
thread_local std::vector<std::function<void()>>* publishing_follow_ups = nullptr;

}  // namespace

void after_writer_replaced_published(std::function<void()> work) {
  if (publishing_follow_ups) {
    publishing_follow_ups->push_back(std::move(work));
  } else if (work) {
    work();
  }
}

void WriterReplacedListeners::publish(const WriterReplaced& event) const {
  std::vector<std::function<void()>> follow_ups;
  {
    // Under the mutex: a listener removed meanwhile (its plugin being destroyed) is never called
    // after remove() returned.
    MutexLock lock(mutex_);
    struct Collecting {
      std::vector<std::function<void()>>* outer;
      ~Collecting() { publishing_follow_ups = outer; }
    } collecting{std::exchange(publishing_follow_ups, &follow_ups)};
    for (const auto& [id, listener] : listeners_) {
      try {
        listener(event);
      } catch (const std::exception& e) {
        AWRAP_LOG(kWarning) << "cluster " << event.cluster_id
                            << ": a writer-change listener failed: " << e.what();
      }
    }
  }
  for (const auto& work : follow_ups) {
    try {
      if (work) work();
    } catch (const std::exception& e) {
      AWRAP_LOG(kWarning) << "cluster " << event.cluster_id
                          << ": work after a writer change failed: " << e.what();
    }
  }
}

std::size_t WriterReplacedListeners::size() const {
  MutexLock lock(mutex_);
  return listeners_.size();
}

}  // namespace awrap::internal
