#include "topology/topology_update.hpp"

#include <algorithm>

namespace awrap::internal {
namespace {

bool same_roles(const Topology& a, const Topology& b) {
  if (a.hosts.size() != b.hosts.size()) return false;
  for (std::size_t i = 0; i < a.hosts.size(); ++i)
    if (!a.hosts[i].same_endpoint(b.hosts[i]) || a.hosts[i].role != b.hosts[i].role) return false;
  return true;
}

// Index of the writer row that wins: the newest last_update, the first row on a tie.
std::optional<std::size_t> winning_writer_row(const std::vector<TopologyEntry>& rows) {
  std::optional<std::size_t> best;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (!rows[i].is_writer) continue;
    if (!best) {
      best = i;
      continue;
    }
    const auto& incumbent = rows[*best].last_update;
    const auto& challenger = rows[i].last_update;
    if (challenger && (!incumbent || *challenger > *incumbent)) best = i;
  }
  return best;
}

}  // namespace

BuiltTopology build_topology(const TopologySource& source, const std::vector<TopologyEntry>& rows,
                             const HostInfo* confirmed_writer, const Topology* current) {
  BuiltTopology built;
  Topology& topology = built.topology;
  if (source.reports_topology && !rows.empty()) {
    auto writer_row = winning_writer_row(rows);
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const TopologyEntry& e = rows[i];
      if (e.is_writer) ++built.writer_rows;
      HostInfo h = source.map_entry(e);
      h.host_id = e.instance_id;
      h.role = writer_row && *writer_row == i ? HostRole::kWriter : HostRole::kReader;
      h.weight = static_cast<std::int64_t>(std::max(0.0, 100000.0 - e.replica_lag_ms));
      if (e.last_update) h.last_update = *e.last_update;
      topology.hosts.push_back(std::move(h));
    }
  } else {
    topology.hosts = source.seed_hosts;
    for (auto& h : topology.hosts) h.role = HostRole::kUnknown;
  }
  if (confirmed_writer) {
    // A live writer check beats what the (possibly stale) topology says.
    bool found = false;
    for (auto& h : topology.hosts) {
      bool is_it = h.same_endpoint(*confirmed_writer);
      found = found || is_it;
      h.role = is_it ? HostRole::kWriter : HostRole::kReader;
    }
    if (!found) {
      HostInfo w = *confirmed_writer;
      w.role = HostRole::kWriter;
      topology.hosts.push_back(w);
    }
  } else if (!source.reports_topology && current) {
    if (auto w = current->writer())
      for (auto& h : topology.hosts)
        h.role = h.same_endpoint(*w) ? HostRole::kWriter : HostRole::kReader;
  }
  std::stable_partition(topology.hosts.begin(), topology.hosts.end(),
                        [](const HostInfo& h) { return h.role == HostRole::kWriter; });
  return built;
}

TopologyUpdate next_topology(const Topology* current, const Topology& fresh, bool writer_confirmed,
                             std::chrono::steady_clock::time_point check_began,
                             std::chrono::steady_clock::time_point now) {
  TopologyUpdate update;
  update.next = fresh;
  Topology& next = update.next;
  auto new_writer = next.writer();
  if (current) {
    auto old_writer = current->writer();
    next.version = current->version;
    next.writer_confirmed_at = current->writer_confirmed_at;
    bool writer_moved = old_writer && new_writer && !old_writer->same_endpoint(*new_writer);
    if (writer_moved && !writer_confirmed &&
        current->writer_confirmed_at != std::chrono::steady_clock::time_point{}) {
      // A topology table read from an instance may be stale right after a failover (as on
      // Aurora); it never overrules a writer confirmed by a live check.
      update.action = TopologyUpdate::Action::kProbe;
      return update;
    }
    if (writer_moved && writer_confirmed && check_began < current->writer_confirmed_at) {
      // Two live checks overlapped and the newer one was published first: the older answer
      // would move the writer back (and close the connections on the real one).
      update.action = TopologyUpdate::Action::kIgnore;
      return update;
    }
    if (writer_moved) update.replaced_writer = old_writer;
    if (!writer_confirmed && same_roles(*current, next)) return update;  // kIgnore
    if (!(old_writer && new_writer && old_writer->same_endpoint(*new_writer)))
      next.writer_confirmed_at = {};
  }
  ++next.version;
  if (writer_confirmed && new_writer) next.writer_confirmed_at = now;
  update.action = TopologyUpdate::Action::kPublish;
  return update;
}

const char* to_string(TopologyUpdate::Action action) noexcept {
  switch (action) {
    case TopologyUpdate::Action::kIgnore:
      return "ignore";
    case TopologyUpdate::Action::kPublish:
      return "publish";
    case TopologyUpdate::Action::kProbe:
      return "probe";
  }
  return "?";
}

}  // namespace awrap::internal
