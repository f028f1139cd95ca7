// The table of built-in plugins: code, weight (lower runs outermost), factory, help.
#pragma once

#include <vector>

#include "awrap/plugin.hpp"

namespace awrap {

std::vector<PluginRegistration> builtin_plugin_registrations();

}  // namespace awrap
