// `dev`: injects a chosen error on the next call(s) of a chosen method, for testing how the rest
// of the pipeline and the application react. Configured by dev_inject_error_on,
// dev_inject_error_class and dev_inject_error_count. Never use it in production.
#pragma once

#include "awrap/ext/plugin.hpp"

namespace awrap::internal {

PluginRegistration make_dev_registration();

// Throws the awrap error of `error_class` (network, login, query, cancel, read_only, connect)
// with a message saying it was injected.
[[noreturn]] void throw_injected_error(std::string_view error_class, const HostInfo& host,
                                       std::string_view method);

}  // namespace awrap::internal
