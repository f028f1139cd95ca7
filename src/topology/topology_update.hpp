// The topology monitor's decisions as pure functions: what the next snapshot is, given what a
// cluster reported (or a live writer check confirmed) and the snapshot published before. Time is
// passed in, so the rules are checked from a table on a fake clock
// (tests/data/topology/update_scenarios.json); TopologyMonitor only does the I/O and locking.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <vector>

#include "awrap/ext/cluster_topology.hpp"
#include "awrap/host_info.hpp"
#include "dialect/dialect.hpp"

namespace awrap::internal {

struct TopologySource {
  bool reports_topology = false;  // Aurora, Multi-AZ: the cluster lists its instances
  // Maps a reported instance to the host to connect to (host pattern, endpoint).
  std::function<HostInfo(const TopologyEntry&)> map_entry;
  std::vector<HostInfo> seed_hosts;  // the conninfo's hosts: a plain cluster's topology
};

struct BuiltTopology {
  Topology topology;
  // Rows that said "writer" (more than one during an Aurora failover; the newest wins).
  int writer_rows = 0;
};

// The hosts of a snapshot, writer first. From the reported rows when the cluster reports them,
// else the seed hosts. Several writer rows: the one with the newest last_update is the writer
// (a row without a timestamp is the oldest; a tie keeps the first row), the others readers.
// `confirmed_writer`, a host that just passed a live writer check, beats the rows. A plain
// cluster's roles are only known by probing, so without one they come from `current`.
BuiltTopology build_topology(const TopologySource& source, const std::vector<TopologyEntry>& rows,
                             const HostInfo* confirmed_writer, const Topology* current);

struct TopologyUpdate {
  enum class Action {
    kIgnore,   // nothing new: keep the current snapshot and wake nobody
    kPublish,  // publish `next`
    kProbe,    // the rows contradict a writer confirmed by a live check: probe the hosts instead
  };
  Action action = Action::kIgnore;
  Topology next;
  // The writer `next` replaces, whose connections must be closed (they would write to a reader).
  std::optional<HostInfo> replaced_writer;
};

// What to do with `fresh` (from build_topology) given the published snapshot `current` (null
// before the first). `writer_confirmed`: `fresh`'s writer passed a live writer check that began
// at `check_began` and is published at `now`. A check that began before `current`'s writer was
// confirmed and names another writer is stale (it raced with a newer check) and is ignored.
TopologyUpdate next_topology(const Topology* current, const Topology& fresh, bool writer_confirmed,
                             std::chrono::steady_clock::time_point check_began,
                             std::chrono::steady_clock::time_point now);

const char* to_string(TopologyUpdate::Action action) noexcept;

}  // namespace awrap::internal
