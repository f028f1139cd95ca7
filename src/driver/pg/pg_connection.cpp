#include "driver/pg/pg_connection.hpp"

#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <system_error>
#include <vector>

#include "awrap/errors.hpp"
#include "base/logging.hpp"
#include "driver/pg/pg_connect.hpp"
#include "driver/pg/pg_error.hpp"
#include "driver/pg/pg_socket_wait.hpp"

namespace awrap::internal::pg {
namespace {

// SQLSTATE given to losses libpq detects itself (it has none): connection_failure.
constexpr const char* kConnectionFailureState = "08006";
// SQLSTATE of a COMMIT the server turned into a ROLLBACK (as pgjdbc reports it).
constexpr const char* kInFailedTransactionState = "25P02";
constexpr const char* kFeatureNotSupportedState = "0A000";

// Text-format parameter values for PQsendQueryParams: the Params' own strings, NULL as nullptr.
std::vector<const char*> parameter_values(std::span<const Param> params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const Param& param : params) {
    // A bool's text is already "true"/"false", which PostgreSQL's boolean input accepts.
    values.push_back(param.is_null() ? nullptr : param.text().c_str());
  }
  return values;
}

// A prepared statement name as an SQL identifier: exact spelling, any characters.
std::string quote_identifier(std::string_view name) {
  std::string quoted = "\"";
  for (char c : name) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

const char* isolation_sql(IsolationLevel level) noexcept {
  switch (level) {
    case IsolationLevel::kDefault:
      // SET SESSION CHARACTERISTICS … ISOLATION LEVEL is default_transaction_isolation; RESET
      // returns it to the server's (database's, role's) configured default.
      return "RESET default_transaction_isolation";
    case IsolationLevel::kReadUncommitted:
      return "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ UNCOMMITTED";
    case IsolationLevel::kReadCommitted:
      return "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED";
    case IsolationLevel::kRepeatableRead:
      return "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL REPEATABLE READ";
    case IsolationLevel::kSerializable:
      return "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE";
  }
  return "RESET default_transaction_isolation";
}

// The settings PostgreSQL reports (GUC_REPORT) that a session may change and a new session can be
// given with set_config(). Left out: client_encoding (libpq's own), the read-only defaults the
// API sets, and what only a superuser may set (session_authorization, is_superuser).
constexpr std::array<const char*, 5> kReportedSettings = {
    "TimeZone", "DateStyle", "IntervalStyle", "application_name", "standard_conforming_strings"};

}  // namespace

PgConnection::PgConnection(PgConnHandle conn, const ConnectSpec& spec)
    : conn_(std::move(conn)),
      host_(spec.host),
      endpoint_(pg_endpoint(spec.host)),
      socket_timeout_(spec.socket_timeout),
      backend_pid_(PQbackendPID(conn_.get())),
      socket_(PQsocket(conn_.get())),
      cancel_(PQgetCancel(conn_.get()), PgCancelDeleter{}) {
  for (const char* name : kReportedSettings) reported_.values.emplace_back(name, std::string());
  reported_settings();
}

const TargetConnection::ReportedSettings* PgConnection::reported_settings() {
  if (!conn_) return &reported_;
  for (auto& [name, value] : reported_.values) {
    const char* now = PQparameterStatus(conn_.get(), name.c_str());
    if (now != nullptr && value != now) {
      value = now;
      ++reported_.version;
    }
  }
  return &reported_;
}

PgConnection::~PgConnection() {
  close();
}

// ---- statements ----

std::shared_ptr<const ResultData> PgConnection::execute(std::string_view sql,
                                                        std::span<const Param> params) {
  const std::string text(sql);
  if (params.empty()) {
    return run([&](PGconn* conn) { return PQsendQuery(conn, text.c_str()); }, true);
  }
  const std::vector<const char*> values = parameter_values(params);
  return run(
      [&](PGconn* conn) {
        return PQsendQueryParams(conn, text.c_str(), static_cast<int>(values.size()),
                                 /*paramTypes=*/nullptr, values.data(), /*paramLengths=*/nullptr,
                                 /*paramFormats=*/nullptr, /*resultFormat=*/0);
      },
      true);
}

void PgConnection::prepare(std::string_view name, std::string_view sql) {
  const std::string statement_name(name);
  const std::string text(sql);
  run(
      [&](PGconn* conn) {
        return PQsendPrepare(conn, statement_name.c_str(), text.c_str(), 0, nullptr);
      },
      false);
}

std::shared_ptr<const ResultData> PgConnection::execute_prepared(std::string_view name,
                                                                 std::span<const Param> params) {
  const std::string statement_name(name);
  const std::vector<const char*> values = parameter_values(params);
  return run(
      [&](PGconn* conn) {
        return PQsendQueryPrepared(conn, statement_name.c_str(), static_cast<int>(values.size()),
                                   values.data(), /*paramLengths=*/nullptr,
                                   /*paramFormats=*/nullptr, /*resultFormat=*/0);
      },
      true);
}

void PgConnection::deallocate(std::string_view name) {
  run_simple("DEALLOCATE " + quote_identifier(name));
}

// ---- transactions and session characteristics ----

void PgConnection::begin() {
  run_simple("BEGIN");
}

void PgConnection::commit() {
  std::shared_ptr<const PgResult> result = run_simple("COMMIT");
  if (result->command_tag() == "ROLLBACK") {
    throw QueryError(
        "COMMIT did not commit: the transaction had failed earlier and was rolled back",
        kInFailedTransactionState, 0, endpoint_);
  }
}

void PgConnection::rollback() {
  run_simple("ROLLBACK");
}

void PgConnection::set_autocommit(bool on) {
  const bool was_on = autocommit_;
  autocommit_ = on;
  if (on && !was_on && conn_ && !is_broken()) {
    const PGTransactionStatusType status = PQtransactionStatus(conn_.get());
    if (status == PQTRANS_INTRANS || status == PQTRANS_INERROR) commit();
  }
}

void PgConnection::set_read_only(bool on) {
  run_simple(on ? "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY"
                : "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE");
}

void PgConnection::set_isolation_level(IsolationLevel level) {
  run_simple(isolation_sql(level));
}

TransactionStatus PgConnection::transaction_status() const noexcept {
  if (is_broken()) return TransactionStatus::kUnknown;
  switch (PQtransactionStatus(conn_.get())) {
    case PQTRANS_IDLE:
      return TransactionStatus::kIdle;
    case PQTRANS_INTRANS:
      return TransactionStatus::kInTransaction;
    case PQTRANS_INERROR:
      return TransactionStatus::kInFailedTransaction;
    case PQTRANS_ACTIVE:  // a command is in flight: its outcome decides
    case PQTRANS_UNKNOWN:
      return TransactionStatus::kUnknown;
  }
  return TransactionStatus::kUnknown;
}

bool PgConnection::is_broken() const noexcept {
  return !conn_ || broken_.load() || aborted_.load() || PQstatus(conn_.get()) == CONNECTION_BAD;
}

// ---- cross-thread control ----

void PgConnection::cancel() {
  std::shared_ptr<PGcancel> handle;
  {
    std::lock_guard lock(cancel_mutex_);
    handle = cancel_;
  }
  if (!handle) return;  // closed: nothing runs that could be cancelled
  char error[256] = {};
  if (PQcancel(handle.get(), error, sizeof error) == 0) {
    throw ConnectError(
        "could not deliver the cancel request to " + endpoint_ + ": " + tidy_pg_message(error), {},
        0, endpoint_);
  }
}

void PgConnection::abort() noexcept {
  aborted_ = true;
  shut_down_socket();
}

void PgConnection::shut_down_socket() noexcept {
  broken_ = true;
  // In a fork() child the socket is the parent's too: shutdown() would end its session.
  if (conn_.get_deleter().inherited()) return;
  std::lock_guard lock(socket_mutex_);
  if (socket_ >= 0) ::shutdown(socket_, SHUT_RDWR);
}

void PgConnection::close() noexcept {
  {
    // From here on abort() leaves the descriptor alone: PQfinish closes it and the number may be
    // reused by an unrelated socket at once.
    std::lock_guard lock(socket_mutex_);
    socket_ = -1;
  }
  {
    std::lock_guard lock(cancel_mutex_);
    cancel_.reset();
  }
  broken_ = true;
  try {
    reported_settings();  // the last values stay readable (a failover reads them after close)
  } catch (...) {         // std::bad_alloc: the values read before stay
  }
  // PQfinish sends Terminate without blocking (the connection is in non-blocking mode), so a dead
  // server cannot hang close(); on a socket inherited through fork() the handle's deleter makes
  // sure it sends nothing.
  conn_.reset();
}

// ---- the request/response machinery ----

std::shared_ptr<const PgResult> PgConnection::run_simple(const std::string& sql) {
  return run([&](PGconn* conn) { return PQsendQuery(conn, sql.c_str()); }, false);
}

template <typename SendRequest>
std::shared_ptr<const PgResult> PgConnection::run(const SendRequest& send, bool opens_transaction) {
  ensure_usable();
  if (opens_transaction && !autocommit_ && PQtransactionStatus(conn_.get()) == PQTRANS_IDLE) {
    run_simple("BEGIN");  // JDBC semantics: the first statement outside a transaction opens one
  }
  if (send(conn_.get()) == 0) {
    const std::string message = tidy_pg_message(PQerrorMessage(conn_.get()));
    const bool bad = PQstatus(conn_.get()) == CONNECTION_BAD;
    const PgErrorClass error_class = classify_pg_error({}, bad, message);
    if (error_class == PgErrorClass::kConnectionLost) fail_connection_lost(message);
    throw_pg_statement_error(error_class, message, {}, endpoint_);
  }
  flush_output();
  return std::make_shared<const PgResult>(collect_results());
}

void PgConnection::ensure_usable() const {
  if (!conn_) {
    throw ConnectionLostError("the connection to " + endpoint_ + " is closed",
                              kConnectionFailureState, 0, endpoint_);
  }
  if (aborted_) {
    throw ConnectionLostError("the connection to " + endpoint_ + " was aborted",
                              kConnectionFailureState, 0, endpoint_);
  }
  if (broken_ || PQstatus(conn_.get()) == CONNECTION_BAD) {
    throw ConnectionLostError("the connection to " + endpoint_ + " was lost earlier",
                              kConnectionFailureState, 0, endpoint_);
  }
}

void PgConnection::flush_output() {
  for (;;) {
    const int pending = PQflush(conn_.get());
    if (pending == 0) return;
    if (pending < 0) fail_connection_lost(tidy_pg_message(PQerrorMessage(conn_.get())));
    // libpq's documented loop: wait for either; input must be consumed while output is stuck, or
    // a server blocked on sending to us would never read the rest of our request.
    const SocketWaitResult waited =
        wait_for_socket(PQsocket(conn_.get()), true, true, deadline_after(socket_timeout_));
    if (waited == SocketWaitResult::kTimedOut) {
      shut_down_socket();
      throw ConnectionLostError("timed out sending to " + endpoint_ + " (socket_timeout " +
                                    std::to_string(socket_timeout_.count()) +
                                    " ms); the connection was closed",
                                kConnectionFailureState, 0, endpoint_);
    }
    if (waited == SocketWaitResult::kFailed || PQconsumeInput(conn_.get()) == 0) {
      fail_connection_lost(tidy_pg_message(PQerrorMessage(conn_.get())));
    }
  }
}

void PgConnection::wait_until_readable() {
  const SocketWaitResult waited =
      wait_for_socket(PQsocket(conn_.get()), true, false, deadline_after(socket_timeout_));
  const int wait_error = errno;
  if (waited == SocketWaitResult::kTimedOut) {
    // The protocol state is unknown now (the answer may still arrive): the connection cannot be
    // reused, and shutting it down makes the server notice too.
    shut_down_socket();
    throw ConnectionLostError("timed out waiting for " + endpoint_ + " to answer (socket_timeout " +
                                  std::to_string(socket_timeout_.count()) +
                                  " ms); the connection was closed",
                              kConnectionFailureState, 0, endpoint_);
  }
  if (waited == SocketWaitResult::kFailed) {
    fail_connection_lost("poll() on the socket failed: " +
                         std::system_category().message(wait_error));
  }
}

PgResultHandle PgConnection::collect_results() {
  PgResultHandle last;
  PgResultHandle first_error;
  const char* unsupported = nullptr;
  for (;;) {
    while (PQisBusy(conn_.get())) {
      wait_until_readable();
      if (PQconsumeInput(conn_.get()) == 0) {
        if (PQstatus(conn_.get()) != CONNECTION_BAD) {
          fail_connection_lost(tidy_pg_message(PQerrorMessage(conn_.get())));
        }
        // libpq dropped the connection: PQgetResult now hands over what was parsed (often the
        // server's FATAL with its SQLSTATE, e.g. 57P01) and then an error result.
        break;
      }
    }
    PgResultHandle result(PQgetResult(conn_.get()));
    if (!result) break;
    switch (PQresultStatus(result.get())) {
      case PGRES_FATAL_ERROR:
      case PGRES_NONFATAL_ERROR:
      case PGRES_BAD_RESPONSE:
        if (!first_error) first_error = std::move(result);
        break;
      case PGRES_COPY_IN:
        unsupported = "COPY FROM STDIN is not supported by awrap";
        PQputCopyEnd(conn_.get(), unsupported);  // the server fails the COPY and moves on
        flush_output();
        break;
      case PGRES_COPY_OUT:
        unsupported = "COPY TO STDOUT is not supported by awrap";
        drain_copy_out();
        break;
      case PGRES_COPY_BOTH:
        // Only replication connections enter COPY BOTH; there is no way back to a usable state.
        shut_down_socket();
        throw QueryError("COPY BOTH (replication) is not supported by awrap; connection closed",
                         kFeatureNotSupportedState, 0, endpoint_);
      default:
        last = std::move(result);
        break;
    }
  }
  if (aborted_) fail_connection_lost("aborted");
  if (unsupported != nullptr && PQstatus(conn_.get()) != CONNECTION_BAD) {
    throw QueryError(unsupported, kFeatureNotSupportedState, 0, endpoint_);
  }
  if (first_error) fail_from_result(first_error.get());
  if (!last) {
    // No result and no error only happens when libpq lost the connection mid-answer; reporting
    // success here could pass off a COMMIT that never completed.
    fail_connection_lost(tidy_pg_message(PQerrorMessage(conn_.get())));
  }
  return last;
}

void PgConnection::drain_copy_out() {
  for (;;) {
    char* row = nullptr;
    const int length = PQgetCopyData(conn_.get(), &row, /*async=*/1);
    if (row != nullptr) PQfreemem(row);
    if (length > 0) continue;
    if (length == -1) return;  // COPY done; the final result follows from PQgetResult
    if (length == -2) fail_connection_lost(tidy_pg_message(PQerrorMessage(conn_.get())));
    wait_until_readable();
    if (PQconsumeInput(conn_.get()) == 0) {
      fail_connection_lost(tidy_pg_message(PQerrorMessage(conn_.get())));
    }
  }
}

void PgConnection::fail_connection_lost(const std::string& what) {
  broken_ = true;
  if (aborted_) {
    throw ConnectionLostError("the connection to " + endpoint_ + " was aborted",
                              kConnectionFailureState, 0, endpoint_);
  }
  throw ConnectionLostError(
      "lost the connection to " + endpoint_ + (what.empty() ? std::string() : ": " + what),
      kConnectionFailureState, 0, endpoint_);
}

void PgConnection::fail_from_result(const PGresult* result) {
  const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  std::string sqlstate = state != nullptr ? state : "";
  const std::string message = tidy_pg_message(PQresultErrorMessage(result));
  const bool bad = PQstatus(conn_.get()) == CONNECTION_BAD;
  const char* severity = PQresultErrorField(result, PG_DIAG_SEVERITY_NONLOCALIZED);
  const PgErrorClass error_class =
      classify_pg_statement_error(sqlstate, severity != nullptr ? severity : "", bad, message);
  if (error_class == PgErrorClass::kConnectionLost) {
    broken_ = true;
    if (aborted_) fail_connection_lost("aborted");
    if (sqlstate.empty()) sqlstate = kConnectionFailureState;
    throw ConnectionLostError("lost the connection to " + endpoint_ + ": " + message,
                              std::move(sqlstate), 0, endpoint_);
  }
  throw_pg_statement_error(error_class, message, std::move(sqlstate), endpoint_);
}

}  // namespace awrap::internal::pg
