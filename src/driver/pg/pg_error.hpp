// Classification of libpq failures into awrap's error types.
//
//   PgErrorClass c = classify_pg_error(sqlstate, PQstatus(conn) == CONNECTION_BAD, message);
//   throw_pg_statement_error(c, message, sqlstate, "db1:5432");  // throws ConnectionLostError …
//
// Pure functions (no libpq calls), so every rule is unit-tested without a server
// (tests/unit/pg_error_test.cpp). The rules avoid the peers' classification bugs: class "08" is
// a prefix, not one value; ODBC-style HY* states are ordinary query errors; a cancel (57014) is
// never a network loss.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace awrap::internal::pg {

enum class PgErrorClass : std::uint8_t {
  kConnectionLost,     // class 08, 57P01/57P02/57P03, or the connection itself is bad
  kLoginFailed,        // class 28 (28000, 28P01) or libpq's authentication messages
  kCancelled,          // 57014: cancel request or statement_timeout
  kReadOnlyViolation,  // 25006: write in a read-only transaction (e.g. on a standby)
  kQuery,              // anything else; the connection is still usable
};

const char* to_string(PgErrorClass error_class) noexcept;

// sqlstate: the five-character SQLSTATE or empty when libpq produced the error itself.
// connection_bad: PQstatus(conn) == CONNECTION_BAD after the failure.
// message: libpq's error text, used only when there is no SQLSTATE.
// Login failure wins over connection_bad (the server closes the connection after refusing a
// login); otherwise a bad connection is always a loss, whatever the SQLSTATE says.
PgErrorClass classify_pg_error(std::string_view sqlstate, bool connection_bad,
                               std::string_view message) noexcept;

// The class of a statement's error, judged by what happened to our own session as well as by the
// SQLSTATE. severity: the error's non-localized severity ("ERROR", "FATAL", "PANIC"; empty when
// libpq made the error itself). An ERROR leaves the session usable, so on a connection libpq
// still holds good, class 08 (and 28) are about some other connection the statement made —
// postgres_fdw or dblink reaching a dead remote server — and are query errors, never a reason to
// fail over. Everything else is classify_pg_error.
PgErrorClass classify_pg_statement_error(std::string_view sqlstate, std::string_view severity,
                                         bool connection_bad, std::string_view message) noexcept;

// Throws the awrap error of the class for a failure after the connection was established:
// ConnectionLostError, AuthError, QueryCancelledError, ReadOnlyViolationError or QueryError,
// with sqlstate and host ("host:port") set.
[[noreturn]] void throw_pg_statement_error(PgErrorClass error_class, const std::string& message,
                                           std::string sqlstate, std::string host);

// Throws the awrap error for a failed connection attempt: AuthError for a login failure,
// ConnectError for everything else.
[[noreturn]] void throw_pg_connect_error(PgErrorClass error_class, const std::string& message,
                                         std::string sqlstate, std::string host);

// The SQLSTATE in a message built with PQERRORS_VERBOSE ("FATAL:  28P01: password …"), or
// empty. libpq has no SQLSTATE accessor for connection failures; verbose messages carry it.
std::string sqlstate_from_verbose_message(std::string_view message);

// The message without libpq's trailing newline and without the "LOCATION:" lines of verbose
// messages (server source positions: noise to a user).
std::string tidy_pg_message(std::string_view message);

// When libpq rejected the connection options themselves (PQconnectStartParams failed before any
// network traffic), the option at fault: "invalid connection option "foo"" -> "foo",
// "invalid sslmode value: "x"" -> "sslmode", "invalid integer value "x" for connection option
// "port"" -> "port". nullopt when the message is not about an option.
std::optional<std::string> rejected_connection_option(std::string_view message);

}  // namespace awrap::internal::pg
