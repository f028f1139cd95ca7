#include "topology/open_connection_registry.hpp"

#include "base/logging.hpp"
#include "base/thread_annotations.hpp"

namespace awrap::internal {

void OpenConnectionRegistry::add(const HostInfo& host, TargetConnection* connection) {
  MutexLock lock(mutex_);
  by_endpoint_[host.endpoint()].insert(connection);
}

void OpenConnectionRegistry::remove(TargetConnection* connection) {
  MutexLock lock(mutex_);
  for (auto it = by_endpoint_.begin(); it != by_endpoint_.end();) {
    it->second.erase(connection);
    it = it->second.empty() ? by_endpoint_.erase(it) : std::next(it);
  }
}

std::size_t OpenConnectionRegistry::abort_writer_connections(const HostInfo& host) {
  MutexLock lock(mutex_);
  auto it = by_endpoint_.find(host.endpoint());
  if (it == by_endpoint_.end()) return 0;
  for (TargetConnection* c : it->second) c->abort();
  std::size_t n = it->second.size();
  AWRAP_LOG(kInfo) << "closed " << n << " connection(s) still open to the old writer "
                   << host.endpoint();
  by_endpoint_.erase(it);
  return n;
}

std::size_t OpenConnectionRegistry::size() const {
  MutexLock lock(mutex_);
  std::size_t n = 0;
  for (const auto& [_, set] : by_endpoint_) n += set.size();
  return n;
}

std::size_t OpenConnectionRegistry::count(const HostInfo& host) const {
  MutexLock lock(mutex_);
  auto it = by_endpoint_.find(host.endpoint());
  return it == by_endpoint_.end() ? 0 : it->second.size();
}

}  // namespace awrap::internal
