// `aurora_connection_tracker`: records which instance each Connection's physical connection is
// on; when a cluster's writer changes, connections still open to the old writer are closed
// (their next call fails over) so a demoted writer does not keep taking "writes" that fail later.
#pragma once

#include "awrap/ext/plugin.hpp"

namespace awrap::internal {

PluginRegistration make_aurora_connection_tracker_registration();

}  // namespace awrap::internal
