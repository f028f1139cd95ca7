#include "driver/pg/pg_error.hpp"

#include <array>
#include <cctype>

#include "awrap/errors.hpp"

namespace awrap::internal::pg {
namespace {

bool contains(std::string_view text, std::string_view part) noexcept {
  return text.find(part) != std::string_view::npos;
}

// libpq's own texts for a refused login (no SQLSTATE reaches us for those in non-verbose mode).
bool is_login_failure_message(std::string_view message) noexcept {
  static constexpr std::array<std::string_view, 6> kLoginFailureTexts = {
      "password authentication failed",
      "authentication failed for user",  // PAM, ident, peer, LDAP, RADIUS, cert …
      "no pg_hba.conf entry",
      "pg_hba.conf rejects connection",
      "fe_sendauth: no password supplied",
      "password retrieved from file",  // "… for user … was not accepted"
  };
  for (std::string_view text : kLoginFailureTexts) {
    if (contains(message, text)) return true;
  }
  return false;
}

// libpq's own texts when the socket died under it.
bool is_connection_loss_message(std::string_view message) noexcept {
  static constexpr std::array<std::string_view, 10> kLossTexts = {
      "server closed the connection unexpectedly",
      "no connection to the server",
      "connection to server was lost",
      "could not receive data from server",
      "could not send data to server",
      "terminating connection",
      "SSL SYSCALL error",
      "SSL connection has been closed unexpectedly",
      "lost synchronization with server",
      "connection not open",
  };
  for (std::string_view text : kLossTexts) {
    if (contains(message, text)) return true;
  }
  return false;
}

bool is_sqlstate_char(char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z');
}

// The text between the first pair of double quotes at or after `from`, if any.
std::optional<std::string> quoted_after(std::string_view message, std::size_t from) {
  std::size_t open = message.find('"', from);
  if (open == std::string_view::npos) return std::nullopt;
  std::size_t close = message.find('"', open + 1);
  if (close == std::string_view::npos) return std::nullopt;
  return std::string(message.substr(open + 1, close - open - 1));
}

}  // namespace

const char* to_string(PgErrorClass error_class) noexcept {
  switch (error_class) {
    case PgErrorClass::kConnectionLost:
      return "connection-lost";
    case PgErrorClass::kLoginFailed:
      return "login-failed";
    case PgErrorClass::kCancelled:
      return "cancelled";
    case PgErrorClass::kReadOnlyViolation:
      return "read-only-violation";
    case PgErrorClass::kQuery:
      return "query";
  }
  return "query";
}

PgErrorClass classify_pg_error(std::string_view sqlstate, bool connection_bad,
                               std::string_view message) noexcept {
  // Class 28 is "invalid authorization specification": 28000 and 28P01.
  if (sqlstate.starts_with("28")) return PgErrorClass::kLoginFailed;
  if (sqlstate.empty() && is_login_failure_message(message)) return PgErrorClass::kLoginFailed;

  // Class 08 is "connection exception" as a whole (08000, 08003, 08006, 08001, 08004, 08P01 …).
  if (sqlstate.starts_with("08")) return PgErrorClass::kConnectionLost;
  // admin_shutdown, crash_shutdown, cannot_connect_now: the server is going away.
  if (sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03") {
    return PgErrorClass::kConnectionLost;
  }
  // Whatever the statement's error was, a connection libpq gave up on cannot be used again.
  if (connection_bad) return PgErrorClass::kConnectionLost;
  if (sqlstate.empty() && is_connection_loss_message(message)) {
    return PgErrorClass::kConnectionLost;
  }

  if (sqlstate == "57014") return PgErrorClass::kCancelled;
  if (sqlstate == "25006") return PgErrorClass::kReadOnlyViolation;
  return PgErrorClass::kQuery;
}

PgErrorClass classify_pg_statement_error(std::string_view sqlstate, std::string_view severity,
                                         bool connection_bad, std::string_view message) noexcept {
  const bool session_survives = severity == "ERROR" && !connection_bad;
  if (session_survives && (sqlstate.starts_with("08") || sqlstate.starts_with("28")))
    return PgErrorClass::kQuery;
  return classify_pg_error(sqlstate, connection_bad, message);
}

void throw_pg_statement_error(PgErrorClass error_class, const std::string& message,
                              std::string sqlstate, std::string host) {
  switch (error_class) {
    case PgErrorClass::kConnectionLost:
      throw ConnectionLostError(message, std::move(sqlstate), 0, std::move(host));
    case PgErrorClass::kLoginFailed:
      throw AuthError(message, std::move(sqlstate), 0, std::move(host));
    case PgErrorClass::kCancelled:
      throw QueryCancelledError(message, std::move(sqlstate), 0, std::move(host));
    case PgErrorClass::kReadOnlyViolation:
      throw ReadOnlyViolationError(message, std::move(sqlstate), 0, std::move(host));
    case PgErrorClass::kQuery:
      break;
  }
  throw QueryError(message, std::move(sqlstate), 0, std::move(host));
}

void throw_pg_connect_error(PgErrorClass error_class, const std::string& message,
                            std::string sqlstate, std::string host) {
  if (error_class == PgErrorClass::kLoginFailed) {
    throw AuthError(message, std::move(sqlstate), 0, std::move(host));
  }
  throw ConnectError(message, std::move(sqlstate), 0, std::move(host));
}

std::string sqlstate_from_verbose_message(std::string_view message) {
  // Verbose layout: "<SEVERITY>:  <SQLSTATE>: <primary message>". Severities sent before or
  // instead of the statement's error (e.g. a NOTICE) do not appear in connection errors.
  for (std::string_view severity : {"FATAL:  ", "ERROR:  ", "PANIC:  "}) {
    std::size_t at = message.find(severity);
    while (at != std::string_view::npos) {
      std::size_t code = at + severity.size();
      if (code + 6 <= message.size() && message[code + 5] == ':') {
        std::string_view candidate = message.substr(code, 5);
        bool valid = true;
        for (char c : candidate) valid = valid && is_sqlstate_char(c);
        if (valid) return std::string(candidate);
      }
      at = message.find(severity, at + 1);
    }
  }
  return {};
}

std::string tidy_pg_message(std::string_view message) {
  std::string tidy;
  tidy.reserve(message.size());
  std::size_t start = 0;
  while (start < message.size()) {
    std::size_t end = message.find('\n', start);
    if (end == std::string_view::npos) end = message.size();
    std::string_view line = message.substr(start, end - start);
    if (!line.starts_with("LOCATION:")) {
      if (!tidy.empty()) tidy += '\n';
      tidy += line;
    }
    start = end + 1;
  }
  while (!tidy.empty() && std::isspace(static_cast<unsigned char>(tidy.back()))) tidy.pop_back();
  return tidy;
}

std::optional<std::string> rejected_connection_option(std::string_view message) {
  constexpr std::string_view kInvalidOption = "invalid connection option ";
  if (std::size_t at = message.find(kInvalidOption); at != std::string_view::npos) {
    return quoted_after(message, at + kInvalidOption.size());
  }
  constexpr std::string_view kForOption = " for connection option ";
  if (std::size_t at = message.find(kForOption); at != std::string_view::npos) {
    return quoted_after(message, at + kForOption.size());
  }
  // "invalid sslmode value: "bogus"" (also channel_binding, gssencmode, target_session_attrs …)
  constexpr std::string_view kInvalid = "invalid ";
  constexpr std::string_view kValue = " value: ";
  if (std::size_t at = message.find(kInvalid); at != std::string_view::npos) {
    std::size_t name_start = at + kInvalid.size();
    std::size_t value_at = message.find(kValue, name_start);
    if (value_at != std::string_view::npos) {
      std::string_view name = message.substr(name_start, value_at - name_start);
      if (!name.empty() && name.find(' ') == std::string_view::npos) return std::string(name);
    }
  }
  return std::nullopt;
}

}  // namespace awrap::internal::pg
