// The topology monitor's probing schedule as pure functions (scenario table
// tests/data/topology/probe_schedule_scenarios.json): how fast each host is probed for a writer
// and whether probing starts again. TopologyMonitor (topology_monitor.cpp) only waits and probes.
#pragma once

#include <chrono>

namespace awrap::internal {

// A prober's pause after `fruitless_probes` probes that found no writer. A Connection waiting for
// a writer gets cluster_topology_high_refresh_rate_ms (`high_rate_interval`); with nobody waiting
// each fruitless probe doubles the pause, up to 16 times the high rate.
std::chrono::milliseconds probe_pause(std::chrono::milliseconds high_rate_interval,
                                      bool connection_waiting, int fruitless_probes);

// Whether the monitor (its monitoring connection lost, or the writer missing from the rows)
// switches to high-rate probing: always while a Connection waits; otherwise not when the last
// round already ended unattended without a writer (it then tries each host once per refresh).
bool starts_probing(bool last_round_abandoned, bool connection_waiting);

}  // namespace awrap::internal
