#include "chaos_workload.hpp"

#include <utility>

namespace awrap::internal::testing {

using namespace std::chrono_literals;

std::string error_class(const std::exception& error) {
  // Most derived first.
  if (dynamic_cast<const FailoverSuccessError*>(&error)) return "FailoverSuccessError";
  if (dynamic_cast<const TransactionResolutionUnknownError*>(&error)) {
    return "TransactionResolutionUnknownError";
  }
  if (dynamic_cast<const FailoverFailedError*>(&error)) return "FailoverFailedError";
  if (dynamic_cast<const AuthError*>(&error)) return "AuthError";
  if (dynamic_cast<const ConnectError*>(&error)) return "ConnectError";
  if (dynamic_cast<const QueryCancelledError*>(&error)) return "QueryCancelledError";
  if (dynamic_cast<const ReadOnlyViolationError*>(&error)) return "ReadOnlyViolationError";
  if (dynamic_cast<const QueryError*>(&error)) return "QueryError";
  if (dynamic_cast<const ConnectionLostError*>(&error)) return "ConnectionLostError";
  if (dynamic_cast<const ConnectionClosedError*>(&error)) return "ConnectionClosedError";
  if (dynamic_cast<const ConfigError*>(&error)) return "ConfigError";
  if (dynamic_cast<const Error*>(&error)) return "Error";
  return "std::exception";
}

std::string WorkloadContext::fault_label() {
  std::lock_guard lock(fault_mutex);
  return current_fault;
}

namespace {

bool is_failover_outcome(const std::string& outcome) {
  return outcome == "FailoverSuccessError" || outcome == "TransactionResolutionUnknownError" ||
         outcome == "FailoverFailedError";
}

WriteOutcome write_outcome_of(const std::string& outcome) {
  if (outcome == "ok") return WriteOutcome::kAcknowledged;
  if (outcome == "FailoverSuccessError") return WriteOutcome::kNotApplied;
  return WriteOutcome::kUnknown;
}

std::string isolation_name(IsolationLevel level, const std::string& engine) {
  const bool pg = engine == "pg";
  switch (level) {
    case IsolationLevel::kReadCommitted:
      return pg ? "read committed" : "READ-COMMITTED";
    case IsolationLevel::kRepeatableRead:
      return pg ? "repeatable read" : "REPEATABLE-READ";
    default:
      return "?";
  }
}

}  // namespace

WorkloadThread::WorkloadThread(WorkloadContext& context, int index, bool reader, std::uint64_t seed)
    : context_(context), index_(index), reader_(reader), random_(seed) {}

WorkloadThread::~WorkloadThread() {
  if (thread_.joinable()) thread_.join();
}

void WorkloadThread::start() {
  thread_ = std::thread([this] { run(); });
}

void WorkloadThread::join() {
  if (thread_.joinable()) thread_.join();
}

void WorkloadThread::run() {
  std::uniform_int_distribution<int> pause_ms(1, 4);
  while (!context_.stop) {
    if (!ensure_connection()) {
      std::this_thread::sleep_for(100ms);  // paces reconnect attempts while no host answers
      continue;
    }
    one_operation();
    std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(random_)));  // think time
  }
  connection_.reset();  // closes it: the run checks thread and session counts afterwards
}

bool WorkloadThread::ensure_connection() {
  if (connection_ && !connection_->is_closed()) return true;
  connection_.reset();
  prepared_.reset();
  expected_isolation_.reset();
  const auto& conninfo = reader_ ? context_.reader_conninfo : context_.writer_conninfo;
  const auto& properties = reader_ ? context_.reader_properties : context_.writer_properties;
  const std::string outcome =
      call("open", false, [&] { connection_.emplace(Connection::open(conninfo, properties)); });
  return outcome == "ok";
}

template <typename Fn>
std::string WorkloadThread::call(const char* operation, bool acknowledges_write, Fn&& fn) {
  CallRecord record;
  record.operation = operation;
  record.start_ns = chaos_now_ns();
  try {
    fn();
    record.outcome = "ok";
  } catch (const std::exception& error) {
    record.outcome = error_class(error);
    record.message = error.what();
  }
  record.end_ns = chaos_now_ns();
  record.write_acknowledged = acknowledges_write && record.outcome == "ok";
  if (record.write_acknowledged) context_.last_acknowledged_ns = record.end_ns;
  std::string outcome = record.outcome;
  const bool opening = std::string_view(operation) == "open";
  // Opening a connection while no writer is reachable may fail with ConnectError: that is the
  // documented outcome of open(), not of a failover.
  if (outcome != "ok" && !is_failover_outcome(outcome) &&
      !(opening && (outcome == "ConnectError" || outcome == "FailoverFailedError"))) {
    violations_.push_back(context_.fault_label() + ": " + operation + " raised " + outcome + ": " +
                          record.message);
  }
  calls_.push_back(std::move(record));
  if (outcome != "ok" && !opening) after_error(outcome);
  return outcome;
}

void WorkloadThread::after_error(const std::string& outcome) {
  // FailoverFailedError leaves no usable physical connection: start over with a new one, as an
  // application would. Any other unexpected error: the same, to keep the workload going.
  if (outcome != "FailoverSuccessError" && outcome != "TransactionResolutionUnknownError") {
    if (connection_) connection_->close();
    connection_.reset();
  }
}

