#include "plugin/read_write_splitting/read_consistency.hpp"

#include <algorithm>
#include <cstdio>

namespace awrap::internal::read_consistency {

std::optional<std::chrono::milliseconds> next_replay_poll(std::chrono::milliseconds waited,
                                                          int polls_done,
                                                          std::chrono::milliseconds timeout) {
  if (waited >= timeout) return std::nullopt;
  constexpr int kLongestStep = 4;  // 16 ms: a reader that is seconds behind costs few polls
  const std::chrono::milliseconds step{1 << std::clamp(polls_done, 0, kLongestStep)};
  return std::min(step, timeout - waited);
}

bool is_replication_position(std::string_view position) {
  constexpr std::size_t kLongest = 4096;
  if (position.empty() || position.size() > kLongest) return false;
  return std::all_of(position.begin(), position.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == '/' ||
           c == '-' || c == ':' || c == ',';
  });
}

std::string pg_replayed_sql(std::string_view lsn) {
  return "SELECT NOT pg_catalog.pg_is_in_recovery() OR "
         "pg_catalog.pg_last_wal_replay_lsn() >= '" +
         std::string(lsn) + "'::pg_lsn";
}

std::string mariadb_gtid_wait_sql(std::string_view gtid, std::chrono::milliseconds timeout) {
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%lld.%03lld",
                static_cast<long long>(timeout.count() / 1000),
                static_cast<long long>(timeout.count() % 1000));
  return "SELECT MASTER_GTID_WAIT('" + std::string(gtid) + "', " + seconds + ")";
}

ReplayNeed replay_need(const std::optional<std::string>& position,
                       std::string_view reached_position, bool same_reader_session) {
  if (!position) return ReplayNeed::kUnknown;
  if (position->empty()) return ReplayNeed::kNone;
  if (same_reader_session && *position == reached_position) return ReplayNeed::kNone;
  return ReplayNeed::kWait;
}

}  // namespace awrap::internal::read_consistency
