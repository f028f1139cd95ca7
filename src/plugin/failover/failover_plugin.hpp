// `failover`: when the connection to the writer is lost, finds the new writer through the shared
// TopologyMonitor (not DNS), reconnects, restores session state and raises exactly one of
// FailoverSuccessError, TransactionResolutionUnknownError or FailoverFailedError
// (docs/failover.md).
#pragma once

#include "awrap/ext/plugin.hpp"

namespace awrap::internal {

PluginRegistration make_failover_registration();

}  // namespace awrap::internal