std::string WorkloadThread::insert_sql() const {
  return context_.engine == "pg" ? "INSERT INTO chaos_rows(id, txn, worker) VALUES ($1, $2, $3)"
                                 : "INSERT INTO chaos_rows(id, txn, worker) VALUES (?, ?, ?)";
}

void WorkloadThread::one_operation() {
  if (reader_) {
    read();
    return;
  }
  const int dice = std::uniform_int_distribution<int>(0, 99)(random_);
  if (context_.disguised_writes && dice < 5) {
    disguised_write();
  } else if (dice < 35) {
    autocommit_insert(false);
  } else if (dice < 50) {
    autocommit_insert(true);
  } else if (dice < 70) {
    transaction();
  } else if (dice < 90) {
    read();
  } else {
    session_state();
  }
}

void WorkloadThread::autocommit_insert(bool prepared) {
  if (prepared && !prepared_) {
    if (call("prepare", false, [&] { prepared_.emplace(connection_->prepare(insert_sql())); }) !=
        "ok") {
      return;
    }
  }
  const std::int64_t id = context_.next_id++;
  const std::string context = context_.fault_label();
  const std::string outcome = call(prepared ? "prepared_insert" : "insert", true, [&] {
    if (prepared) {
      connection_->execute(*prepared_, {id, std::int64_t{-1}, index_});
    } else {
      connection_->execute(insert_sql(), {id, std::int64_t{-1}, index_});
    }
  });
  context_.ledger.record(id, write_outcome_of(outcome), context + " " + outcome);
}

void WorkloadThread::disguised_write() {
  const std::int64_t id = context_.next_id++;
  const std::string context = context_.fault_label();
  const bool multi_statement = context_.engine == "pg" && std::bernoulli_distribution(0.5)(random_);
  const std::string outcome = call("disguised_write", true, [&] {
    if (multi_statement) {
      connection_->execute("SELECT 1; INSERT INTO chaos_rows(id, txn, worker) VALUES (" +
                           std::to_string(id) + ", -3, " + std::to_string(index_) + ")");
    } else if (context_.engine == "pg") {
      connection_->execute("SELECT chaos_write($1, $2)", {id, index_});
    } else {
      connection_->execute("SELECT chaos_write(?, ?)", {id, index_});
    }
  });
  context_.ledger.record(id, write_outcome_of(outcome),
                         context + " " + outcome +
                             (multi_statement ? " (SELECT 1; INSERT)" : " (SELECT chaos_write)"));
}

void WorkloadThread::transaction() {
  if (call("begin", false, [&] { connection_->begin(); }) != "ok") return;
  const std::int64_t first = context_.next_id.fetch_add(3);
  std::vector<std::int64_t> ids{first, first + 1, first + 2};
  const std::string context = context_.fault_label();
  std::string outcome = "ok";
  for (std::int64_t id : ids) {
    outcome = call("txn_insert", false, [&] {
      connection_->execute(insert_sql(), {id, first, index_});
    });
    if (outcome != "ok") break;
  }
  const bool reached_commit = outcome == "ok";
  if (reached_commit) outcome = call("commit", true, [&] { connection_->commit(); });
  WriteOutcome fate = write_outcome_of(outcome);
  if (!reached_commit && outcome == "FailoverSuccessError") {
    // awrap documents FailoverSuccessError as "no transaction was open": inside one it is the
    // wrong class, whatever the data says.
    violations_.push_back(context + ": FailoverSuccessError inside an open transaction");
  }
  context_.ledger.record_transaction(
      first, ids, fate,
      context + " " + outcome + (reached_commit ? " at commit" : " before commit"));
  if (!reached_commit && connection_ && !connection_->is_closed()) {
    // Whatever happened, this transaction is over for the application.
    try {
      connection_->rollback();
    } catch (const std::exception&) {
    }
  }
}

void WorkloadThread::read() {
  const std::string sql = context_.engine == "pg"
                              ? "SELECT count(*) FROM chaos_rows WHERE worker = $1"
                              : "SELECT count(*) FROM chaos_rows WHERE worker = ?";
  call("read", false, [&] { connection_->execute(sql, {index_}).scalar<std::int64_t>(); });
}

void WorkloadThread::session_state() {
  const IsolationLevel level = std::bernoulli_distribution(0.5)(random_)
                                   ? IsolationLevel::kReadCommitted
                                   : IsolationLevel::kRepeatableRead;
  if (std::bernoulli_distribution(0.3)(random_) || !expected_isolation_) {
    const std::string outcome =
        call("set_isolation", false, [&] { connection_->set_isolation_level(level); });
    if (outcome == "ok") {
      expected_isolation_ = level;
    } else {
      expected_isolation_.reset();  // the application does not know what it has now
      return;
    }
  }
  const std::string sql =
      context_.engine == "pg" ? "SHOW transaction_isolation" : "SELECT @@tx_isolation";
  std::string seen;
  const std::string outcome =
      call("check_session", false, [&] { seen = connection_->execute(sql).scalar<std::string>(); });
  if (outcome == "ok" && expected_isolation_) {
    const std::string expected = isolation_name(*expected_isolation_, context_.engine);
    if (seen != expected) {
      violations_.push_back(context_.fault_label() + ": session state lost: isolation level set " +
                            expected + ", the server has " + seen);
      expected_isolation_.reset();
    }
  }
}

}  // namespace awrap::internal::testing
