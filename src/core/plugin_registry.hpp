// The process-wide plugin registry (a documented registry: docs/plugins.md). Built-in plugins are
// registered on first use; applications may add their own with awrap::register_plugin.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "awrap/ext/plugin.hpp"

namespace awrap::internal {

// The built-in plugins, in their documentation order. Defined by the plugin layer
// (src/plugin/builtin_plugins.cpp, the one place that lists them); the registry calls it once.
// The core includes no plugin header: it knows plugins only as registrations.
std::vector<PluginRegistration> builtin_plugin_registrations();
// The properties those plugins declare (PluginRegistration::properties), in the same order;
// defined by the plugin layer too (src/plugin/builtin_plugin_properties.cpp).
std::vector<std::span<const PropertyDefinition>> builtin_plugin_property_groups();

// The registrations for `codes` in pipeline order (sorted by weight when `auto_sort`). Throws
// ConfigError for an unknown or repeated code, listing the known codes.
std::vector<PluginRegistration> resolve_plugins(const std::vector<std::string>& codes,
                                                bool auto_sort);

}  // namespace awrap::internal
