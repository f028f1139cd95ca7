// Whether a statement can change data, for deciding what a failover may have lost.
//
//   is_read_only_sql("SELECT count(*) FROM t", SqlEngine::kPostgres);   // true
//   is_read_only_sql("SELECT 1; INSERT INTO t VALUES (1)", ...);         // false: two statements
//   is_read_only_sql("SELECT my_function()", ...);                       // false: unknown function
//
// The answer decides between FailoverSuccessError ("not applied, run it again") and
// TransactionResolutionUnknownError ("may have committed"), so it errs one way only: a statement
// is read-only when the scanner proves it, and a write otherwise.
#pragma once

#include <string_view>

#include "base/sql_tokens.hpp"  // SqlEngine

namespace awrap::internal {

// True only for one statement (an optional trailing ';') that starts with SELECT, SHOW, VALUES,
// TABLE, EXPLAIN (without ANALYZE/ANALYSE), DESCRIBE/DESC, SET, BEGIN, START TRANSACTION,
// ROLLBACK, DECLARE or FETCH, with no INTO, and whose every function call names a built-in
// function known to change no data (count, coalesce, now, pg_sleep, …; the list is in the .cpp).
// Also true for text holding no statement at all (only blanks and comments).
// Everything else is a write: INSERT/UPDATE/DELETE/DDL/CALL/COMMIT, WITH (it may hold DML),
// several statements, a call of any other function (it may write), SELECT … INTO, MySQL
// executable comments (/*! … */), string literals holding a backslash (their end depends on
// server settings), and text the scanner cannot follow (an unterminated quote or comment).
// Not detected: a SELECT from a view whose definition calls a function that writes.
bool is_read_only_sql(std::string_view sql, SqlEngine engine = SqlEngine::kPostgres);

}  // namespace awrap::internal
