#include "base/name_resolution.hpp"

#include <netdb.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <ctime>
#include <memory>

#include "awrap/errors.hpp"
#include "base/no_destructor.hpp"
#include "base/thread_annotations.hpp"

namespace awrap::internal {
namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

// One getaddrinfo_a request and everything it points to: glibc reads and writes these until the
// lookup has finished (and, for a lookup that notifies, until the notification has run), so they
// move and die together.
struct NameLookup {
  std::string name;
  addrinfo hints{};
  gaicb request{};
  std::array<gaicb*, 1> list{};
  int wake_fd = -1;                  // an eventfd written when a notifying lookup finishes
  std::atomic<bool> notified{true};  // false until a notifying lookup's notification has run

  explicit NameLookup(std::string host) : name(std::move(host)) {
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_ADDRCONFIG;
    request.ar_name = name.c_str();
    request.ar_request = &hints;
    list[0] = &request;
  }
  NameLookup(const NameLookup&) = delete;
  NameLookup& operator=(const NameLookup&) = delete;
  ~NameLookup() {
    if (request.ar_result != nullptr) freeaddrinfo(request.ar_result);
    if (wake_fd >= 0) ::close(wake_fd);
  }
  bool running() { return gai_error(&request) == EAI_INPROGRESS; }
  // Nothing of glibc's touches it any more.
  bool done() { return !running() && notified.load(std::memory_order_acquire); }
};

namespace {

using Lookup = NameLookup;

// Lookups given up at their deadline that glibc could not cancel: kept until they finish (the
// resolver's own timeouts end every one), freed on a later call.
class AbandonedLookups {
 public:
  void keep(std::unique_ptr<Lookup> lookup) {
    MutexLock lock(mutex_);
    lookups_.push_back(std::move(lookup));
  }
  void free_finished() {
    MutexLock lock(mutex_);
    std::erase_if(lookups_, [](const std::unique_ptr<Lookup>& l) { return l->done(); });
  }

