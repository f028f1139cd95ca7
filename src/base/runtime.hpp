// awrap's one runtime: the process-wide services (host availability, open connections, topology
// monitors, the monitor loop, token and secret caches ...) live in one Runtime object instead of
// in as many singletons (docs/architecture.md, "Runtime").
//
// The Runtime knows its services only by type, so it lives in the bottom layer while each service
// is defined in its own layer: runtime.get<HostAvailabilityRegistry>() creates the registry on
// first use. A service is built either from nothing or from the Runtime (a constructor taking
// `Runtime&`), and a service that needs another asks for it in its constructor: the other one is
// then created first.
//
// Order, when the Runtime is destroyed: first every service that has a `shutdown()` member is
// shut down, last created first (a service with threads stops and joins them there, so no
// background work runs during the next phase); then the services are destroyed, last created
// first, so a service outlives every service created after it (a dependency asked for in a
// constructor outlives its user).
//
// Lifetime: Runtime::process() is the one process-wide pointer left. Every Connection holds a
// shared_ptr to the Runtime it was opened under, for as long as it exists, and hands it on to what
// it starts; the Runtime (and the threads its services own) ends when the last holder lets go, so
// no awrap code runs on a destroyed service, even when a Connection outlives static destruction.
// Tests call reset_for_tests() to start from empty registries: later Connections get a fresh
// Runtime, while ones still open keep theirs.
//
// Thread safety: every member may be called from any thread. A service is built outside the
// Runtime's lock: when two threads ask for a new one at once, both may build one, the first
// stored is kept and the other destroyed, so a constructor must have no effect beyond its object.
#pragma once

#include <functional>
#include <memory>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

#include "base/process_fork.hpp"
#include "base/thread_annotations.hpp"

namespace awrap::internal {

class Runtime {
 public:
  Runtime();
  // Destroys the services, last created first.
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // The process's current Runtime, created on first use.
  static std::shared_ptr<Runtime> process();
  // Makes the next process() return a fresh Runtime (empty registries, no caches). The one it
  // replaces lives on while anything still holds it. For tests.
  static void reset_for_tests();

  // The service of type T, created on first use (from `Runtime&` when T has such a constructor).
  template <class T>
  T& get() {
    if (T* existing = find<T>()) return *existing;
    std::shared_ptr<T> made;
    if constexpr (std::is_constructible_v<T, Runtime&>)
      made = std::make_shared<T>(*this);
    else
      made = std::make_shared<T>();
    std::function<void()> shutdown;
    if constexpr (requires(T & t) { t.shutdown(); }) shutdown = [t = made.get()] { t->shutdown(); };
    // Another thread may have made one meanwhile: the first one stored wins.
    return *static_cast<T*>(store(key_of<T>(), std::move(made), std::move(shutdown)));
  }

  // Makes `service` this Runtime's T (a test's stand-in, e.g. a fake TimeSource), before anything
  // asked for a T. Throws std::logic_error when the Runtime has a T already: code that read the
  // old one would keep using it.
  template <class T>
  void provide(std::shared_ptr<T> service) {
    void* wanted = service.get();
    std::function<void()> shutdown;
    if constexpr (requires(T & t) { t.shutdown(); })
      shutdown = [t = service.get()] { t->shutdown(); };
    if (store(key_of<T>(), std::move(service), std::move(shutdown)) != wanted)
      throw std::logic_error("Runtime::provide: the service exists already");
  }

  // The service of type T if it was created, else null.
  template <class T>
  T* find() const {
    return static_cast<T*>(lookup(key_of<T>()));
  }

  // How many services exist (tests).
  std::size_t size() const;

 private:
  using Key = const void*;
  // One address per service type: the key needs no RTTI and no name.
  template <class T>
  static Key key_of() noexcept {
    static constexpr char key = 0;
    return &key;
  }

  void* lookup(Key key) const;
  void* store(Key key, std::shared_ptr<void> service, std::function<void()> shutdown);

  struct Entry {
    Key key;
    std::shared_ptr<void> service;
    std::function<void()> shutdown;  // empty when the service has none
  };
  void lock_before_fork() NO_THREAD_SAFETY_ANALYSIS { mutex_.lock(); }
  void unlock_after_fork() NO_THREAD_SAFETY_ANALYSIS { mutex_.unlock(); }

  mutable Mutex mutex_;
  std::vector<Entry> services_ GUARDED_BY(mutex_);  // in order of creation
  // A child never inherits mutex_ locked (get() is called on every thread all the time). Made
  // before any service: its prepare handler runs after theirs, so mutex_ is taken last.
  ForkHandlers fork_handlers_;
};

}  // namespace awrap::internal
