// What a call lost to a failed connection may have done: the choice between
// FailoverSuccessError ("not applied, run it again") and TransactionResolutionUnknownError ("may
// have committed"). A pure function of what was in flight, so the whole rule is one table
// (tests/data/failover/lost_call_outcomes.json).
#pragma once

#include <string_view>

#include "awrap/ext/plugin.hpp"
#include "awrap/ext/target_driver.hpp"
#include "plugin/failover/statement_kind.hpp"

namespace awrap::internal {

enum class LostCallOutcome {
  kNotApplied,        // nothing the call or its session did can have committed
  kMayHaveCommitted,  // a transaction, a COMMIT or a write was in flight
};

struct LostCall {
  Method method;
  std::string_view sql;  // the statement, for kExecute / kExecutePrepared
  SqlEngine engine;
  // The session's transaction status before the call; kUnknown when the connection had already
  // been closed under us (then `last_known_status` holds).
  TransactionStatus status;
  TransactionStatus last_known_status;
};

// Open or failed transaction -> may have committed (the application cannot tell which of its
// statements survive), except a ROLLBACK in flight, which cannot commit anything. A COMMIT in
// flight, or a statement not proven read-only (is_read_only_sql) even in autocommit mode (its
// implicit transaction commits before the reply that never came) -> may have committed.
// Everything else -> not applied.
LostCallOutcome outcome_of_lost_call(const LostCall& call);

const char* to_string(LostCallOutcome outcome) noexcept;

}  // namespace awrap::internal
