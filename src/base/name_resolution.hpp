// Host name resolution bounded by a deadline. libpq and Connector/C resolve names synchronously,
// with the system resolver's own timeouts (5 s per try by default), outside any connect
// deadline: a slow DNS server would stretch connect_timeout and every failover with it.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace awrap::internal {

// The addresses of `host` (numeric text, in the resolver's order, duplicates removed), resolved
// through the system resolver (getaddrinfo_a, so /etc/hosts and nsswitch apply) by `deadline`
// (no deadline: as long as the resolver takes). Throws ConnectError naming `endpoint` when the
// name does not resolve or the deadline passes first; a lookup still running then is left to
// finish in the background and freed later.
std::vector<std::string> resolve_host(const std::string& host,
                                      std::optional<std::chrono::steady_clock::time_point> deadline,
                                      const std::string& endpoint);

struct NameLookup;  // name_resolution.cpp

// A lookup that runs while the caller's event loop goes on (the monitors' loop thread must never
// wait for a resolver): started by the constructor, finished when wake_fd() becomes readable.
// Destroying it cancels the lookup; one glibc cannot cancel any more is left to finish in the
// background and freed later, as resolve_host's are. (A ThreadSanitizer build resolves in the
// constructor, as resolve_host does there.)
class PendingLookup {
 public:
  // Throws ConnectError naming `endpoint` when the lookup cannot be started.
  PendingLookup(const std::string& host, std::string endpoint);
  ~PendingLookup();
  PendingLookup(const PendingLookup&) = delete;
  PendingLookup& operator=(const PendingLookup&) = delete;

  // Readable (POLLIN) once the lookup has finished.
  int wake_fd() const noexcept;
  bool finished() const noexcept;
  // The addresses, as resolve_host gives them; throws ConnectError as it does.
  // REQUIRES: finished().
  std::vector<std::string> addresses() const;

 private:
  std::unique_ptr<NameLookup> lookup_;
  std::string endpoint_;
#if defined(__SANITIZE_THREAD__)
  int synchronous_status_ = 0;
#endif
};

}  // namespace awrap::internal
