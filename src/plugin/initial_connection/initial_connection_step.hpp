// initial_connection's decision at each turn of its loop, as a pure function of the role wanted,
// the role the endpoint led to, the topology known and the time (scenario table
// tests/data/initial_connection/step_scenarios.json). The plugin (initial_connection_plugin.cpp)
// only connects, checks roles and sleeps as it is told.
//
// A cluster endpoint's DNS lags behind a failover: the writer endpoint may lead to a demoted
// reader for a while. The plugin then moves to the host the topology names, or connects through
// the endpoint again every open_connection_retry_interval_ms until
// open_connection_retry_timeout_ms has passed.
#pragma once

#include <chrono>
#include <optional>

#include "awrap/ext/cluster_topology.hpp"
#include "awrap/host_info.hpp"
#include "host_selection/host_selector.hpp"
#include "plugin/endpoint_role.hpp"

namespace awrap::internal {

struct InitialConnectionSituation {
  using TimePoint = std::chrono::steady_clock::time_point;

  EndpointRole wanted = EndpointRole::kWriter;  // kWriter or kReader (kInstance is not checked)
  bool reached_writer = false;  // what the writer check said of the connection the endpoint gave
  HostInfo reached;             // that connection's host
  // The topology the cluster's monitor published, each host's availability filled in; null: none
  // yet.
  const Topology* topology = nullptr;
  // This turn's move to the host the topology names did not give a connection of the role.
  bool move_failed = false;
  TimePoint now{};
  TimePoint deadline{};  // when the first connect returned + open_connection_retry_timeout_ms
  std::chrono::milliseconds retry_interval{};  // open_connection_retry_interval_ms
};

struct InitialConnectionStep {
  enum class Action {
    kAccept,      // the connection has the role wanted: keep it
    kKeepWriter,  // a reader was wanted and none can be had: the writer answers reads
    kMove,        // connect to `move_to` directly and keep that connection if its role fits
    kRetry,       // close the connection; at `retry_at` connect through the endpoint again
    kGiveUp,      // a writer was wanted and none was found in time: ConnectError
  };
  Action action = Action::kAccept;
  HostInfo move_to;                                  // kMove
  InitialConnectionSituation::TimePoint retry_at{};  // kRetry
};

// The next step. A move is offered once per turn: after it failed (`move_failed`), the endpoint
// is tried again if the retry interval still fits before the deadline. `reader_selector`
// (reader_initial_connection_host_selector_strategy) chooses the reader, and is asked only when
// a move may follow.
InitialConnectionStep next_initial_connection_step(const InitialConnectionSituation& situation,
                                                   HostSelector& reader_selector);

const char* to_string(InitialConnectionStep::Action action) noexcept;

}  // namespace awrap::internal
