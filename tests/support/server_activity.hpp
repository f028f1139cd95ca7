// What a lab server says its sessions are doing: tests that must strike (crash, kill, cancel)
// while a statement runs wait until the server shows it running, instead of sleeping and hoping.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace awrap::internal::testing {

// A query returning 1 while session `session` (pg_backend_pid() / CONNECTION_ID()) executes a
// statement whose text contains `fragment` (case-insensitive; plain letters only), else 0.
inline std::string statement_running_sql(bool postgres, std::int64_t session,
                                         std::string_view fragment) {
  const std::string id = std::to_string(session);
  const std::string like = "'%" + std::string(fragment) + "%'";
  if (postgres)
    return "SELECT count(*) FROM pg_stat_activity WHERE pid = " + id +
           " AND state = 'active' AND query ILIKE " + like;
  // A prepared statement runs as command 'Execute'; LIKE ignores case in the default collation.
  return "SELECT COUNT(*) FROM information_schema.processlist WHERE id = " + id +
         " AND command IN ('Query', 'Execute') AND info LIKE " + like;
}

// A query returning how many sessions with this id the server still has (0 once it let it go).
inline std::string session_count_sql(bool postgres, std::int64_t session) {
  const std::string id = std::to_string(session);
  if (postgres) return "SELECT count(*) FROM pg_stat_activity WHERE pid = " + id;
  return "SELECT COUNT(*) FROM information_schema.processlist WHERE id = " + id;
}

}  // namespace awrap::internal::testing
