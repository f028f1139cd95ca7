// Read-your-writes for read_write_splitting (read_consistency=session): the decisions, kept
// free of I/O and clocks so unit tests drive them with made-up times.
//
// A switch to a reader first waits until the reader has replayed the session's last write:
//   PostgreSQL: the writer's pg_current_wal_insert_lsn() (asked once after the session ran a
//     statement on the writer), polled on the reader against pg_last_wal_replay_lsn();
//   MariaDB: the session's last GTID, reported by the writer with each commit (session tracking
//     of last_gtid: no extra round trip), awaited on the reader with MASTER_GTID_WAIT.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace awrap::internal::read_consistency {

// How long to sleep before the next poll of a PostgreSQL reader's replay position, after
// `polls_done` polls and `waited` since the wait began: 1, 2, 4, 8 then 16 ms, never past
// `timeout`. Empty once `timeout` has passed: the reader is too far behind.
std::optional<std::chrono::milliseconds> next_replay_poll(std::chrono::milliseconds waited,
                                                          int polls_done,
                                                          std::chrono::milliseconds timeout);

// True for a replication position as servers print them (a PostgreSQL LSN "16/B374D848", a
// MariaDB GTID list "0-1-42,1-2-7"): only hex digits, '/', '-', ':' and ',', at most 4096
// characters. Only such text is put into the wait statements.
bool is_replication_position(std::string_view position);

// The one-row, one-column statement whose answer is true once a PostgreSQL reader has replayed
// `lsn` (also true on a server not in recovery: a promoted reader has everything it had).
// REQUIRES: is_replication_position(lsn).
std::string pg_replayed_sql(std::string_view lsn);
// The MariaDB statement that waits on the server, at most `timeout`, until the reader has
// applied `gtid`; it answers 0 when it has, -1 at the timeout. REQUIRES:
// is_replication_position(gtid).
std::string mariadb_gtid_wait_sql(std::string_view gtid, std::chrono::milliseconds timeout);

// Whether a switch to a reader must wait: not when the session has no write to wait for
// (`position` empty), nor when this very reader session already reached this position.
// An unknown position (nullopt: the session wrote but the server cannot tell where) cannot be
// waited for: the caller keeps the reads on the writer.
enum class ReplayNeed { kNone, kWait, kUnknown };
ReplayNeed replay_need(const std::optional<std::string>& position,
                       std::string_view reached_position, bool same_reader_session);

}  // namespace awrap::internal::read_consistency
