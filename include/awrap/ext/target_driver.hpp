// The seam between awrap and a native driver (libpq, MariaDB Connector/C).
//
// Extension API. Applications do not use it directly; plugins do, through PluginService, and a
// new engine is added by implementing it. Implementations live in src/driver/<engine>/ and are
// the only code that includes the native driver's headers.
//
// Errors: every method reports failures by throwing the awrap error that classifies it:
//   ConnectionLostError   the connection is gone (network, server crash or shutdown, abort())
//   ConnectError          could not connect;  AuthError: credentials refused
//   QueryCancelledError   cancel() or a statement timeout stopped the statement
//   ReadOnlyViolationError a write on a read-only server or transaction
//   QueryError            any other statement error; the connection is still usable
// Thread safety: a TargetConnection is used by one thread at a time, except cancel() and
// abort(), which any thread may call while another thread is inside a call.
#pragma once

#include "awrap/export.hpp"

#include <chrono>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "awrap/host_info.hpp"
#include "awrap/params.hpp"
#include "awrap/result.hpp"
#include "awrap/session.hpp"

namespace awrap {

// What a driver needs to open one physical connection.
struct AWRAP_EXPORT ConnectSpec {
  HostInfo host;
  std::string user;
  std::string password;  // secret: never logged
  std::string database;
  // Wall-clock budget for the whole connect (TCP, TLS, authentication). Zero: no limit.
  std::chrono::milliseconds connect_timeout{0};
  // Budget for one network read or write once connected. Zero: no limit.
  std::chrono::milliseconds socket_timeout{0};
  // Native driver options not known to awrap, passed through verbatim (libpq keywords such as
  // sslmode or application_name; Connector/C options such as ssl_ca).
  std::map<std::string, std::string, std::less<>> native_options;
  // host.host's numeric addresses, when the caller has resolved the name already (awrap's
  // monitors do, off their loop thread): the driver connects to these, in order, and keeps the
  // name for TLS verification. Empty: the driver resolves the name itself, within
  // connect_timeout.
  std::vector<std::string> addresses;
};

class BackgroundCredentials;

class AWRAP_EXPORT TargetConnection {
 public:
  virtual ~TargetConnection() = default;

  // Runs one statement. An empty params span sends the text as a simple query.
  virtual std::shared_ptr<const ResultData> execute(std::string_view sql,
                                                    std::span<const Param> params) = 0;
  // Server-side prepared statements, named by the caller (unique per connection).
  virtual void prepare(std::string_view name, std::string_view sql) = 0;
  virtual std::shared_ptr<const ResultData> execute_prepared(std::string_view name,
                                                             std::span<const Param> params) = 0;
  virtual void deallocate(std::string_view name) = 0;

  virtual void begin() = 0;
  virtual void commit() = 0;
  virtual void rollback() = 0;
  // With autocommit off, the first statement outside a transaction opens one (as JDBC does).
  virtual void set_autocommit(bool on) = 0;
  virtual bool autocommit() const noexcept = 0;
  // Applies to the session's following transactions (SET SESSION CHARACTERISTICS …).
  virtual void set_read_only(bool on) = 0;
  virtual void set_isolation_level(IsolationLevel level) = 0;

  virtual TransactionStatus transaction_status() const noexcept = 0;
  // True once the connection is known to be unusable (lost, aborted or closed).
  virtual bool is_broken() const noexcept = 0;

  // The budget of one network wait (ConnectSpec::socket_timeout at connect; zero: no limit), and
  // a new one for the calls that follow. awrap tightens it around its own queries on a
  // connection the application also uses (auxiliary_query_timeout_sec) and puts it back after.
  virtual std::chrono::milliseconds socket_timeout() const noexcept = 0;
  virtual void set_socket_timeout(std::chrono::milliseconds timeout) noexcept = 0;

  // Asks the server to stop the statement running now. Any thread; returns when the request was
  // delivered (the running call then throws QueryCancelledError). Throws ConnectError if the
  // cancel request could not be delivered.
  virtual void cancel() = 0;
  // Where cancel() gets credentials when it must log in (MySQL's KILL QUERY session): fresh ones
  // instead of the password of this connection's login, which may have expired (IAM) or been
  // rotated. Null: the login's own. Set by the owner before the connection is shared.
  virtual void set_background_credentials(std::shared_ptr<const BackgroundCredentials> source) {
    (void)source;
  }
  // Shuts the socket down so a call blocked in another thread returns at once with
  // ConnectionLostError. Any thread; never blocks; never frees the native handle.
  virtual void abort() noexcept = 0;
  // Closes the connection politely (sends Terminate / COM_QUIT). Owner thread only.
  virtual void close() noexcept = 0;

