// The per-Connection chains of plugins, one per Method, precomputed when the Connection opens.
#pragma once

#include <array>
#include <memory>
#include <vector>

#include "awrap/ext/plugin.hpp"

namespace awrap::internal {

// What sits at the end of every chain: the native driver (DefaultPlugin).
class ChainTerminal {
 public:
  virtual ~ChainTerminal() = default;
  virtual CallResult call(Call& call) = 0;
  virtual std::unique_ptr<TargetConnection> connect(ConnectRequest& request) = 0;
};

class PluginChain {
 public:
  // `plugins` in pipeline order (outermost first). Not owned; must outlive the chain.
  PluginChain(const std::vector<Plugin*>& plugins, ChainTerminal* terminal);

  CallResult call(Call& call) const { return call_at(0, call); }
  std::unique_ptr<TargetConnection> connect(ConnectRequest& request) const {
    return connect_at(0, request);
  }

  CallResult call_at(std::size_t index, Call& call) const {
    const auto& chain = chains_[static_cast<std::size_t>(call.method)];
    if (index < chain.size()) return chain[index]->call(call, NextCall(this, index + 1));
    return terminal_->call(call);
  }
  std::unique_ptr<TargetConnection> connect_at(std::size_t index, ConnectRequest& request) const;

  // Plugins subscribed to `method`, outermost first.
  const std::vector<Plugin*>& subscribers(Method method) const {
    return chains_[static_cast<std::size_t>(method)];
  }

 private:
  std::array<std::vector<Plugin*>, static_cast<std::size_t>(Method::kCount)> chains_;
  ChainTerminal* terminal_;
};

}  // namespace awrap::internal
