#include "topology/open_connection_registry.hpp"

#include "base/logging.hpp"
#include "base/thread_annotations.hpp"

namespace awrap::internal {

void OpenConnectionRegistry::add(const HostInfo& host, TargetConnection* connection,
                                 CallAbortedListener on_abort) {
  MutexLock lock(mutex_);
  by_endpoint_[host.endpoint()][connection] = std::move(on_abort);
}

void OpenConnectionRegistry::remove(TargetConnection* connection) {
  // Destroyed after the lock is released (declared first): it may hold application objects.
  std::vector<CallAbortedListener> dropped;
  MutexLock lock(mutex_);
  for (auto it = by_endpoint_.begin(); it != by_endpoint_.end();) {
    if (auto found = it->second.find(connection); found != it->second.end()) {
      dropped.push_back(std::move(found->second));
      it->second.erase(found);
    }
    it = it->second.empty() ? by_endpoint_.erase(it) : std::next(it);
  }
}

std::vector<CallAbortedListener> OpenConnectionRegistry::abort_writer_connections(
    const HostInfo& host) {
  MutexLock lock(mutex_);
  auto it = by_endpoint_.find(host.endpoint());
  if (it == by_endpoint_.end()) return {};
  std::vector<CallAbortedListener> listeners;
  for (auto& [connection, on_abort] : it->second) {
    connection->abort();
    if (on_abort) listeners.push_back(std::move(on_abort));
  }
  AWRAP_LOG(kInfo) << "closed " << it->second.size()
                   << " connection(s) still open to the old writer " << host.endpoint();
  by_endpoint_.erase(it);
  return listeners;
}

std::size_t OpenConnectionRegistry::size() const {
  MutexLock lock(mutex_);
  std::size_t n = 0;
  for (const auto& [_, connections] : by_endpoint_) n += connections.size();
  return n;
}

std::size_t OpenConnectionRegistry::count(const HostInfo& host) const {
  MutexLock lock(mutex_);
  auto it = by_endpoint_.find(host.endpoint());
  return it == by_endpoint_.end() ? 0 : it->second.size();
}

}  // namespace awrap::internal
