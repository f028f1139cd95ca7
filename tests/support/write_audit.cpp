#include "write_audit.hpp"

#include <sstream>
#include <utility>

namespace awrap::internal::testing {

const char* to_string(WriteOutcome outcome) noexcept {
  switch (outcome) {
    case WriteOutcome::kAcknowledged:
      return "acknowledged";
    case WriteOutcome::kNotApplied:
      return "not_applied";
    case WriteOutcome::kUnknown:
      return "unknown";
    case WriteOutcome::kRolledBack:
      return "rolled_back";
  }
  return "unknown";
}

std::string AuditResult::describe(std::size_t max_findings) const {
  std::ostringstream text;
  text << acknowledged << " acknowledged, " << not_applied << " reported not applied, " << unknown
       << " unknown (" << unknown_present << " of them committed), " << transactions
       << " transactions; " << findings.size() << " findings";
  for (std::size_t i = 0; i < findings.size() && i < max_findings; ++i) {
    text << "\n  " << findings[i].kind << " id=" << findings[i].id << " (" << findings[i].context
         << ")";
  }
  if (findings.size() > max_findings) text << "\n  ...";
  return text.str();
}

void WriteLedger::record(std::int64_t id, WriteOutcome outcome, std::string context) {
  std::lock_guard lock(mutex_);
  writes_[id] = Entry{outcome, std::move(context)};
}

void WriteLedger::record_transaction(std::int64_t transaction, std::vector<std::int64_t> ids,
                                     WriteOutcome outcome, std::string context) {
  std::lock_guard lock(mutex_);
  for (std::int64_t id : ids) writes_[id] = Entry{outcome, context, transaction};
  transactions_[transaction] = TransactionEntry{std::move(ids), outcome, std::move(context)};
}

AuditResult WriteLedger::audit(const std::set<std::int64_t>& present) const {
  std::lock_guard lock(mutex_);
  AuditResult result;
  result.transactions = transactions_.size();
  for (const auto& [id, entry] : writes_) {
    const bool is_present = present.count(id) != 0;
    switch (entry.outcome) {
      case WriteOutcome::kAcknowledged:
        ++result.acknowledged;
        if (!is_present) result.findings.push_back({"lost", id, entry.context});
        break;
      case WriteOutcome::kNotApplied:
        ++result.not_applied;
        if (is_present) {
          result.findings.push_back({"applied_but_reported_not_applied", id, entry.context});
        }
        break;
      case WriteOutcome::kRolledBack:
        if (is_present) result.findings.push_back({"rolled_back_but_present", id, entry.context});
        break;
      case WriteOutcome::kUnknown:
        ++result.unknown;
        result.unknown_present += is_present;
        break;
    }
  }
  for (std::int64_t id : present) {
    if (writes_.count(id) == 0) result.findings.push_back({"phantom", id, "never written"});
  }
  for (const auto& [transaction, entry] : transactions_) {
    std::size_t found = 0;
    for (std::int64_t id : entry.ids) found += present.count(id);
    if (found != 0 && found != entry.ids.size()) {
      result.findings.push_back({"half_applied", transaction,
                                 entry.context + ": " + std::to_string(found) + " of " +
                                     std::to_string(entry.ids.size()) + " rows"});
    }
  }
  return result;
}

}  // namespace awrap::internal::testing
