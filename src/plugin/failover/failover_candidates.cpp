#include "plugin/failover/failover_candidates.hpp"

#include <algorithm>

namespace awrap::internal {

FailoverRound plan_failover_round(FailoverTime now, FailoverTime deadline, bool failed_host_first,
                                  std::chrono::milliseconds auxiliary_query_timeout) {
  FailoverRound round;
  if (now >= deadline) return round;  // kGiveUp
  if (failed_host_first) {
    round.source = FailoverRound::Source::kFailedHost;
    round.candidate_deadline = std::min(deadline, now + auxiliary_query_timeout);
    return round;
  }
  round.source = FailoverRound::Source::kTopology;
  round.candidate_deadline = deadline;
  round.monitor_wait_until = std::min(deadline, now + kMonitorPatience);
  return round;
}

FailoverTime next_round_at(FailoverTime now, FailoverTime deadline,
                           std::chrono::milliseconds pause) {
  return std::min(deadline, now + pause);
}

std::optional<HostInfo> recently_confirmed_writer(const Topology* known, const HostInfo& failed,
                                                  FailoverTime now,
                                                  const AvailabilityOf& availability) {
  if (!known) return std::nullopt;
  auto writer = known->writer();
  if (!writer || writer->same_endpoint(failed)) return std::nullopt;
  if (known->writer_confirmed_at == FailoverTime{}) return std::nullopt;  // never confirmed
  if (now - known->writer_confirmed_at >= kRecentlyConfirmed) return std::nullopt;
  if (availability(*writer) != HostAvailability::kAvailable) return std::nullopt;
  return writer;
}

std::vector<HostInfo> fallback_candidates(std::vector<HostInfo> hosts, const HostInfo& failed) {
  std::stable_partition(hosts.begin(), hosts.end(),
                        [&](const HostInfo& h) { return !h.same_endpoint(failed); });
  return hosts;
}

std::optional<std::string> role_misfit(FailoverMode mode, const HostInfo& candidate, bool writer) {
  if ((mode == FailoverMode::kStrictWriter && !writer) ||
      (mode == FailoverMode::kStrictReader && writer))
    return candidate.endpoint() + (writer ? " is the writer, not a reader" : " is not the writer");
  return std::nullopt;
}

const char* to_string(FailoverRound::Source source) noexcept {
  switch (source) {
    case FailoverRound::Source::kFailedHost:
      return "failed_host";
    case FailoverRound::Source::kTopology:
      return "topology";
    case FailoverRound::Source::kGiveUp:
      return "give_up";
  }
  return "?";
}

}  // namespace awrap::internal
