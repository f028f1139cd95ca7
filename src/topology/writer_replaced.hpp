// The listeners of the WriterReplaced event (awrap/ext/cluster_topology.hpp) of one
// TopologyMonitor. The monitor only tells; what to do about connections still open to the old
// writer is the aurora_connection_tracker plugin's business (it subscribes and aborts them).
//
//   auto subscription = monitor->subscribe_writer_replaced([](const WriterReplaced& event) {
//     registry.abort_writer_connections(event.old_writer);
//   });
//   ...                    // events arrive while `subscription` lives
//   subscription.reset();  // from here on the listener is not called, nor running
//
// Thread safety: every function may be called from any thread. A listener runs on the thread
// that publishes (the monitor's threads, or a Connection's in TopologyMonitor::refresh_using),
// one event at a time; it must be quick, must not block on the network, and must not subscribe
// or unsubscribe (it runs under the listeners' mutex). Calls into application code go through
// after_writer_replaced_published().
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "awrap/ext/cluster_topology.hpp"
#include "base/thread_annotations.hpp"

namespace awrap::internal {

// One monitor's listeners.
class WriterReplacedListeners {
 public:
  std::uint64_t add(WriterReplacedListener listener);
  // After remove returns, the listener is neither called nor running. Idempotent.
  void remove(std::uint64_t id) noexcept;
  // Calls every listener, then (without the mutex) the work they left with
  // after_writer_replaced_published(); an exception from one is logged and the others still run.
  void publish(const WriterReplaced& event) const;
  std::size_t size() const;

 private:
  mutable Mutex mutex_;
  std::map<std::uint64_t, WriterReplacedListener> listeners_ GUARDED_BY(mutex_);
  std::uint64_t next_id_ GUARDED_BY(mutex_) = 0;
};

// Runs `work` on this thread once the WriterReplaced being published has reached every listener
// and the listeners' mutex is released; at once when no publish is running on this thread. For a
// listener's calls into application code (event listeners): those may take locks of their own
// that a thread unsubscribing meanwhile holds, and must never wait under awrap's mutex.
void after_writer_replaced_published(std::function<void()> work);

// A listener's registration: removed when destroyed. May outlive the monitor.
class WriterReplacedSubscription final : public TopologySubscription {
 public:
  WriterReplacedSubscription(std::weak_ptr<WriterReplacedListeners> listeners, std::uint64_t id)
      : listeners_(std::move(listeners)), id_(id) {}
  ~WriterReplacedSubscription() override {
    if (auto listeners = listeners_.lock()) listeners->remove(id_);
  }
  WriterReplacedSubscription(const WriterReplacedSubscription&) = delete;
  WriterReplacedSubscription& operator=(const WriterReplacedSubscription&) = delete;

 private:
  std::weak_ptr<WriterReplacedListeners> listeners_;
  std::uint64_t id_;
};

}  // namespace awrap::internal
