// The one list of built-in plugins. Each plugin's folder declares its code, factory, weight and
// properties; the core sees them only through the plugin registry (src/core/plugin_registry.hpp
// declares this function, which the registry calls once, on first use).
#include "core/plugin_registry.hpp"
#include "plugin/aurora_connection_tracker/aurora_connection_tracker_plugin.hpp"
#include "plugin/aws_secrets_manager/aws_secrets_manager_plugin.hpp"
#include "plugin/connect_time/connect_time_plugin.hpp"
#include "plugin/dev/dev_plugin.hpp"
#include "plugin/execute_time/execute_time_plugin.hpp"
#include "plugin/failover/failover_plugin.hpp"
#include "plugin/host_monitoring/host_monitoring_plugin.hpp"
#include "plugin/iam/iam_plugin.hpp"
#include "plugin/initial_connection/initial_connection_plugin.hpp"
#include "plugin/read_write_splitting/read_write_splitting_plugin.hpp"
#include "plugin/srw/srw_plugin.hpp"

namespace awrap::internal {

std::vector<PluginRegistration> builtin_plugin_registrations() {
  // This order is the order of the plugins' property groups in docs/configuration.md.
  // One plugin per line, so that adding one is a one-line change.
  // clang-format off
  return {
      make_initial_connection_registration(),
      make_iam_plugin_registration(),
      make_aws_secrets_manager_registration(),
      make_aurora_connection_tracker_registration(),
      make_read_write_splitting_registration(),
      make_srw_registration(),
      make_failover_registration(),
      make_host_monitoring_registration(),
      make_connect_time_registration(),
      make_execute_time_registration(),
      make_dev_registration(),
  };
  // clang-format on
}

}  // namespace awrap::internal
