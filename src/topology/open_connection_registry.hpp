// Which physical connections are open to which host, per Runtime (a service of it:
// base/runtime.hpp; used by aurora_connection_tracker and the least_connections host selector).
// When a cluster's writer changes, every connection still open to the old writer is aborted, so it
// fails over instead of serving "writes" that fail later.
//
// Lifetime contract: a connection is removed before it is closed or destroyed (the tracker
// removes it on kClose and on connection change, before the Connection closes it). Aborts happen
// under the registry's mutex, so an abort never reaches a destroyed connection. Each connection
// may carry the application's abort listener: it is handed back to the caller of the abort, to be
// told outside awrap's locks.
#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "awrap/events.hpp"
#include "awrap/ext/target_driver.hpp"
#include "awrap/host_info.hpp"
#include "base/thread_annotations.hpp"

namespace awrap::internal {

class OpenConnectionRegistry {
 public:
  void add(const HostInfo& host, TargetConnection* connection, CallAbortedListener on_abort = {});
  void remove(TargetConnection* connection);
  // Aborts (shuts the socket of) every connection open to `host` and forgets them; returns the
  // abort listeners they carried (the empty ones left out).
  std::vector<CallAbortedListener> abort_writer_connections(const HostInfo& host);
  std::size_t size() const;
  // How many registered connections are open to `host` (least_connections).
  std::size_t count(const HostInfo& host) const;

 private:
  mutable Mutex mutex_;
  std::map<std::string, std::map<TargetConnection*, CallAbortedListener>> by_endpoint_
      GUARDED_BY(mutex_);
};

}  // namespace awrap::internal
