// awrap error hierarchy.
//
//   try {
//     conn.execute("UPDATE accounts SET balance = balance - 10 WHERE id = 1");
//   } catch (const awrap::FailoverSuccessError&) {
//     // Now connected to the new writer; no transaction was open: re-run the statement.
//   } catch (const awrap::TransactionResolutionUnknownError&) {
//     // A transaction was open: it may or may not have committed. Check, then decide.
//   } catch (const awrap::FailoverFailedError&) {
//     // No healthy host in time; this Connection is closed: open a new one later.
//   } catch (const awrap::QueryError& e) {
//     // The server refused the statement: e.sqlstate() says why (e.g. "23505").
//   }
//
// Every error carries the SQLSTATE (five characters, empty when none applies), the native
// driver's error code (0 when none) and the host it happened on. Messages never contain
// passwords, IAM tokens, secret values or AWS keys: they are masked before the error is built.
#pragma once

#include "awrap/export.hpp"

#include <stdexcept>
#include <string>
#include <vector>

namespace awrap {

class AWRAP_EXPORT Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, std::string sqlstate = {}, int native_code = 0,
                 std::string host = {});

  // Five-character SQLSTATE, or empty.
  const std::string& sqlstate() const noexcept { return sqlstate_; }
  // The native driver's error number (MySQL error codes; 0 for libpq, which has none).
  int native_code() const noexcept { return native_code_; }
  // "host:port" of the server involved, or empty.
  const std::string& host() const noexcept { return host_; }

 private:
  std::string sqlstate_;
  int native_code_;
  std::string host_;
};

// A property is missing, unknown or has a value outside what it accepts. Raised before any
// connection is attempted. The message names the property, the value and what is accepted.
class AWRAP_EXPORT ConfigError : public Error {
 public:
  ConfigError(const std::string& message, std::string property = {});
  const std::string& property() const noexcept { return property_; }

 private:
  std::string property_;
};

// A physical connection could not be opened (host unreachable, refused, timed out).
class AWRAP_EXPORT ConnectError : public Error {
 public:
  using Error::Error;
};

// The server refused the credentials (SQLSTATE 28000/28P01, MySQL 1045), or credentials could
// not be obtained (IAM, Secrets Manager). Never a reason to fail over.
class AWRAP_EXPORT AuthError : public ConnectError {
 public:
  using ConnectError::ConnectError;
};

// The server rejected a statement. The connection is still usable.
class AWRAP_EXPORT QueryError : public Error {
 public:
  using Error::Error;
};

// The statement was cancelled (Connection::cancel, statement timeout): SQLSTATE 57014, MySQL 1317.
class AWRAP_EXPORT QueryCancelledError : public QueryError {
 public:
  using QueryError::QueryError;
};

// A write was sent to a read-only server or transaction (SQLSTATE 25006, MySQL 1290/1836).
// On a cluster this often means the host is a demoted writer.
class AWRAP_EXPORT ReadOnlyViolationError : public QueryError {
 public:
  using QueryError::QueryError;
};

// The connection to the server was lost (network error, server crash or shutdown, or aborted by
// awrap's failure monitoring). Without the failover plugin the Connection is now unusable.
class AWRAP_EXPORT ConnectionLostError : public Error {
 public:
  using Error::Error;
};

// Base of the three outcomes of a failover.
class AWRAP_EXPORT FailoverError : public Error {
 public:
  using Error::Error;
  // not_restored: what of the session the new connection lacks (see below).
  FailoverError(const std::string& message, std::string sqlstate, int native_code, std::string host,
                std::vector<std::string> not_restored);

  // FailoverSuccessError and TransactionResolutionUnknownError: the session state the new
  // connection does not have, one entry each, in the words of the message's "session state not
  // restored: …" part: state awrap recognised but cannot carry over ("temporary tables", "SQL
  // PREPARE", "SET SESSION AUTHORIZATION", "user variables", …: docs/failover.md lists them),
  // and a recorded SQL setting the new host refused ("search_path (replay failed: …)"). Empty
  // when nothing recognised was lost. State set in ways awrap does not recognise (a function
  // that calls set_config, a procedure) is lost without being named.
  const std::vector<std::string>& session_state_not_restored() const noexcept {
    return not_restored_;
  }

 private:
  std::vector<std::string> not_restored_;
};

// The connection failed over and now points at a healthy host. No transaction was open and the
// lost call was proven unable to change data (one statement, a read without INTO, calling only
// built-in functions that write nothing: docs/errors.md has the exact rule), so nothing of it was
// applied: run it again. On the new connection, settings made through the API (autocommit,
// read-only, isolation level) were restored; settings made with the SQL statements awrap
// recognises (SET [SESSION] name = value / TO value, SET TIME ZONE, SET ROLE, SET search_path,
// RESET; MySQL USE, SET [SESSION] var = value, SET NAMES; docs/failover.md has the list) were
// replayed in order; prepared statements are prepared again on first use. What could not be
// restored is in session_state_not_restored() and the message. SQLSTATE 08S02.
class AWRAP_EXPORT FailoverSuccessError : public FailoverError {
 public:
  using FailoverError::FailoverError;
};

// The connection failed over while a transaction was open (or a COMMIT was in flight). The
// transaction may or may not have committed (libpqxx calls this in_doubt_error): the application
// must find out before retrying. The connection itself is usable; its session was restored as
// for FailoverSuccessError, except that PostgreSQL settings made inside the lost transaction are
// not replayed (they ended with it). SQLSTATE 08007.
class AWRAP_EXPORT TransactionResolutionUnknownError : public FailoverError {
 public:
  using FailoverError::FailoverError;
};

// No fitting host could be reached within failover_timeout_sec. The Connection is closed:
// is_closed() is true, further calls throw ConnectionClosedError, and a Transaction still in scope
// does nothing when destroyed (the server ended the transaction with the session); no second
// failover starts by itself. Open a new Connection. SQLSTATE 08001.
class AWRAP_EXPORT FailoverFailedError : public FailoverError {
 public:
  using FailoverError::FailoverError;
};

// Read/write splitting could not switch the connection (no reader, switch inside a transaction).
class AWRAP_EXPORT ReadWriteSplittingError : public Error {
 public:
  using Error::Error;
};

// Using a Connection after close() or after FailoverFailedError, or in a fork() child when the
// parent opened it (the child must open its own; docs/architecture.md, "fork()").
class AWRAP_EXPORT ConnectionClosedError : public Error {
 public:
  using Error::Error;
};

// awrap::Pool::acquire found no connection within its timeout: all max_size were lent out (or
// being opened) the whole time. Not a network failure (ConnectError is that): the message gives
// the pool's size, leases out, waiters and the timeout. Back off or raise max_size.
class AWRAP_EXPORT PoolTimeoutError : public Error {
 public:
  using Error::Error;
};

// The name of e's most derived class in this header ("FailoverSuccessError", ..., "Error"), for
// messages, logs and language bindings that map each class to their own.
AWRAP_EXPORT const char* error_class_name(const Error& e) noexcept;

}  // namespace awrap
