// Clang thread-safety annotations (-Wthread-safety) and the annotated mutex every shared state in
// the library is guarded by. With GCC the macros expand to nothing; the Clang build of the test
// command (scripts/test.sh) turns every unguarded access into a compile error.
//
//   mutable awrap::Mutex mutex_;
//   int waiters_ GUARDED_BY(mutex_) = 0;
//   void bump() { awrap::MutexLock lock(mutex_); ++waiters_; }
//   void bump_locked() REQUIRES(mutex_) { ++waiters_; }
#pragma once

#include <mutex>

#if defined(__clang__)
#define AWRAP_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define AWRAP_THREAD_ANNOTATION(x)
#endif

#define CAPABILITY(x) AWRAP_THREAD_ANNOTATION(capability(x))
#define SCOPED_CAPABILITY AWRAP_THREAD_ANNOTATION(scoped_lockable)
#define GUARDED_BY(x) AWRAP_THREAD_ANNOTATION(guarded_by(x))
#define PT_GUARDED_BY(x) AWRAP_THREAD_ANNOTATION(pt_guarded_by(x))
#define REQUIRES(...) AWRAP_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define ACQUIRE(...) AWRAP_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define RELEASE(...) AWRAP_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define TRY_ACQUIRE(...) AWRAP_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
#define EXCLUDES(...) AWRAP_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define ASSERT_CAPABILITY(x) AWRAP_THREAD_ANNOTATION(assert_capability(x))
#define NO_THREAD_SAFETY_ANALYSIS AWRAP_THREAD_ANNOTATION(no_thread_safety_analysis)

namespace awrap::internal {

// std::mutex as a Clang capability. BasicLockable, so std::condition_variable_any waits on a
// MutexLock directly.
class CAPABILITY("mutex") Mutex {
 public:
  void lock() ACQUIRE() { mutex_.lock(); }
  void unlock() RELEASE() { mutex_.unlock(); }
  bool try_lock() TRY_ACQUIRE(true) { return mutex_.try_lock(); }
  // Tells the analysis the mutex is held where it cannot see it: inside a condition variable's
  // predicate, which the condition variable only calls with the lock held. Checks nothing.
  void assert_held() const ASSERT_CAPABILITY(this) {}

 private:
  std::mutex mutex_;
};

// Holds a Mutex for its scope. unlock()/lock() let std::condition_variable_any release it while
// waiting; the analysis treats the scope as holding the mutex throughout, which is what the code
// after the wait may rely on.
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mutex) ACQUIRE(mutex) : mutex_(mutex) { mutex_.lock(); }
  ~MutexLock() RELEASE() {
    if (locked_) mutex_.unlock();
  }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  // For std::condition_variable_any and for code that must drop the lock for a while (joining a
  // thread that takes it): not seen by the analysis.
  void lock() NO_THREAD_SAFETY_ANALYSIS {
    mutex_.lock();
    locked_ = true;
  }
  void unlock() NO_THREAD_SAFETY_ANALYSIS {
    locked_ = false;
    mutex_.unlock();
  }

 private:
  Mutex& mutex_;
  bool locked_ = true;
};

}  // namespace awrap::internal
