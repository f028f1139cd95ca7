// The event a TopologyMonitor publishes when a topology it publishes names a new writer, and its
// subscribers. The monitor only tells; what to do about connections still open to the old writer
// is the aurora_connection_tracker plugin's business (it subscribes and aborts them).
//
//   auto subscription = monitor->subscribe_writer_replaced([](const WriterReplaced& event) {
//     auto aborted = registry.abort_writer_connections(event.old_writer);
//     return AfterPublish([aborted] { /* tell the application */ });
//   });
//   ...                    // events arrive while `subscription` lives
//   subscription.reset();  // from here on the listener is not called, nor running
//
// Thread safety: every function may be called from any thread. A listener runs on the thread
// that publishes (the monitor's threads, or a Connection's in TopologyMonitor::refresh_using),
// one event at a time; it must be quick, must not block on the network, and must not subscribe
// or unsubscribe (it runs under the listeners' mutex). What it returns runs on the same thread
// once every listener was called and that mutex is released: calls into application code go
// there, as they may take locks of their own that a thread unsubscribing meanwhile holds.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "awrap/host_info.hpp"
#include "base/thread_annotations.hpp"

namespace awrap {

struct WriterReplaced {
  std::string cluster_id;
  HostInfo old_writer;
  HostInfo new_writer;
};

// A listener's follow-up, run outside the listeners' mutex; empty: none.
using AfterPublish = std::function<void()>;
using WriterReplacedListener = std::function<AfterPublish(const WriterReplaced&)>;

// One monitor's listeners.
class WriterReplacedListeners {
 public:
  std::uint64_t add(WriterReplacedListener listener);
  // After remove returns, the listener is neither called nor running. Idempotent.
  void remove(std::uint64_t id) noexcept;
  // Calls every listener, then (without the mutex) the follow-ups they returned; an exception
  // from one is logged and the others are still called.
  void publish(const WriterReplaced& event) const;
  std::size_t size() const;

 private:
  mutable Mutex mutex_;
  std::map<std::uint64_t, WriterReplacedListener> listeners_ GUARDED_BY(mutex_);
  std::uint64_t next_id_ GUARDED_BY(mutex_) = 0;
};

// A listener's registration: removed when destroyed. May outlive the monitor.
class WriterReplacedSubscription {
 public:
  WriterReplacedSubscription(std::weak_ptr<WriterReplacedListeners> listeners, std::uint64_t id)
      : listeners_(std::move(listeners)), id_(id) {}
  ~WriterReplacedSubscription() {
    if (auto listeners = listeners_.lock()) listeners->remove(id_);
  }
  WriterReplacedSubscription(const WriterReplacedSubscription&) = delete;
  WriterReplacedSubscription& operator=(const WriterReplacedSubscription&) = delete;

 private:
  std::weak_ptr<WriterReplacedListeners> listeners_;
  std::uint64_t id_;
};

}  // namespace awrap
