// How a built-in plugin reaches the Runtime (base/runtime.hpp) of the Connection it belongs to:
// the token and secret caches, the open-connection registry and the monitor loop are services of
// that Runtime, and whatever a plugin starts holds on to it.
#pragma once

#include <memory>

#include "awrap/ext/plugin.hpp"
#include "base/runtime.hpp"

namespace awrap::internal {

// The Runtime of the Connection behind `service`. A PluginService that is not awrap's own (a
// test's stand-in) gets the process's current Runtime.
std::shared_ptr<internal::Runtime> runtime_of(const PluginService& service);

}  // namespace awrap::internal
