// The chaos run's workload threads: each owns one awrap Connection and records every call it
// makes (time, kind, outcome) and every write's reported fate in the shared WriteLedger.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "awrap/awrap.hpp"
#include "support/write_audit.hpp"

namespace awrap::internal::testing {

using ChaosClock = std::chrono::steady_clock;

inline std::int64_t chaos_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(ChaosClock::now().time_since_epoch())
      .count();
}

struct CallRecord {
  std::int64_t start_ns = 0;
  std::int64_t end_ns = 0;
  const char* operation = "";       // "insert", "prepared_insert", "begin", "commit", "read", ...
  bool write_acknowledged = false;  // the call made a write durable (autocommit insert, commit)
  std::string outcome;              // "ok" or the error class
  std::string message;              // for errors: what() (no secrets: awrap masks them)
};

// What every workload thread shares: where to connect, the ids, the ledger, the stop flag.
struct WorkloadContext {
  std::string engine;             // "pg" or "mariadb": placeholders and SQL follow from it
  bool disguised_writes = false;  // see ChaosOptions::disguised_writes
  std::string writer_conninfo;
  std::string reader_conninfo;
  PropertyMap writer_properties;
  PropertyMap reader_properties;
  WriteLedger ledger;
  std::atomic<std::int64_t> next_id{1};
  std::atomic<bool> stop{false};
  std::atomic<std::int64_t> last_acknowledged_ns{0};
  // The fault in progress, for the ledger's context ("crash#3"); written by the runner.
  std::mutex fault_mutex;
  std::string current_fault = "none";
  std::string fault_label();
};

// One thread of the workload. Writers mix writes, transactions, reads and session state;
// a reader thread only reads through the reader endpoint.
class WorkloadThread {
 public:
  WorkloadThread(WorkloadContext& context, int index, bool reader, std::uint64_t seed);
  WorkloadThread(const WorkloadThread&) = delete;
  WorkloadThread& operator=(const WorkloadThread&) = delete;
  ~WorkloadThread();

  void start();
  void join();
  // Valid after join().
  const std::vector<CallRecord>& calls() const noexcept { return calls_; }
  const std::vector<std::string>& violations() const noexcept { return violations_; }

 private:
  void run();
  bool ensure_connection();
  void one_operation();
  void autocommit_insert(bool prepared);
  void disguised_write();
  void transaction();
  void read();
  void session_state();
  // Runs fn as one recorded call; returns the error class ("ok" when none).
  template <typename Fn>
  std::string call(const char* operation, bool acknowledges_write, Fn&& fn);
  void after_error(const std::string& outcome);
  std::string insert_sql() const;

  WorkloadContext& context_;
  int index_;
  bool reader_;
  std::mt19937_64 random_;
  std::optional<Connection> connection_;
  std::optional<PreparedStatement> prepared_;
  std::optional<IsolationLevel> expected_isolation_;  // what the application last set
  std::vector<CallRecord> calls_;
  std::vector<std::string> violations_;
  std::thread thread_;
};

// The error class of an exception, most derived first ("FailoverSuccessError", ...).
std::string error_class(const std::exception& error);

}  // namespace awrap::internal::testing