  // Read-your-writes (read_write_splitting's read_consistency=session). Asks the server to
  // report, with each answer, the replication position of the session's last commit, so that
  // knowing it costs no extra round trip (MariaDB: session tracking of last_gtid; one SET, once
  // per session). False when the engine or server cannot (PostgreSQL: the position must be
  // asked for). Owner thread only.
  virtual bool track_commit_position() { return false; }
  // The position the server last reported (a MariaDB GTID such as "0-1-42"); empty when none
  // has been reported or tracking is off. No network I/O.
  virtual std::string commit_position() const { return {}; }

  // The session settings the server itself reports as they change, whoever changed them (a SET,
  // or a function or procedure): PostgreSQL's ParameterStatus (TimeZone, DateStyle,
  // IntervalStyle, application_name, standard_conforming_strings), MySQL/MariaDB session tracking
  // of system variables (time_zone and the character sets by default; what the driver sets for
  // the API, such as autocommit, is left out). Values as of the last statement; `version`
  // changes whenever one does, so a caller copies them only then. Null when the driver reports
  // nothing. No network I/O. Owner thread only.
  struct ReportedSettings {
    std::vector<std::pair<std::string, std::string>> values;  // name, value; in a fixed order
    std::uint64_t version = 0;
  };
  virtual const ReportedSettings* reported_settings() { return nullptr; }

  // The server's process/thread id for this session (PostgreSQL backend pid, MySQL thread id).
  virtual std::int64_t server_session_id() const noexcept = 0;
  virtual const HostInfo& host() const noexcept = 0;
};

// A non-blocking liveness check of one database host ("does the server answer?"), for awrap's
// background monitors (host_monitoring, fastest_response's response times): one event loop
// poll()s the probes of many hosts at once. Made by TargetDriver::make_probe.
//
// A probe keeps one session open between checks; start() opens it first when needed. Nothing
// blocks: start() and resume() return at once and say what the socket must become ready for.
// The caller owns the deadline: when it passes it calls abandon(), which closes the session
// without waiting (a hung or black-holed server never answers a polite goodbye). Like the
// driver's connections, a probe inherited by a fork() child sends nothing on the parent's socket
// when closed there.
//
// A host given as a name is resolved by the caller when it sets spec.addresses (awrap's monitors
// do, off their loop thread); otherwise the native driver may resolve it synchronously.
// Thread safety: none; one probe is used by one thread (the monitor's event loop).
class AWRAP_EXPORT HostProbe {
 public:
  enum class Status {
    kWaiting,    // poll socket() for events(), then call resume()
    kSucceeded,  // the server answered; the session stays open for the next check
    kFailed,     // no session or no answer; the session is closed (error() says why)
    // The server answered and refused the login (credentials: SQLSTATE 28000/28P01, MySQL 1045
    // ...). The host is alive; the credentials are not. No session is open.
    kRefused,
  };

  virtual ~HostProbe() = default;
  // Starts one check (opening a session first if none is open). REQUIRES: no check in progress.
  virtual Status start() = 0;
  // Continues the check after poll() reported `revents` (POLLIN/POLLOUT/POLLERR/POLLHUP) on
  // socket(). REQUIRES: the last status was kWaiting.
  virtual Status resume(short revents) = 0;
  // The socket to poll and the poll() events wanted; valid while the status is kWaiting.
  virtual int socket() const noexcept = 0;
  virtual short events() const noexcept = 0;
  // Ends a check in progress (deadline) and closes the session; never blocks.
  virtual void abandon() noexcept = 0;
  // Closes the session, if any; never blocks.
  virtual void close() noexcept = 0;
  virtual bool has_session() const noexcept = 0;
  // Why the last check failed (never contains the password).
  virtual const std::string& error() const noexcept = 0;
};

class AWRAP_EXPORT TargetDriver {
 public:
  virtual ~TargetDriver() = default;
  // "pg" or "mysql".
  virtual std::string_view engine() const noexcept = 0;
  virtual int default_port() const noexcept = 0;
  // Opens a connection within spec.connect_timeout. Throws ConnectError, AuthError or ConfigError
  // (a native option the driver rejects).
  virtual std::unique_ptr<TargetConnection> connect(const ConnectSpec& spec) = 0;
  // A probe of spec.host logging in with `spec` (spec.connect_timeout and socket_timeout are
  // ignored: the caller's deadline applies, see HostProbe). Opens nothing yet. Any thread. The
  // default throws ConfigError: host_monitoring and fastest_response then cannot watch this
  // engine's hosts (a monitor logs the error and retries per interval; no host is marked down).
  virtual std::unique_ptr<HostProbe> make_probe(ConnectSpec spec) const;
};

// awrap's own driver for `engine`: "pg" (libpq) or "mysql" (MariaDB Connector/C, for MySQL and
// MariaDB). Throws ConfigError for any other engine. Defined by the driver layer (src/driver/),
// so the layers above it (core, plugins) use drivers only through this interface.
AWRAP_EXPORT std::shared_ptr<TargetDriver> make_builtin_driver(std::string_view engine);

}  // namespace awrap
