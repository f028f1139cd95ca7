// Failover's decisions as pure functions of the time, the topology, the failed host and host
// availability (scenario table tests/data/failover/candidate_scenarios.json): when a round starts
// and with what deadline, which hosts it tries, and when the failover_timeout_sec budget is spent.
// FailoverPlugin (failover_plugin.cpp) only waits, connects and reports as they say.
//
// A failover runs rounds until its deadline (start + failover_timeout_sec): the first round may
// try the failed host alone (a live server ended only the session); the others ask the shared
// topology monitor for a candidate, waiting at most kMonitorPatience, and otherwise try every
// known host. Between rounds it pauses cluster_topology_high_refresh_rate_ms.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "awrap/ext/cluster_topology.hpp"
#include "awrap/host_info.hpp"
#include "plugin/failover/failover_mode.hpp"
#include "plugin/reader_choice.hpp"

namespace awrap::internal {

using FailoverTime = std::chrono::steady_clock::time_point;

// How long failover waits for the shared topology monitor before probing hosts itself.
inline constexpr std::chrono::seconds kMonitorPatience{2};
// How fresh a confirmed writer must be for a failover to try it without a new probe round.
inline constexpr std::chrono::seconds kRecentlyConfirmed{2};

struct FailoverRound {
  enum class Source {
    kFailedHost,  // try the failed host alone: its server is alive, only the session ended
    kTopology,    // ask the topology monitor for a candidate, else try every known host
    kGiveUp,      // failover_timeout_sec is spent: FailoverFailedError
  };
  Source source = Source::kGiveUp;
  // Every connect and writer check of the round ends by then: the failover deadline, or for the
  // failed host auxiliary_query_timeout_sec from now (its server just spoke, so it answers at
  // once or not at all).
  FailoverTime candidate_deadline{};
  // kTopology: how long to wait for the monitor to confirm a writer.
  FailoverTime monitor_wait_until{};
};

// The round starting at `now`. `failed_host_first`: this is the first round, a live server ended
// the session, and its host is marked available.
FailoverRound plan_failover_round(FailoverTime now, FailoverTime deadline, bool failed_host_first,
                                  std::chrono::milliseconds auxiliary_query_timeout);

// When the round after one that found no host starts: `pause` from now, never past the deadline.
FailoverTime next_round_at(FailoverTime now, FailoverTime deadline,
                           std::chrono::milliseconds pause);

// strict_writer's shortcut: the writer of `known`, when a live probe confirmed it less than
// kRecentlyConfirmed before `now` (e.g. the failover that made the tracker close this
// connection), it is not `failed`, and it is marked available.
std::optional<HostInfo> recently_confirmed_writer(const Topology* known, const HostInfo& failed,
                                                  FailoverTime now,
                                                  const AvailabilityOf& availability);

// Every known host, the failed one last (it may have come back).
std::vector<HostInfo> fallback_candidates(std::vector<HostInfo> hosts, const HostInfo& failed);

// Why a candidate whose writer check said `writer` does not fit `mode` ("h:5432 is not the
// writer"), or nullopt when it does.
std::optional<std::string> role_misfit(FailoverMode mode, const HostInfo& candidate, bool writer);

const char* to_string(FailoverRound::Source source) noexcept;

}  // namespace awrap::internal
