#include "base/name_resolution.hpp"

#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <ctime>
#include <memory>

#include "awrap/errors.hpp"
#include "base/thread_annotations.hpp"

namespace awrap {
namespace {

using Clock = std::chrono::steady_clock;

// One getaddrinfo_a request and everything it points to: glibc reads and writes these until the
// lookup has finished, so they move and die together.
struct Lookup {
  std::string name;
  addrinfo hints{};
  gaicb request{};
  std::array<gaicb*, 1> list{};

  explicit Lookup(std::string host) : name(std::move(host)) {
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_ADDRCONFIG;
    request.ar_name = name.c_str();
    request.ar_request = &hints;
    list[0] = &request;
  }
  Lookup(const Lookup&) = delete;
  Lookup& operator=(const Lookup&) = delete;
  ~Lookup() {
    if (request.ar_result != nullptr) freeaddrinfo(request.ar_result);
  }
  bool running() { return gai_error(&request) == EAI_INPROGRESS; }
};

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
    std::erase_if(lookups_, [](const std::unique_ptr<Lookup>& l) { return !l->running(); });
  }

 private:
  Mutex mutex_;
  std::vector<std::unique_ptr<Lookup>> lookups_ GUARDED_BY(mutex_);
};

[[maybe_unused]] AbandonedLookups& abandoned() {
  static AbandonedLookups lookups;
  return lookups;
}

std::string numeric_address(const addrinfo& entry) {
  std::array<char, NI_MAXHOST> text{};
  if (getnameinfo(entry.ai_addr, entry.ai_addrlen, text.data(), text.size(), nullptr, 0,
                  NI_NUMERICHOST) != 0)
    return {};
  return text.data();
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
  std::vector<std::string> synchronous;
  for (const addrinfo* entry = found; entry != nullptr; entry = entry->ai_next) {
    std::string address = numeric_address(*entry);
    if (!address.empty() &&
        std::find(synchronous.begin(), synchronous.end(), address) == synchronous.end())
      synchronous.push_back(std::move(address));
  }
  freeaddrinfo(found);
  if (synchronous.empty())
    throw ConnectError("\"" + host + "\" resolved to no address", {}, 0, endpoint);
  return synchronous;
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
  std::vector<std::string> addresses;
  for (const addrinfo* entry = lookup->request.ar_result; entry != nullptr;
       entry = entry->ai_next) {
    std::string address = numeric_address(*entry);
    if (!address.empty() &&
        std::find(addresses.begin(), addresses.end(), address) == addresses.end())
      addresses.push_back(std::move(address));
  }
  if (addresses.empty())
    throw ConnectError("\"" + host + "\" resolved to no address", {}, 0, endpoint);
  return addresses;
#endif
}

}  // namespace awrap
