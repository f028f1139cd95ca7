#include "plugin/failover/lost_call.hpp"

namespace awrap::internal {

LostCallOutcome outcome_of_lost_call(const LostCall& call) {
  TransactionStatus status =
      call.status == TransactionStatus::kUnknown ? call.last_known_status : call.status;
  bool in_doubt = status == TransactionStatus::kInTransaction ||
                  status == TransactionStatus::kInFailedTransaction;
  switch (call.method) {
    case Method::kCommit:
      in_doubt = true;
      break;
    case Method::kRollback:
      in_doubt = false;
      break;
    case Method::kExecute:
    case Method::kExecutePrepared:
      if (!is_read_only_sql(call.sql, call.engine)) in_doubt = true;
      break;
    default:
      break;
  }
  return in_doubt ? LostCallOutcome::kMayHaveCommitted : LostCallOutcome::kNotApplied;
}

const char* to_string(LostCallOutcome outcome) noexcept {
  switch (outcome) {
    case LostCallOutcome::kNotApplied:
      return "not_applied";
    case LostCallOutcome::kMayHaveCommitted:
      return "may_have_committed";
  }
  return "?";
}

}  // namespace awrap::internal