 private:
  Mutex mutex_;
  std::vector<std::unique_ptr<Lookup>> lookups_ GUARDED_BY(mutex_);
};

// Never destroyed: at exit glibc may still be running a lookup, or its notification, that
// writes into one of them. (Reachable from static storage, so not a leak either.)
[[maybe_unused]] AbandonedLookups& abandoned() {
  static NoDestructor<AbandonedLookups> lookups;
  return lookups.get();
}

std::string numeric_address(const addrinfo& entry) {
  std::array<char, NI_MAXHOST> text{};
  if (getnameinfo(entry.ai_addr, entry.ai_addrlen, text.data(), text.size(), nullptr, 0,
                  NI_NUMERICHOST) != 0)
    return {};
  return text.data();
}

std::vector<std::string> addresses_of(const addrinfo* found, const std::string& host,
                                      const std::string& endpoint) {
  std::vector<std::string> addresses;
  for (const addrinfo* entry = found; entry != nullptr; entry = entry->ai_next) {
    std::string address = numeric_address(*entry);
    if (!address.empty() &&
        std::find(addresses.begin(), addresses.end(), address) == addresses.end())
      addresses.push_back(std::move(address));
  }
  if (addresses.empty())
    throw ConnectError("\"" + host + "\" resolved to no address", {}, 0, endpoint);
  return addresses;
}

}  // namespace

std::vector<std::string> resolve_host(const std::string& host,
                                      std::optional<Clock::time_point> deadline,
                                      const std::string& endpoint) {
#if defined(__SANITIZE_THREAD__)
  // ThreadSanitizer cannot follow the helper threads glibc starts for getaddrinfo_a (they crash
  // in its allocator): a TSan build resolves synchronously, without the deadline.
  deadline.reset();
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_ADDRCONFIG;
  addrinfo* found = nullptr;
  if (int rc = getaddrinfo(host.c_str(), nullptr, &hints, &found); rc != 0) {
    throw ConnectError("could not resolve \"" + host + "\": " + gai_strerror(rc), {}, 0, endpoint);
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owned(found, &freeaddrinfo);
  return addresses_of(found, host, endpoint);
#else
  abandoned().free_finished();
  auto lookup = std::make_unique<Lookup>(host);
  if (int rc = getaddrinfo_a(GAI_NOWAIT, lookup->list.data(), 1, nullptr); rc != 0) {
    throw ConnectError("could not start resolving \"" + host + "\": " + gai_strerror(rc), {}, 0,
                       endpoint);
  }
  while (lookup->running()) {
    if (!deadline) {
      gai_suspend(lookup->list.data(), 1, nullptr);
      continue;
    }
    const auto left = *deadline - Clock::now();
    if (left <= Clock::duration::zero()) break;
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
    const timespec wait{static_cast<time_t>(ns / 1'000'000'000),
                        static_cast<long>(ns % 1'000'000'000)};
    gai_suspend(lookup->list.data(), 1, &wait);  // returns early on completion or a signal
  }
  const int status = gai_error(&lookup->request);
  if (status == EAI_INPROGRESS) {
    if (gai_cancel(&lookup->request) != EAI_CANCELED) abandoned().keep(std::move(lookup));
    throw ConnectError("timed out resolving \"" + host + "\" (within the connect deadline)", {}, 0,
                       endpoint);
  }
  if (status != 0) {
    throw ConnectError("could not resolve \"" + host + "\": " + gai_strerror(status), {}, 0,
                       endpoint);
  }
  return addresses_of(lookup->request.ar_result, host, endpoint);
#endif
}

namespace {

// Runs on a glibc helper thread when a notifying lookup finishes. The lookup may be freed as soon
// as `notified` is set: nothing of it is touched after that.
[[maybe_unused]] void notify_finished(sigval value) {  // unused in a TSan build
  auto* lookup = static_cast<NameLookup*>(value.sival_ptr);
  const std::uint64_t one = 1;
  [[maybe_unused]] const ssize_t written = ::write(lookup->wake_fd, &one, sizeof one);
  lookup->notified.store(true, std::memory_order_release);
}

}  // namespace

PendingLookup::PendingLookup(const std::string& host, std::string endpoint)
    : lookup_(std::make_unique<NameLookup>(host)), endpoint_(std::move(endpoint)) {
  lookup_->wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (lookup_->wake_fd < 0)
    throw ConnectError("could not start resolving \"" + host + "\": no eventfd", {}, 0, endpoint_);
#if defined(__SANITIZE_THREAD__)
  // See resolve_host: resolved here, synchronously.
  const int rc = getaddrinfo(host.c_str(), nullptr, &lookup_->hints, &lookup_->request.ar_result);
  synchronous_status_ = rc;
  const std::uint64_t one = 1;
  [[maybe_unused]] const ssize_t written = ::write(lookup_->wake_fd, &one, sizeof one);
#else
  abandoned().free_finished();
  sigevent notification{};
  notification.sigev_notify = SIGEV_THREAD;
  notification.sigev_notify_function = notify_finished;
  notification.sigev_value.sival_ptr = lookup_.get();
  lookup_->notified.store(false, std::memory_order_relaxed);
  if (int rc = getaddrinfo_a(GAI_NOWAIT, lookup_->list.data(), 1, &notification); rc != 0) {
    lookup_->notified.store(true, std::memory_order_relaxed);
    throw ConnectError("could not start resolving \"" + host + "\": " + gai_strerror(rc), {}, 0,
                       endpoint_);
  }
#endif
}

PendingLookup::~PendingLookup() {
#if !defined(__SANITIZE_THREAD__)
  if (lookup_->done()) return;
  // Canceled before it ran: glibc never notifies. Otherwise it may still be running or notifying.
  if (gai_cancel(&lookup_->request) == EAI_CANCELED) return;
  abandoned().keep(std::move(lookup_));
#endif
}

int PendingLookup::wake_fd() const noexcept {
  return lookup_->wake_fd;
}

bool PendingLookup::finished() const noexcept {
#if defined(__SANITIZE_THREAD__)
  return true;
#else
  return lookup_->done();
#endif
}

std::vector<std::string> PendingLookup::addresses() const {
#if defined(__SANITIZE_THREAD__)
  const int status = synchronous_status_;
#else
  const int status = gai_error(&lookup_->request);
#endif
  if (status != 0)
    throw ConnectError("could not resolve \"" + lookup_->name + "\": " + gai_strerror(status), {},
                       0, endpoint_);
  return addresses_of(lookup_->request.ar_result, lookup_->name, endpoint_);
}

}  // namespace awrap::internal
