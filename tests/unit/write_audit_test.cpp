// The chaos and failover audits rest on WriteLedger: each promise it checks, and each breach it
// must report.
#include "support/write_audit.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace awrap::internal::testing {
namespace {

TEST(WriteLedger, AcceptsEveryTrueOutcome) {
  WriteLedger ledger;
  ledger.record(1, WriteOutcome::kAcknowledged);
  ledger.record(2, WriteOutcome::kNotApplied);
  ledger.record(3, WriteOutcome::kUnknown);
  ledger.record(4, WriteOutcome::kUnknown);
  ledger.record_transaction(10, {10, 11, 12}, WriteOutcome::kAcknowledged);
  ledger.record_transaction(20, {20, 21}, WriteOutcome::kUnknown);
  ledger.record_transaction(30, {30, 31}, WriteOutcome::kRolledBack);
  const AuditResult audit = ledger.audit({1, 3, 10, 11, 12, 20, 21});
  EXPECT_TRUE(audit.ok()) << audit.describe();
  EXPECT_EQ(audit.acknowledged, 4u);  // 1 and the committed transaction's three rows
  EXPECT_EQ(audit.not_applied, 1u);
  EXPECT_EQ(audit.unknown, 4u);
  EXPECT_EQ(audit.unknown_present, 3u);
  EXPECT_EQ(audit.transactions, 3u);
}

TEST(WriteLedger, ReportsEachBrokenPromise) {
  WriteLedger ledger;
  ledger.record(1, WriteOutcome::kAcknowledged, "crash#1");
  ledger.record(2, WriteOutcome::kNotApplied, "stall#2");
  ledger.record_transaction(10, {10, 11, 12}, WriteOutcome::kUnknown, "hang#3");
  ledger.record_transaction(20, {20}, WriteOutcome::kRolledBack, "loss#4");
  const AuditResult audit = ledger.audit({2, 10, 11, 20, 99});
  ASSERT_EQ(audit.findings.size(), 5u) << audit.describe();
  std::multiset<std::string> kinds;
  for (const auto& finding : audit.findings) kinds.insert(finding.kind);
  EXPECT_EQ(kinds,
            (std::multiset<std::string>{"lost", "applied_but_reported_not_applied", "half_applied",
                                        "rolled_back_but_present", "phantom"}));
  EXPECT_NE(audit.describe().find("stall#2"), std::string::npos);
  EXPECT_NE(audit.describe().find("2 of 3 rows"), std::string::npos);
}

}  // namespace
}  // namespace awrap::internal::testing
