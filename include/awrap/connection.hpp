// A connection to a PostgreSQL or MySQL/MariaDB server or cluster, through awrap's plugins.
//
//   #include <awrap/awrap.hpp>
//
//   auto conn = awrap::Connection::open(
//       "postgresql://app:secret@mydb.cluster-xyz.us-east-1.rds.amazonaws.com:5432/app",
//       {{"wrapper_plugins", "failover,host_monitoring"}});
//   conn.execute("CREATE TABLE IF NOT EXISTS t(id int primary key, name text)");
//   {
//     awrap::Transaction tx(conn);           // rolls back unless committed
//     conn.execute("INSERT INTO t VALUES ($1, $2)", {1, "ada"});
//     tx.commit();
//   }
//   for (const auto& row : conn.execute("SELECT id, name FROM t")) { ... }
//
// Thread safety: a Connection is used by one thread at a time. cancel() is the exception: any
// thread may call it while another thread runs a statement. Connections are move-only.
// Behind a Connection sits one physical connection at a time; failover and read/write splitting
// replace it while the Connection object stays the same.
#pragma once

#include "awrap/export.hpp"

#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "awrap/errors.hpp"
#include "awrap/events.hpp"
#include "awrap/host_info.hpp"
#include "awrap/params.hpp"
#include "awrap/properties.hpp"
#include "awrap/result.hpp"
#include "awrap/session.hpp"

namespace awrap {

namespace internal {
class ConnectionImpl;  // src/core/connection_impl.hpp
struct ConnectionAccess;
}  // namespace internal

// A server-side prepared statement. Valid for the Connection that made it; if the Connection
// fails over, awrap prepares it again on the new host on first use.
class AWRAP_EXPORT PreparedStatement {
 public:
  const std::string& sql() const noexcept { return sql_; }
  const std::string& name() const noexcept { return name_; }

 private:
  friend class Connection;
  PreparedStatement(std::string sql, std::string name)
      : sql_(std::move(sql)), name_(std::move(name)) {}
  std::string sql_;
  std::string name_;
};

class AWRAP_EXPORT Connection {
 public:
  // Opens a connection. `conninfo` is a URL (postgresql://, postgres://, mysql://, mariadb://)
  // or a libpq keyword string ("host=a,b port=5432 dbname=app"). `properties` adds or overrides
  // values (docs/configuration.md). Throws ConfigError before connecting when a property is
  // wrong; ConnectError/AuthError when no connection could be made.
  static Connection open(std::string_view conninfo, const PropertyMap& properties = {});
  // The same, and tells `events`' listeners what happens to this Connection from now on
  // (failovers, aborted calls: awrap/events.hpp, docs/events.md).
  static Connection open(std::string_view conninfo, const PropertyMap& properties,
                         ConnectionEvents events);

  Connection(Connection&&) noexcept;
  Connection& operator=(Connection&&) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  Result execute(std::string_view sql);
  Result execute(std::string_view sql, std::span<const Param> params);
  Result execute(std::string_view sql, std::initializer_list<Param> params) {
    return execute(sql, std::span<const Param>(params.begin(), params.size()));
  }

  PreparedStatement prepare(std::string_view sql);
  Result execute(const PreparedStatement& statement, std::span<const Param> params = {});
  Result execute(const PreparedStatement& statement, std::initializer_list<Param> params) {
    return execute(statement, std::span<const Param>(params.begin(), params.size()));
  }
  void deallocate(const PreparedStatement& statement);

  void begin();
  void commit();
  void rollback();

  // Autocommit is on by default. With it off, the first statement opens a transaction that
  // lasts until commit() or rollback().
  void set_autocommit(bool on);
  bool autocommit() const;
  // Read-only transactions for the rest of the session (kept across failover).
  void set_read_only(bool on);
  bool read_only() const;
  void set_isolation_level(IsolationLevel level);
  IsolationLevel isolation_level() const;
  TransactionStatus transaction_status() const;

  // Stops the statement running on this Connection now. Any thread. No effect when idle. The
  // request's network round trip holds no lock: close() and failover never wait for it.
  void cancel();

  // Closes the connection; idempotent, never throws. Further use throws ConnectionClosedError.
  // FailoverFailedError closes the Connection the same way before it reaches the caller.
  void close() noexcept;
  bool is_closed() const noexcept;

  // The host the current physical connection is on.
  HostInfo current_host() const;
  // "pg" or "mysql".
  std::string_view engine() const;

 private:
  friend struct internal::ConnectionAccess;  // internal: builds Connections around an
                                             // implementation (tests, benches)
  explicit Connection(std::unique_ptr<internal::ConnectionImpl> impl);
  internal::ConnectionImpl& impl() const;
  std::unique_ptr<internal::ConnectionImpl> impl_;
};

// Rolls back on destruction unless commit() or rollback() was called or the Connection is closed
// (e.g. after FailoverFailedError, when the server has already ended the transaction).
class AWRAP_EXPORT Transaction {
 public:
  explicit Transaction(Connection& connection);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();
  void rollback();

 private:
  Connection& connection_;
  bool done_ = false;
};

}  // namespace awrap
