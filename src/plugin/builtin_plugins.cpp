#include "plugin/builtin_plugins.hpp"

#include "plugin/aurora_connection_tracker/aurora_connection_tracker_plugin.hpp"
#include "plugin/aws_secrets_manager/aws_secrets_manager_plugin.hpp"
#include "plugin/connect_time/connect_time_plugin.hpp"
#include "plugin/dev/dev_plugin.hpp"
#include "plugin/execute_time/execute_time_plugin.hpp"
#include "plugin/failover/failover_plugin.hpp"
#include "plugin/host_monitoring/host_monitoring_plugin.hpp"
#include "plugin/iam/iam_plugin.hpp"
#include "plugin/initial_connection/initial_connection_plugin.hpp"

namespace awrap {

std::vector<PluginRegistration> builtin_plugin_registrations() {
  // Weights: outermost first. Diagnostics sit innermost so they time the driver alone, and the
  // dev plugin is last so every other plugin sees its injected errors as if the driver raised them.
  PluginRegistration iam = make_iam_plugin_registration();
  iam.weight = 150;  // outside failover: every reconnect gets a (cached) token
  return {
      make_initial_connection_registration(/*weight=*/100),
      iam,
      // Like iam: outside failover, so its reconnects reuse the cached secret.
      make_aws_secrets_manager_registration(/*weight=*/150),
      make_aurora_connection_tracker_registration(/*weight=*/200),
      make_failover_registration(/*weight=*/400),
      // Inside failover: the ConnectionLostError of an aborted call reaches failover.
      make_host_monitoring_registration(/*weight=*/500),
      make_connect_time_registration(/*weight=*/9000),
      make_execute_time_registration(/*weight=*/9010),
      make_dev_registration(/*weight=*/10000),
  };
}

}  // namespace awrap
