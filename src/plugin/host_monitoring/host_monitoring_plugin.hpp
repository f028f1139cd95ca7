// `host_monitoring` (enhanced failure monitoring): while a call runs on a connection, the
// connection is registered with its host's shared monitor; when the call has lasted
// failure_detection_time_ms the monitor probes the host every failure_detection_interval_ms, and
// after failure_detection_count failed probes it marks the host unavailable and aborts the calls
// stuck on it, which then throw ConnectionLostError at once (so failover, outside this plugin,
// starts). See docs/host-monitoring.md.
#pragma once

#include "awrap/ext/plugin.hpp"

namespace awrap::internal {

PluginRegistration make_host_monitoring_registration();

}  // namespace awrap::internal
