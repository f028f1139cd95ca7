// A T built in static storage and never destroyed, for the few process-wide objects a thread may
// still use while the process exits (the log sink and level, the fork-handler list): a Runtime
// held by a static object can end after every function-local static, and its threads log until
// they are joined.
//
//   static NoDestructor<LogSettings> settings;  // built on first use, never destroyed
//   settings.get().level = ...;
#pragma once

#include <new>
#include <utility>

namespace awrap::internal {

template <class T>
class NoDestructor {
 public:
  template <class... Args>
  explicit NoDestructor(Args&&... args) {
    ::new (static_cast<void*>(storage_)) T(std::forward<Args>(args)...);
  }
  // Leaves the T alone on purpose.
  ~NoDestructor() = default;
  NoDestructor(const NoDestructor&) = delete;
  NoDestructor& operator=(const NoDestructor&) = delete;

  T& get() noexcept { return *std::launder(reinterpret_cast<T*>(storage_)); }

 private:
  alignas(T) unsigned char storage_[sizeof(T)];
};

}  // namespace awrap::internal
