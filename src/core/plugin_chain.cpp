#include "core/plugin_chain.hpp"

namespace awrap {

// The public API implemented with awrap's internals.
using namespace internal;

PluginChain::PluginChain(const std::vector<Plugin*>& plugins, ChainTerminal* terminal)
    : terminal_(terminal) {
  for (std::size_t m = 0; m < chains_.size(); ++m)
    for (Plugin* p : plugins)
      if (p->subscribed_methods().contains(static_cast<Method>(m))) chains_[m].push_back(p);
}

std::unique_ptr<TargetConnection> PluginChain::connect_at(std::size_t index,
                                                          ConnectRequest& request) const {
  const auto& chain = chains_[static_cast<std::size_t>(Method::kConnect)];
  if (index < chain.size()) return chain[index]->connect(request, NextConnect(this, index + 1));
  return terminal_->connect(request);
}

CallResult NextCall::operator()(Call& call) const {
  return chain_->call_at(index_, call);
}

std::unique_ptr<TargetConnection> NextConnect::operator()(ConnectRequest& request) const {
  return chain_->connect_at(index_, request);
}

const char* to_string(Method method) noexcept {
  switch (method) {
    case Method::kConnect:
      return "connect";
    case Method::kExecute:
      return "execute";
    case Method::kPrepare:
      return "prepare";
    case Method::kExecutePrepared:
      return "execute_prepared";
    case Method::kDeallocate:
      return "deallocate";
    case Method::kBegin:
      return "begin";
    case Method::kCommit:
      return "commit";
    case Method::kRollback:
      return "rollback";
    case Method::kSetAutocommit:
      return "set_autocommit";
    case Method::kSetReadOnly:
      return "set_read_only";
    case Method::kSetIsolationLevel:
      return "set_isolation_level";
    case Method::kClose:
      return "close";
    case Method::kCount:
      break;
  }
  return "unknown";
}

}  // namespace awrap
