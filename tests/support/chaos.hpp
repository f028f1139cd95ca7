// The chaos run: a seeded, randomized sequence of faults injected into a real lab cluster while
// a mixed workload runs through awrap, then an audit of everything awrap reported.
//
//   ChaosOptions options{.engine = "pg", .faults = 8, .seed = 42};
//   ChaosReport report = run_chaos(options);
//   EXPECT_TRUE(report.ok()) << report.table() << report.describe_violations();
//
// Faults are drawn in rounds: each round runs every kind once, in an order shuffled with the
// seed. Workload (one Connection per thread, through the cluster endpoint; one more thread reads
// through the reader endpoint): autocommit INSERTs, INSERTs through a prepared statement,
// transactions of three INSERTs, reads, and session state (isolation level set through the API,
// checked through SQL). Faults, one at a time, healed before the next: writer crash, clean stop,
// hang, black hole and stall with an automatic failover after a random delay (then the old writer
// rejoins), a writer stall longer than failover_timeout_sec with no failover (stall_long),
// switchover, latency and packet loss on the writer, and crash / hang / black hole / stall of a
// reader.
//
// Checked afterwards (each breach is a violation naming seed, fault and call):
// - the write audit (write_audit.hpp): acknowledged writes present, writes reported not applied
//   absent, transactions all-or-nothing, no phantoms;
// - every error a call raised is FailoverSuccessError, TransactionResolutionUnknownError or
//   FailoverFailedError (anything else is a wrong outcome);
// - no call took longer than its bound: failover_timeout_sec + the failure-detection bound +
//   connect_timeout + slack;
// - the isolation level the application set is the one the server has after a failover;
// - the process's thread count and the servers' awrap sessions return to their baselines;
// - writes resume after every fault.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/write_audit.hpp"

namespace awrap::internal::testing {

// Every fault kind the chaos run knows, in a fixed order.
const std::vector<std::string>& all_chaos_kinds();

struct ChaosOptions {
  std::string engine = "pg";  // "pg" (aurora flavour) or "mariadb" (multi-az flavour)
  std::string cluster_name;   // default chaos-pg / chaos-maria
  std::string base;           // default 127.0.0.171 (pg) / 127.0.0.181 (mariadb)
  int faults = 8;
  std::uint64_t seed = 1;
  std::vector<std::string> kinds;  // empty: all_chaos_kinds()
  int writers = 3;
  int failover_timeout_sec = 10;
  // Adds writes that look like reads to a statement classifier: `SELECT chaos_write(...)` (a
  // function that INSERTs) and, on PostgreSQL, `SELECT 1; INSERT ...`. If awrap reports one of
  // them as not applied (FailoverSuccessError) while it committed, the audit says so.
  bool disguised_writes = false;
  bool verbose = true;  // one line per fault on stdout
};

struct FaultRecord {
  int index = 0;
  std::string kind;
  std::string node;
  std::string detail;                   // e.g. "delay 80+-20 ms", "failover after 900 ms"
  std::map<std::string, int> outcomes;  // per class, of calls that ended in its window
  double max_call_ms = 0;               // longest call that ended in its window
  // Injection -> end of the first acknowledged write that started once the fault was in effect.
  std::optional<double> first_good_write_ms;
  std::int64_t injected_ns = 0;   // steady_clock: the lab's fault_injected event
  std::int64_t effective_ns = 0;  // the fault is surely in effect (the lab command returned)
  std::int64_t window_end_ns = 0;
};

struct ChaosReport {
  ChaosOptions options;
  std::vector<FaultRecord> faults;
  AuditResult audit;
  std::vector<std::string> violations;
  std::map<std::string, int> outcomes;  // over the whole run
  std::size_t calls = 0;
  double call_bound_ms = 0;
  double max_call_ms = 0;
  int threads_before = 0;
  int threads_after = 0;
  double duration_s = 0;

  bool ok() const noexcept { return violations.empty() && audit.ok(); }
  std::string table() const;  // one row per fault kind
  std::string describe_violations(std::size_t max = 40) const;
  nlohmann::json to_json() const;
};

// Brings the cluster up, runs, audits, takes the cluster down. Throws LabError when the lab
// itself fails.
ChaosReport run_chaos(const ChaosOptions& options);

}  // namespace awrap::internal::testing
