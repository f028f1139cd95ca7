// The write audit of the failover and chaos tests: what awrap told the application about each
// write, checked against what the database holds afterwards.
//
//   WriteLedger ledger;
//   ledger.record(id, WriteOutcome::kAcknowledged);          // INSERT returned
//   ledger.record(id, WriteOutcome::kNotApplied, "crash#3");  // FailoverSuccessError
//   ledger.record_transaction(txn, {id1, id2}, WriteOutcome::kUnknown);
//   AuditResult audit = ledger.audit(ids_present_in_the_table);
//   EXPECT_TRUE(audit.ok()) << audit.describe();
//
// The promises checked (docs/errors.md): an acknowledged write is present; a write reported not
// applied (FailoverSuccessError) is absent; a write of unknown outcome (TransactionResolution-
// UnknownError, FailoverFailedError) may be either; a row nobody wrote is a phantom; a
// transaction's rows are all present or all absent, whatever was reported. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace awrap::internal::testing {

enum class WriteOutcome {
  kAcknowledged,  // the call (or the COMMIT) returned: committed
  kNotApplied,    // FailoverSuccessError: awrap promised it was not applied
  kUnknown,       // TransactionResolutionUnknownError, FailoverFailedError, ...: may be either
  kRolledBack,    // the application rolled the transaction back itself: absent
};
const char* to_string(WriteOutcome outcome) noexcept;

struct AuditFinding {
  std::string kind;     // "lost", "applied_but_reported_not_applied", "phantom", "half_applied",
                        // "rolled_back_but_present"
  std::int64_t id = 0;  // the row id (for a transaction: its id)
  std::string context;  // what the recorder said when it recorded (e.g. the fault in progress)
};

struct AuditResult {
  std::size_t acknowledged = 0;
  std::size_t not_applied = 0;
  std::size_t unknown = 0;
  std::size_t unknown_present = 0;  // of the unknown ones, how many had committed
  std::size_t transactions = 0;
  std::vector<AuditFinding> findings;

  bool ok() const noexcept { return findings.empty(); }
  std::string describe(std::size_t max_findings = 20) const;
};

class WriteLedger {
 public:
  // One autocommit write of row `id` (ids are unique across the whole run).
  void record(std::int64_t id, WriteOutcome outcome, std::string context = {});
  // A transaction that wrote the rows `ids`; outcome is what its last call reported.
  void record_transaction(std::int64_t transaction, std::vector<std::int64_t> ids,
                          WriteOutcome outcome, std::string context = {});

  AuditResult audit(const std::set<std::int64_t>& present) const;

 private:
  struct Entry {
    WriteOutcome outcome;
    std::string context;
    std::int64_t transaction = -1;
  };
  struct TransactionEntry {
    std::vector<std::int64_t> ids;
    WriteOutcome outcome;
    std::string context;
  };
  mutable std::mutex mutex_;
  std::map<std::int64_t, Entry> writes_;
  std::map<std::int64_t, TransactionEntry> transactions_;
};

}  // namespace awrap::internal::testing
