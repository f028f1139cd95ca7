// One physical MySQL/MariaDB session over MariaDB Connector/C (TargetConnection).
//
//   std::unique_ptr<MysqlConnection> connection = MysqlConnection::open(spec);
//   auto rows = connection->execute("SELECT id FROM t WHERE name = ?", params);
//
// Every network wait goes through Connector/C's non-blocking API and poll(), so:
//   - connect honours spec.connect_timeout to the millisecond (DNS resolution excepted: it
//     blocks inside Connector/C; give IP addresses where that matters);
//   - each wait for the server lasts at most spec.socket_timeout; past it the statement is
//     abandoned, the session closed and ConnectionLostError thrown;
//   - abort() from another thread shuts the socket down and the blocked call returns at once.
// MYSQL_OPT_RECONNECT stays off: a silent reconnect would lose session state and hide a failover.
// Statements with parameters run as server-side prepared statements (binary protocol); results
// are converted to the text protocol's form (see mysql_binary_result.hpp).
//
// Thread safety: as TargetConnection: one owner thread; cancel() and abort() from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>

#include <mysql.h>

#include "awrap/ext/background_credentials.hpp"
#include "awrap/ext/target_driver.hpp"
#include "driver/mysql/mysql_error.hpp"
#include "driver/mysql/mysql_handle.hpp"
#include "driver/mysql/mysql_native_options.hpp"
#include "driver/mysql/mysql_nonblocking.hpp"

namespace awrap::internal::mysql {

class MysqlConnection final : public TargetConnection {
 public:
  // Opens a session within spec.connect_timeout. Throws ConfigError (bad native option),
  // AuthError (credentials refused) or ConnectError (anything else, including the deadline).
  static std::unique_ptr<MysqlConnection> open(const ConnectSpec& spec);
  ~MysqlConnection() override;
  MysqlConnection(const MysqlConnection&) = delete;
  MysqlConnection& operator=(const MysqlConnection&) = delete;

  std::shared_ptr<const ResultData> execute(std::string_view sql,
                                            std::span<const Param> params) override;
  void prepare(std::string_view name, std::string_view sql) override;
  std::shared_ptr<const ResultData> execute_prepared(std::string_view name,
                                                     std::span<const Param> params) override;
  void deallocate(std::string_view name) override;

  void begin() override;
  void commit() override;
  void rollback() override;
  void set_autocommit(bool on) override;
  bool autocommit() const noexcept override;
  void set_read_only(bool on) override;
  void set_isolation_level(IsolationLevel level) override;

  // From the server's status flags (SERVER_STATUS_IN_TRANS). MySQL keeps a transaction open
  // after a failed statement, so kInFailedTransaction is never reported; kUnknown once broken.
  TransactionStatus transaction_status() const noexcept override;
  bool is_broken() const noexcept override;
  std::chrono::milliseconds socket_timeout() const noexcept override { return socket_timeout_; }
  void set_socket_timeout(std::chrono::milliseconds timeout) noexcept override {
    socket_timeout_ = timeout;
  }

  // Sends KILL QUERY <thread id> over a short-lived second session opened with the same spec
  // (connect and socket timeouts default to 10 s there when the spec has none).
  void cancel() override;
  void set_background_credentials(std::shared_ptr<const BackgroundCredentials> source) override {
    background_credentials_ = std::move(source);
  }
  void abort() noexcept override;
  void close() noexcept override;

  // MariaDB only: SET session_track_system_variables to include last_gtid; every OK packet
  // that follows carries the session's last GTID when it changed. MySQL: false (not done).
  bool track_commit_position() override;
  std::string commit_position() const override { return commit_position_; }
  // The system variables the server reported changed since login (session tracking, read after
  // every statement): none at first. autocommit (the API's) and the tracking list itself are
  // left out.
  const ReportedSettings* reported_settings() override { return &reported_; }

  std::int64_t server_session_id() const noexcept override { return session_id_; }
  const HostInfo& host() const noexcept override { return spec_.host; }

 private:
  struct StatementCloser {
    void operator()(MYSQL_STMT* statement) const noexcept { mysql_stmt_close(statement); }
  };
  using Handle = MysqlHandle;
  using Statement = std::unique_ptr<MYSQL_STMT, StatementCloser>;

  MysqlConnection(ConnectSpec spec, std::string endpoint, Handle handle);
  // Connects `handle` to `host` (a name or one address) within `budget`.
  static std::unique_ptr<MysqlConnection> connect_handle(Handle handle, const std::string& host,
                                                         const ConnectSpec& spec,
                                                         const std::string& endpoint,
                                                         const WaitBudget& budget,
                                                         const NativeOptionChecks& checks);

  void require_usable() const;
  WaitBudget statement_budget() const { return WaitBudget::per_wait(socket_timeout_); }
  // Throw the awrap error for the handle's (or statement's) last error; a lost connection, or
  // any error after abort(), marks the connection broken and is a ConnectionLostError.
  [[noreturn]] void fail(std::string_view action);
  [[noreturn]] void fail(MYSQL_STMT* statement, std::string_view action);
  [[noreturn]] void raise(const MysqlErrorInfo& info, std::string_view action);
  [[noreturn]] void fail_timeout(std::string_view action);

  std::shared_ptr<const ResultData> run_text(std::string_view sql);
  void discard_more_results();
  Statement prepare_statement(std::string_view sql);
  std::shared_ptr<const ResultData> run_statement(MYSQL_STMT* statement,
                                                  std::span<const Param> params);
  void discard_more_statement_results(MYSQL_STMT* statement);
  unsigned int server_status() const noexcept;
  // Reads the system variables the last OK packet reports changed (session tracking): last_gtid
  // into commit_position_, the others into reported_.
  void capture_tracked_variables();

  const ConnectSpec spec_;  // kept for cancel()'s side session; immutable
  // Fresh credentials for cancel()'s side session; set by the owner before sharing, then read only.
  std::shared_ptr<const BackgroundCredentials> background_credentials_;
  std::chrono::milliseconds socket_timeout_ = spec_.socket_timeout;  // owner thread only
  const std::string endpoint_;  // "host:port" for errors and logs
  std::int64_t session_id_ = 0;
  bool autocommit_ = true;
  bool tracking_commit_position_ = false;
  std::string commit_position_;  // last_gtid as the server last reported it
  ReportedSettings reported_;
  std::atomic<bool> broken_{false};
  std::atomic<bool> aborted_{false};

  // A dup() of the session's socket for abort(): shutdown() acts on the socket, and owning our
  // own descriptor means a descriptor number Connector/C has closed (and the process reused)
  // can never be shut down by mistake.
  std::mutex abort_socket_mutex_;
  int abort_socket_ = -1;  // guarded by abort_socket_mutex_

  Handle handle_;
  // Declared after handle_: destroyed first, while the handle still exists.
  std::map<std::string, Statement, std::less<>> statements_;
};

}  // namespace awrap::internal::mysql
