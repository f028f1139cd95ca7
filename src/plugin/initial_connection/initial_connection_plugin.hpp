// `initial_connection`: a connection opened through a cluster (writer) or reader endpoint is
// checked for its real role, because DNS lags behind a failover. On a mismatch it connects to
// the right instance from the cluster's topology, retrying within open_connection_retry_timeout_ms.
#pragma once

#include "awrap/ext/plugin.hpp"

namespace awrap::internal {

PluginRegistration make_initial_connection_registration();

}  // namespace awrap::internal
