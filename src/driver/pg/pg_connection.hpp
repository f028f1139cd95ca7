// One PostgreSQL connection over libpq (awrap::TargetConnection).
//
//   PgConnHandle conn = open_pg_connection(spec);
//   PgConnection connection(std::move(conn), spec);
//   connection.execute("SELECT $1::int + 1", Params{41});
//
// Every statement goes through libpq's asynchronous API and waits on the socket with poll(), so
// socket_timeout holds and abort() from another thread wakes the owner at once.
//
// Thread safety (the TargetConnection contract): one owner thread at a time for everything except
// cancel() and abort(), which any thread may call at any time, even during or after close().
// The native handle is only ever used, and freed, by the owner thread; abort() merely shuts the
// socket down, under a lock that close() also takes so it can never hit a reused descriptor.
#pragma once

#include <atomic>
#include <mutex>
#include <string>

#include "awrap/ext/target_driver.hpp"
#include "driver/pg/pg_handles.hpp"
#include "driver/pg/pg_result.hpp"

namespace awrap::internal::pg {

class PgConnection final : public TargetConnection {
 public:
  // REQUIRES: conn is established (open_pg_connection) and in non-blocking mode.
  PgConnection(PgConnHandle conn, const ConnectSpec& spec);
  ~PgConnection() override;
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  std::shared_ptr<const ResultData> execute(std::string_view sql,
                                            std::span<const Param> params) override;
  void prepare(std::string_view name, std::string_view sql) override;
  std::shared_ptr<const ResultData> execute_prepared(std::string_view name,
                                                     std::span<const Param> params) override;
  // Sends DEALLOCATE with the name quoted (libpq 15 has no protocol-level close).
  void deallocate(std::string_view name) override;

  void begin() override;
  // Throws QueryError (SQLSTATE 25P02) when the server answered ROLLBACK because the transaction
  // had failed, and ConnectionLostError when the answer never came: never a silent success.
  void commit() override;
  void rollback() override;
  // Turning autocommit on inside a transaction commits it (as JDBC does).
  void set_autocommit(bool on) override;
  bool autocommit() const noexcept override { return autocommit_; }
  // SET SESSION CHARACTERISTICS …; like any SET, undone if issued in a transaction that then
  // rolls back. Never opens a transaction itself, even with autocommit off.
  void set_read_only(bool on) override;
  // kDefault resets default_transaction_isolation to the server's (role's, database's) default.
  void set_isolation_level(IsolationLevel level) override;

  TransactionStatus transaction_status() const noexcept override;
  bool is_broken() const noexcept override;
  std::chrono::milliseconds socket_timeout() const noexcept override { return socket_timeout_; }
  void set_socket_timeout(std::chrono::milliseconds timeout) noexcept override {
    socket_timeout_ = timeout;
  }

  // PQcancel over the PGcancel taken at connect time; blocks while it connects to the server,
  // without holding any lock that close() or abort() take. A no-op after close().
  void cancel() override;
  void abort() noexcept override;
  void close() noexcept override;

  // Read from libpq's copy of the server's ParameterStatus messages: no network I/O. After the
  // connection is lost or closed, the values last read.
  const ReportedSettings* reported_settings() override;

  std::int64_t server_session_id() const noexcept override { return backend_pid_; }
  const HostInfo& host() const noexcept override { return host_; }

 private:
  // Sends one request with `send` (a PQsend* call on the PGconn returning libpq's 0/1), waits for
  // all its results and returns the last one; throws the classified error of the first failed
  // result. opens_transaction: with autocommit off and no transaction open, BEGIN goes first.
  // Defined and instantiated in pg_connection.cpp only.
  template <typename SendRequest>
  std::shared_ptr<const PgResult> run(const SendRequest& send, bool opens_transaction);
  std::shared_ptr<const PgResult> run_simple(const std::string& sql);
  void flush_output();
  void wait_until_readable();
  PgResultHandle collect_results();
  void drain_copy_out();
  void ensure_usable() const;
  [[noreturn]] void fail_connection_lost(const std::string& what);
  [[noreturn]] void fail_from_result(const PGresult* result);
  // Shuts the socket down (other threads' waits return) and marks the connection broken.
  void shut_down_socket() noexcept;

  PgConnHandle conn_;  // owner thread only
  HostInfo host_;
  std::string endpoint_;  // "host:port" for errors
  std::chrono::milliseconds socket_timeout_;
  std::int64_t backend_pid_ = 0;
  bool autocommit_ = true;
  ReportedSettings reported_;  // owner thread only

  std::atomic<bool> broken_{false};
  std::atomic<bool> aborted_{false};

  mutable std::mutex socket_mutex_;
  int socket_ = -1;  // guarded by socket_mutex_; -1 once closed

  // Shared so cancel() can run PQcancel (a network round trip) without the mutex, and close()
  // never waits for it; the PGcancel is freed when the last user lets go.
  std::mutex cancel_mutex_;
  std::shared_ptr<PGcancel> cancel_;  // guarded by cancel_mutex_
};

}  // namespace awrap::internal::pg
