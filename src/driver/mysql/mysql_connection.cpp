#include "driver/mysql/mysql_connection.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "awrap/errors.hpp"
#include "base/logging.hpp"
#include "base/name_resolution.hpp"
#include "base/process_fork.hpp"
#include "base/text.hpp"
#include "driver/mysql/mysql_binary_result.hpp"
#include "driver/mysql/mysql_native_options.hpp"
#include "driver/mysql/mysql_param_binding.hpp"
#include "driver/mysql/mysql_result.hpp"

namespace awrap::internal::mysql {
namespace {

constexpr int kDefaultPort = 3306;
// The coroutine stack Connector/C runs non-blocking calls on. Its default (60 KB) is tight for
// TLS handshakes under sanitizers.
constexpr std::size_t kNonblockingStackSize = 256 * 1024;
constexpr std::chrono::milliseconds kCancelSessionTimeout{10'000};
constexpr unsigned int kUnknownThreadId = 1094;  // ER_NO_SUCH_THREAD

struct FreeResult {
  void operator()(MYSQL_RES* result) const noexcept { mysql_free_result(result); }
};

void initialise_library_once() {
  // mysql_library_init is not thread-safe; mysql_init would call it lazily from any thread.
  static std::once_flag once;
  std::call_once(once, [] { mysql_library_init(0, nullptr, nullptr); });
}

MysqlErrorInfo error_of(MYSQL* handle) {
  return {mysql_errno(handle), mysql_sqlstate(handle), mysql_error(handle)};
}

std::string endpoint_of(const HostInfo& host) {
  HostInfo with_port = host;
  if (with_port.port == 0) with_port.port = kDefaultPort;
  return with_port.endpoint();
}

void set_option(MYSQL* handle, mysql_option option, const void* value, const char* what) {
  if (mysql_optionsv(handle, option, value) != 0)
    throw ConnectError(std::string("MariaDB Connector/C refused option ") + what);
}

// A handle with awrap's options and the caller's native options, not yet connected.
MysqlHandle prepared_handle(const ConnectSpec& spec, const std::string& endpoint,
                            NativeOptionChecks& checks) {
  MysqlHandle handle(mysql_init(nullptr));
  if (!handle) throw ConnectError("cannot connect to " + endpoint + ": out of memory");
  MYSQL* raw = handle.get();
  const std::size_t stack_size = kNonblockingStackSize;
  set_option(raw, MYSQL_OPT_NONBLOCK, &stack_size, "MYSQL_OPT_NONBLOCK");
  const my_bool reconnect = 0;
  set_option(raw, MYSQL_OPT_RECONNECT, &reconnect, "MYSQL_OPT_RECONNECT");
  // "localhost" would otherwise mean the Unix socket; awrap always talks TCP to a host.
  const unsigned int protocol = MYSQL_PROTOCOL_TCP;
  set_option(raw, MYSQL_OPT_PROTOCOL, &protocol, "MYSQL_OPT_PROTOCOL");
  set_option(raw, MYSQL_SET_CHARSET_NAME, "utf8mb4", "MYSQL_SET_CHARSET_NAME");
  // LOAD DATA LOCAL lets the server ask for any file of the client: never wanted here.
  const unsigned int local_infile = 0;  // read as unsigned int by Connector/C, not my_bool
  set_option(raw, MYSQL_OPT_LOCAL_INFILE, &local_infile, "MYSQL_OPT_LOCAL_INFILE");
  checks = apply_native_options(raw, spec.native_options);  // last: the caller's charset wins
  return handle;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Opening and closing

std::unique_ptr<MysqlConnection> MysqlConnection::open(const ConnectSpec& spec) {
  initialise_library_once();
  const std::string endpoint = endpoint_of(spec.host);
  NativeOptionChecks checks;
  Handle handle = prepared_handle(spec, endpoint, checks);

  const std::optional<std::chrono::steady_clock::time_point> deadline =
      spec.connect_timeout.count() > 0
          ? std::optional(std::chrono::steady_clock::now() + spec.connect_timeout)
          : std::nullopt;
  const WaitBudget budget = deadline ? WaitBudget::until(*deadline) : WaitBudget::unlimited();
  // Connector/C resolves a name itself, blocking, outside the deadline. awrap resolves it within
  // the deadline and tries each address in turn, as Connector/C would; only TLS that verifies the
  // server's name needs the name itself (after the bounded lookup, so from a resolver that has
  // just answered).
  std::vector<std::string> targets{spec.host.host};
  if (!text::is_ip_literal(spec.host.host)) {
    std::vector<std::string> addresses =
        spec.addresses.empty() ? resolve_host(spec.host.host, deadline, endpoint) : spec.addresses;
    if (!checks.verifies_server_name) targets = std::move(addresses);
  }
  for (std::size_t i = 0;; ++i) {
    if (i > 0) handle = prepared_handle(spec, endpoint, checks);
    try {
      return connect_handle(std::move(handle), targets[i], spec, endpoint, budget, checks);
    } catch (const AuthError&) {
      throw;  // the server answered: another address of it would answer the same
    } catch (const ConnectError& e) {
      if (i + 1 == targets.size() || (deadline && std::chrono::steady_clock::now() >= *deadline))
        throw;
      AWRAP_LOG(kDebug) << "mysql: " << endpoint << " at " << targets[i] << ": " << e.what()
                        << "; trying its next address";
    }
  }
}

std::unique_ptr<MysqlConnection> MysqlConnection::connect_handle(
    Handle handle, const std::string& host, const ConnectSpec& spec, const std::string& endpoint,
    const WaitBudget& budget, const NativeOptionChecks& checks) {
  MYSQL* raw = handle.get();
  const unsigned int port = spec.host.port == 0 ? kDefaultPort : spec.host.port;
  const char* database = spec.database.empty() ? nullptr : spec.database.c_str();
  MYSQL* connected = nullptr;
  const bool finished = run_nonblocking(
      raw, budget,
      [&] {
        return mysql_real_connect_start(&connected, raw, host.c_str(), spec.user.c_str(),
                                        spec.password.c_str(), database, port, nullptr,
                                        CLIENT_MULTI_RESULTS);
      },
      [&](int ready) { return mysql_real_connect_cont(&connected, raw, ready); });
  if (!finished)
    throw ConnectError("cannot connect to " + endpoint + ": no answer within connect_timeout of " +
                           std::to_string(spec.connect_timeout.count()) + " ms",
                       "08001", 0, endpoint);
  if (connected == nullptr)
    throw_mysql_error(MysqlPhase::kConnect, error_of(raw), "connect", endpoint);
  if (checks.tls_required && mysql_get_ssl_cipher(raw) == nullptr)
    throw ConnectError("cannot connect to " + endpoint +
                           ": TLS is required (ssl_mode) but the server did not agree to it",
                       "08001", 2026, endpoint);

  std::unique_ptr<MysqlConnection> connection(
      new MysqlConnection(spec, endpoint, std::move(handle)));
  AWRAP_LOG(kDebug) << "mysql: connected to " << endpoint << " as " << spec.user << ", thread id "
                    << connection->session_id_;
  return connection;
}

MysqlConnection::MysqlConnection(ConnectSpec spec, std::string endpoint, Handle handle)
    : spec_(std::move(spec)), endpoint_(std::move(endpoint)), handle_(std::move(handle)) {
  session_id_ = static_cast<std::int64_t>(mysql_thread_id(handle_.get()));
  const auto socket = mysql_get_socket(handle_.get());
  if (socket != MARIADB_INVALID_SOCKET)
    abort_socket_ = ::fcntl(static_cast<int>(socket), F_DUPFD_CLOEXEC, 0);
}

MysqlConnection::~MysqlConnection() {
  close();
}

void MysqlConnection::close() noexcept {
  if (!handle_) return;
  if (handle_.get_deleter().inherited()) {
    // A fork() child closes only its own descriptors: COM_STMT_CLOSE (below) or COM_QUIT on the
    // shared socket would reach the parent's session.
    detach_inherited_socket(static_cast<int>(mysql_get_socket(handle_.get())));
    const std::lock_guard lock(abort_socket_mutex_);
    if (abort_socket_ >= 0) ::close(abort_socket_);
    abort_socket_ = -1;
  }
  {
    const std::lock_guard lock(abort_socket_mutex_);
    // A broken session may still have a suspended stream: make sure nothing below can block.
    if (is_broken() && abort_socket_ >= 0) ::shutdown(abort_socket_, SHUT_RDWR);
  }
  statements_.clear();
  handle_.reset();  // mysql_close: COM_QUIT, then frees the handle
  {
    const std::lock_guard lock(abort_socket_mutex_);
    if (abort_socket_ >= 0) ::close(abort_socket_);
    abort_socket_ = -1;
  }
  broken_ = true;
  AWRAP_LOG(kDebug) << "mysql: closed connection to " << endpoint_;
}

void MysqlConnection::abort() noexcept {
  aborted_ = true;  // before the shutdown, so the woken owner thread sees it
  if (handle_.get_deleter().inherited()) return;  // the parent's session: leave it be
  const std::lock_guard lock(abort_socket_mutex_);
  if (abort_socket_ >= 0) ::shutdown(abort_socket_, SHUT_RDWR);
}

bool MysqlConnection::is_broken() const noexcept {
  return broken_ || aborted_;
}

void MysqlConnection::cancel() {
  ConnectSpec side = spec_;
  if (side.connect_timeout.count() <= 0) side.connect_timeout = kCancelSessionTimeout;
  if (side.socket_timeout.count() <= 0) side.socket_timeout = kCancelSessionTimeout;
  std::unique_ptr<MysqlConnection> helper;
  try {
    // The login of this connection may be long past: its IAM token expired, its password
    // rotated. The authentication plugins give fresh credentials (one retry when refused).
    if (background_credentials_) background_credentials_->apply(side);
    try {
      helper = open(side);
    } catch (const AuthError&) {
      if (!background_credentials_) throw;
      background_credentials_->refused(side);
      background_credentials_->apply(side);
      helper = open(side);
    }
  } catch (const Error& e) {
    throw ConnectError(std::string("cannot deliver cancel: ") + e.what(), e.sqlstate(),
                       e.native_code(), endpoint_);
  }
  const std::string kill = "KILL QUERY " + std::to_string(session_id_);
  try {
    helper->run_text(kill);
  } catch (const QueryError& e) {
    // The session has already ended: there is nothing left to cancel.
    if (e.native_code() != static_cast<int>(kUnknownThreadId))
      throw ConnectError(std::string("cannot deliver cancel: ") + e.what(), e.sqlstate(),
                         e.native_code(), endpoint_);
  } catch (const Error& e) {
    throw ConnectError(std::string("cannot deliver cancel: ") + e.what(), e.sqlstate(),
                       e.native_code(), endpoint_);
  }
  AWRAP_LOG(kDebug) << "mysql: sent KILL QUERY for thread " << session_id_ << " on " << endpoint_;
}

// ---------------------------------------------------------------------------------------------
// Errors

void MysqlConnection::require_usable() const {
  if (!handle_)
    throw ConnectionLostError("connection to " + endpoint_ + " is closed", "08003", 0, endpoint_);
  if (aborted_)
    throw ConnectionLostError("connection to " + endpoint_ + " was aborted", "08003", 0, endpoint_);
  if (broken_)
    throw ConnectionLostError("connection to " + endpoint_ + " is broken", "08003", 0, endpoint_);
}

void MysqlConnection::fail(std::string_view action) {
  raise(error_of(handle_.get()), action);
}

void MysqlConnection::fail(MYSQL_STMT* statement, std::string_view action) {
  raise({mysql_stmt_errno(statement), mysql_stmt_sqlstate(statement), mysql_stmt_error(statement)},
        action);
}

void MysqlConnection::raise(const MysqlErrorInfo& info, std::string_view action) {
  if (aborted_) {
    broken_ = true;
    // Not the native code (2013 ...): our own abort must not read as the server ending the
    // session (failover tries the same host first for that).
    throw ConnectionLostError(
        std::string(action) + " on " + endpoint_ + ": connection aborted (" + info.message + ")",
        "08003", 0, endpoint_);
  }
  if (classify_mysql_error(info.native_code, info.sqlstate, info.message) ==
      MysqlErrorClass::kConnectionLost) {
    broken_ = true;
    AWRAP_LOG(kDebug) << "mysql: connection to " << endpoint_ << " lost during " << action << ": "
                      << info.message;
  }
  throw_mysql_error(MysqlPhase::kStatement, info, action, endpoint_);
}

void MysqlConnection::fail_timeout(std::string_view action) {
  broken_ = true;
  if (aborted_)
    throw ConnectionLostError(std::string(action) + " on " + endpoint_ + ": connection aborted",
                              "08S01", 0, endpoint_);
  throw ConnectionLostError(
      std::string(action) + " on " + endpoint_ + ": no answer within socket_timeout of " +
          std::to_string(socket_timeout_.count()) + " ms; the connection is closed",
      "08S01", 0, endpoint_);
}

// ---------------------------------------------------------------------------------------------
// Text protocol

std::shared_ptr<const ResultData> MysqlConnection::run_text(std::string_view sql) {
  require_usable();
  MYSQL* handle = handle_.get();
  const WaitBudget budget = statement_budget();
  int error = 0;
  if (!run_nonblocking(
          handle, budget,
          [&] { return mysql_real_query_start(&error, handle, sql.data(), sql.size()); },
          [&](int ready) { return mysql_real_query_cont(&error, handle, ready); }))
    fail_timeout("query");
  if (error != 0) fail("query");

  std::shared_ptr<const ResultData> result;
  if (mysql_field_count(handle) == 0) {
    result = MysqlResultBuilder({}).finish(static_cast<std::int64_t>(mysql_affected_rows(handle)));
  } else {
    MYSQL_RES* stored = nullptr;
    if (!run_nonblocking(
            handle, budget, [&] { return mysql_store_result_start(&stored, handle); },
            [&](int ready) { return mysql_store_result_cont(&stored, handle, ready); }))
      fail_timeout("reading the result");
    if (stored == nullptr) fail("reading the result");
    const std::unique_ptr<MYSQL_RES, FreeResult> rows(stored);

    const unsigned int column_count = mysql_num_fields(stored);
    const MYSQL_FIELD* fields = mysql_fetch_fields(stored);
    std::vector<std::string> names;
    names.reserve(column_count);
    for (unsigned int i = 0; i < column_count; ++i)
      names.emplace_back(fields[i].name, fields[i].name_length);
    MysqlResultBuilder builder(std::move(names));
    builder.set_column_types(fields, column_count);
    // A stored result is in memory: fetching does no network I/O.
    while (MYSQL_ROW row = mysql_fetch_row(stored)) {
      const unsigned long* lengths = mysql_fetch_lengths(stored);
      for (unsigned int i = 0; i < column_count; ++i) {
        if (row[i] == nullptr)
          builder.add_null();
        else
          builder.add_value(std::string_view(row[i], lengths[i]));
      }
    }
    result = std::move(builder).finish(0);
  }
  discard_more_results();
  capture_tracked_variables();
  return result;
}

// CALL returns a final status result after its rows (CLIENT_MULTI_RESULTS); read and drop
// everything after the first result so the session is ready for the next command.
void MysqlConnection::discard_more_results() {
  MYSQL* handle = handle_.get();
  const WaitBudget budget = statement_budget();
  while (mysql_more_results(handle)) {
    int status = 0;
    if (!run_nonblocking(
            handle, budget, [&] { return mysql_next_result_start(&status, handle); },
            [&](int ready) { return mysql_next_result_cont(&status, handle, ready); }))
      fail_timeout("reading further results");
    if (status > 0) fail("reading further results");
    if (status < 0) break;
    if (mysql_field_count(handle) == 0) continue;
    MYSQL_RES* stored = nullptr;
    if (!run_nonblocking(
            handle, budget, [&] { return mysql_store_result_start(&stored, handle); },
            [&](int ready) { return mysql_store_result_cont(&stored, handle, ready); }))
      fail_timeout("reading further results");
    if (stored == nullptr) fail("reading further results");
    mysql_free_result(stored);
  }
}

// ---------------------------------------------------------------------------------------------
// Prepared statements (binary protocol)

MysqlConnection::Statement MysqlConnection::prepare_statement(std::string_view sql) {
  require_usable();
  MYSQL* handle = handle_.get();
  Statement statement(mysql_stmt_init(handle));
  if (!statement) fail("prepare");
  MYSQL_STMT* raw = statement.get();
  // Lets read_binary_rows size its buffers from the longest value of each column.
  const my_bool update_max_length = 1;
  mysql_stmt_attr_set(raw, STMT_ATTR_UPDATE_MAX_LENGTH, &update_max_length);
  int error = 0;
  if (!run_nonblocking(
          handle, statement_budget(),
          [&] { return mysql_stmt_prepare_start(&error, raw, sql.data(), sql.size()); },
          [&](int ready) { return mysql_stmt_prepare_cont(&error, raw, ready); }))
    fail_timeout("prepare");
  if (error != 0) fail(raw, "prepare");
  return statement;
}

std::shared_ptr<const ResultData> MysqlConnection::run_statement(MYSQL_STMT* statement,
                                                                 std::span<const Param> params) {
  require_usable();
  MYSQL* handle = handle_.get();
  const WaitBudget budget = statement_budget();
  const unsigned long placeholders = mysql_stmt_param_count(statement);
  if (placeholders != params.size())
    throw QueryError("statement has " + std::to_string(placeholders) + " placeholders but " +
                         std::to_string(params.size()) + " parameters were given",
                     "07001", 0, endpoint_);
  ParamBinding binding(params);
  if (binding.binds() != nullptr && mysql_stmt_bind_param(statement, binding.binds()) != 0)
    fail(statement, "binding parameters");

  int error = 0;
  if (!run_nonblocking(
          handle, budget, [&] { return mysql_stmt_execute_start(&error, statement); },
          [&](int ready) { return mysql_stmt_execute_cont(&error, statement, ready); }))
    fail_timeout("execute");
  if (error != 0) fail(statement, "execute");

  std::shared_ptr<const MysqlResult> result;
  if (mysql_stmt_field_count(statement) == 0) {
    result = MysqlResultBuilder({}).finish(
        static_cast<std::int64_t>(mysql_stmt_affected_rows(statement)));
  } else {
    if (!run_nonblocking(
            handle, budget, [&] { return mysql_stmt_store_result_start(&error, statement); },
            [&](int ready) { return mysql_stmt_store_result_cont(&error, statement, ready); }))
      fail_timeout("reading the result");
    if (error != 0) fail(statement, "reading the result");
    if (!read_binary_rows(statement, 0, result)) fail(statement, "reading the result");
  }
  discard_more_statement_results(statement);
  mysql_stmt_free_result(statement);  // the rows are buffered: no network I/O
  capture_tracked_variables();
  return result;
}

void MysqlConnection::discard_more_statement_results(MYSQL_STMT* statement) {
  MYSQL* handle = handle_.get();
  const WaitBudget budget = statement_budget();
  while (mysql_stmt_more_results(statement)) {
    int status = 0;
    if (!run_nonblocking(
            handle, budget, [&] { return mysql_stmt_next_result_start(&status, statement); },
            [&](int ready) { return mysql_stmt_next_result_cont(&status, statement, ready); }))
      fail_timeout("reading further results");
    if (status > 0) fail(statement, "reading further results");
    if (status < 0) break;
    if (mysql_stmt_field_count(statement) == 0) continue;
    int error = 0;
    if (!run_nonblocking(
            handle, budget, [&] { return mysql_stmt_store_result_start(&error, statement); },
            [&](int ready) { return mysql_stmt_store_result_cont(&error, statement, ready); }))
      fail_timeout("reading further results");
    if (error != 0) fail(statement, "reading further results");
  }
}

std::shared_ptr<const ResultData> MysqlConnection::execute(std::string_view sql,
                                                           std::span<const Param> params) {
  if (params.empty()) return run_text(sql);
  const Statement statement = prepare_statement(sql);
  return run_statement(statement.get(), params);
}

void MysqlConnection::prepare(std::string_view name, std::string_view sql) {
  if (statements_.find(name) != statements_.end())
    throw QueryError("a prepared statement named '" + std::string(name) + "' already exists",
                     "42000", 0, endpoint_);
  Statement statement = prepare_statement(sql);
  statements_.emplace(std::string(name), std::move(statement));
}

std::shared_ptr<const ResultData> MysqlConnection::execute_prepared(std::string_view name,
                                                                    std::span<const Param> params) {
  const auto found = statements_.find(name);
  if (found == statements_.end())
    throw QueryError("no prepared statement named '" + std::string(name) + "'", "26000", 0,
                     endpoint_);
  return run_statement(found->second.get(), params);
}

void MysqlConnection::deallocate(std::string_view name) {
  const auto found = statements_.find(name);
  if (found == statements_.end())
    throw QueryError("no prepared statement named '" + std::string(name) + "'", "26000", 0,
                     endpoint_);
  if (is_broken() && handle_) {
    // mysql_stmt_close would try to talk to a dead server; make sure it fails at once.
    const std::lock_guard lock(abort_socket_mutex_);
    if (abort_socket_ >= 0) ::shutdown(abort_socket_, SHUT_RDWR);
  }
  statements_.erase(found);
}

// ---------------------------------------------------------------------------------------------
// Transactions and session state

void MysqlConnection::begin() {
  run_text("START TRANSACTION");
}
void MysqlConnection::commit() {
  run_text("COMMIT");
}
void MysqlConnection::rollback() {
  run_text("ROLLBACK");
}

void MysqlConnection::set_autocommit(bool on) {
  run_text(on ? "SET autocommit=1" : "SET autocommit=0");
  autocommit_ = on;
}

bool MysqlConnection::autocommit() const noexcept {
  // The server's flag also follows a "SET autocommit" the application ran itself.
  if (!handle_ || is_broken()) return autocommit_;
  return (server_status() & SERVER_STATUS_AUTOCOMMIT) != 0;
}

void MysqlConnection::set_read_only(bool on) {
  run_text(on ? "SET SESSION TRANSACTION READ ONLY" : "SET SESSION TRANSACTION READ WRITE");
}

void MysqlConnection::set_isolation_level(IsolationLevel level) {
  switch (level) {
    case IsolationLevel::kDefault: {
      // Back to the server's default. MariaDB (all versions here) and MySQL before 8.0 call the
      // variable tx_isolation; MySQL 8.0 removed that name for transaction_isolation.
      require_usable();
      const bool mysql8 =
          !mariadb_connection(handle_.get()) && mysql_get_server_version(handle_.get()) >= 80000;
      run_text(mysql8 ? "SET SESSION transaction_isolation = @@GLOBAL.transaction_isolation"
                      : "SET SESSION tx_isolation = @@GLOBAL.tx_isolation");
      return;
    }
    case IsolationLevel::kReadUncommitted:
      run_text("SET SESSION TRANSACTION ISOLATION LEVEL READ UNCOMMITTED");
      return;
    case IsolationLevel::kReadCommitted:
      run_text("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
      return;
    case IsolationLevel::kRepeatableRead:
      run_text("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ");
      return;
    case IsolationLevel::kSerializable:
      run_text("SET SESSION TRANSACTION ISOLATION LEVEL SERIALIZABLE");
      return;
  }
}

bool MysqlConnection::track_commit_position() {
  require_usable();
  if (!mariadb_connection(handle_.get())) return false;
  if (tracking_commit_position_) return true;
  // Keeps what the session already tracks (Connector/C relies on autocommit and the charset).
  run_text(
      "SET SESSION session_track_system_variables = "
      "CONCAT_WS(',', NULLIF(@@session_track_system_variables, ''), 'last_gtid')");
  tracking_commit_position_ = true;
  capture_tracked_variables();  // the SET's answer reports the current value
  return true;
}

void MysqlConnection::capture_tracked_variables() {
  MYSQL* handle = handle_.get();
  const char* data = nullptr;
  size_t length = 0;
  // Entries come as name, value pairs.
  if (mysql_session_track_get_first(handle, SESSION_TRACK_SYSTEM_VARIABLES, &data, &length) != 0)
    return;
  while (true) {
    const std::string_view name(data, length);
    if (mysql_session_track_get_next(handle, SESSION_TRACK_SYSTEM_VARIABLES, &data, &length) != 0)
      return;
    const std::string_view value(data, length);
    if (name == "last_gtid") {
      commit_position_.assign(value);
    } else if (name != "autocommit" && name != "session_track_system_variables") {
      auto& values = reported_.values;
      auto it = std::find_if(values.begin(), values.end(),
                             [&](const auto& entry) { return entry.first == name; });
      if (it == values.end()) {
        values.emplace_back(std::string(name), std::string(value));
        ++reported_.version;
      } else if (it->second != value) {
        it->second.assign(value);
        ++reported_.version;
      }
    }
    if (mysql_session_track_get_next(handle, SESSION_TRACK_SYSTEM_VARIABLES, &data, &length) != 0)
      return;
  }
}

unsigned int MysqlConnection::server_status() const noexcept {
  unsigned int status = 0;
  if (mariadb_get_infov(handle_.get(), MARIADB_CONNECTION_SERVER_STATUS, &status) != 0) return 0;
  return status;
}

TransactionStatus MysqlConnection::transaction_status() const noexcept {
  if (!handle_ || is_broken()) return TransactionStatus::kUnknown;
  return (server_status() & SERVER_STATUS_IN_TRANS) != 0 ? TransactionStatus::kInTransaction
                                                         : TransactionStatus::kIdle;
}

}  // namespace awrap::internal::mysql
