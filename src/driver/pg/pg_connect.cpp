#include "driver/pg/pg_connect.hpp"

#include <cerrno>
#include <string_view>
#include <system_error>
#include <vector>

#include "awrap/errors.hpp"
#include "base/logging.hpp"
#include "base/name_resolution.hpp"
#include "base/text.hpp"
#include "driver/pg/pg_error.hpp"
#include "driver/pg/pg_socket_wait.hpp"

namespace awrap::internal::pg {
namespace {

// Server notices (e.g. "there is already a transaction in progress") would go to stderr by
// default; a library must not write there.
void log_pg_notice(void* /*context*/, const char* message) {
  AWRAP_LOG(kDebug) << "postgres notice: " << tidy_pg_message(message);
}

// Keyword/value arrays for PQconnectStartParams; the strings live as long as this object.
class ConnectKeywords {
 public:
  void add(std::string_view keyword, std::string_view value) {
    if (value.empty()) return;  // libpq treats an empty value as "not given" anyway
    keywords_.emplace_back(keyword);
    values_.emplace_back(value);
  }
  // NULL-terminated arrays, valid until the next add().
  std::pair<std::vector<const char*>, std::vector<const char*>> arrays() const {
    std::vector<const char*> keywords;
    std::vector<const char*> values;
    for (std::size_t i = 0; i < keywords_.size(); ++i) {
      keywords.push_back(keywords_[i].c_str());
      values.push_back(values_[i].c_str());
    }
    keywords.push_back(nullptr);
    values.push_back(nullptr);
    return {std::move(keywords), std::move(values)};
  }

 private:
  std::vector<std::string> keywords_;
  std::vector<std::string> values_;
};

[[noreturn]] void throw_connect_failure(PGconn* conn, const std::string& endpoint) {
  const std::string message = tidy_pg_message(PQerrorMessage(conn));
  // The connection runs with verbose errors until established, so a server-sent error carries
  // its SQLSTATE in the text (libpq has no accessor for it at this stage).
  std::string sqlstate = sqlstate_from_verbose_message(message);
  PgErrorClass error_class = classify_pg_error(sqlstate, /*connection_bad=*/true, message);
  if (PQconnectionNeedsPassword(conn)) error_class = PgErrorClass::kLoginFailed;
  throw_pg_connect_error(error_class,
                         message.empty() ? "could not connect to " + endpoint : message,
                         std::move(sqlstate), endpoint);
}

}  // namespace

std::string pg_endpoint(const HostInfo& host) {
  HostInfo with_port = host;
  if (with_port.port == 0) with_port.port = kPgDefaultPort;
  return with_port.endpoint();
}

HostAddressLists host_address_lists(const std::string& name,
                                    const std::vector<std::string>& addresses) {
  HostAddressLists lists;
  for (const std::string& address : addresses) {
    lists.hosts += (lists.hosts.empty() ? "" : ",") + name;
    lists.addresses += (lists.addresses.empty() ? "" : ",") + address;
  }
  return lists;
}

PgConnHandle open_pg_connection(const ConnectSpec& spec) {
  const std::string endpoint = pg_endpoint(spec.host);
  const Deadline deadline = deadline_after(spec.connect_timeout);
  ConnectKeywords options;
  const std::string& host = spec.host.host;
  if (text::is_ip_literal(host)) {
    options.add("host", host);
    options.add("hostaddr", host);
  } else if (host.empty() || host.front() == '/' || spec.native_options.contains("hostaddr")) {
    options.add("host", host);  // a Unix-domain socket folder, or the caller chose the address
  } else {
    // libpq would resolve the name itself, blocking, outside the deadline. Each address becomes
    // a host of its own, tried in the resolver's order as libpq would; `host` stays the name
    // for TLS verification and the server's view.
    const HostAddressLists lists = host_address_lists(
        host, spec.addresses.empty() ? resolve_host(host, deadline, endpoint) : spec.addresses);
    options.add("host", lists.hosts);
    options.add("hostaddr", lists.addresses);
  }
  options.add("port", std::to_string(spec.host.port != 0 ? spec.host.port : kPgDefaultPort));
  options.add("user", spec.user);
  options.add("password", spec.password);
  options.add("dbname", spec.database);
  for (const auto& [keyword, value] : spec.native_options) options.add(keyword, value);
  const auto [keywords, values] = options.arrays();

  PgConnHandle conn(PQconnectStartParams(keywords.data(), values.data(), /*expand_dbname=*/0));
  if (!conn)
    throw ConnectError("out of memory starting a connection to " + endpoint, {}, 0, endpoint);
  if (PQstatus(conn.get()) == CONNECTION_BAD) {
    const std::string message = tidy_pg_message(PQerrorMessage(conn.get()));
    if (std::optional<std::string> option = rejected_connection_option(message)) {
      throw ConfigError("PostgreSQL connection option rejected by libpq: " + message, *option);
    }
    throw_connect_failure(conn.get(), endpoint);
  }
  PQsetErrorVerbosity(conn.get(), PQERRORS_VERBOSE);
  PQsetNoticeProcessor(conn.get(), log_pg_notice, nullptr);

  // PQconnectStart behaves as if PQconnectPoll had last asked to wait for writing.
  PostgresPollingStatusType status = PGRES_POLLING_WRITING;
  while (status != PGRES_POLLING_OK) {
    if (status == PGRES_POLLING_FAILED) throw_connect_failure(conn.get(), endpoint);
    // Read the socket afresh each time: libpq opens a new one for each address it tries.
    const int socket = PQsocket(conn.get());
    if (socket < 0) throw_connect_failure(conn.get(), endpoint);
    switch (wait_for_socket(socket, status == PGRES_POLLING_READING,
                            status == PGRES_POLLING_WRITING, deadline)) {
      case SocketWaitResult::kReady:
        break;
      case SocketWaitResult::kTimedOut:
        throw ConnectError("timed out connecting to " + endpoint + " (connect_timeout " +
                               std::to_string(spec.connect_timeout.count()) + " ms)",
                           {}, 0, endpoint);
      case SocketWaitResult::kFailed:
        throw ConnectError("waiting for the socket failed while connecting to " + endpoint + ": " +
                               std::system_category().message(errno),
                           {}, 0, endpoint);
    }
    status = PQconnectPoll(conn.get());
  }

  PQsetErrorVerbosity(conn.get(), PQERRORS_DEFAULT);
  if (PQsetnonblocking(conn.get(), 1) != 0) {
    throw ConnectError("could not switch the connection to " + endpoint +
                           " to non-blocking mode: " + tidy_pg_message(PQerrorMessage(conn.get())),
                       {}, 0, endpoint);
  }
  AWRAP_LOG(kDebug) << "connected to " << endpoint << " (backend pid " << PQbackendPID(conn.get())
                    << ")";
  return conn;
}

}  // namespace awrap::internal::pg
