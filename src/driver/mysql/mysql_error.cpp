#include "driver/mysql/mysql_error.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

#include "awrap/errors.hpp"

namespace awrap::internal::mysql {
namespace {

// The session can no longer be used. Client errors (2xxx, 5xxx) come from Connector/C itself.
constexpr std::array<unsigned int, 17> kConnectionLostCodes = {
    2002,  // CR_CONNECTION_ERROR: cannot connect
    2003,  // CR_CONN_HOST_ERROR: cannot connect to host
    2005,  // CR_UNKNOWN_HOST
    2006,  // CR_SERVER_GONE_ERROR: gone between statements
    2011,  // CR_TCP_CONNECTION
    2012,  // CR_SERVER_HANDSHAKE_ERR
    2013,  // CR_SERVER_LOST: lost during a statement
    2026,  // CR_SSL_CONNECTION_ERROR
    2027,  // CR_MALFORMED_PACKET: the stream can no longer be trusted
    2055,  // CR_SERVER_LOST_EXTENDED
    5013,  // CR_ERR_NET_READ
    5014,  // CR_ERR_NET_WRITE
    1053,  // ER_SERVER_SHUTDOWN
    1152,  // ER_ABORTING_CONNECTION
    1184,  // ER_NEW_ABORTING_CONNECTION
    1927,  // ER_CONNECTION_KILLED (SQLSTATE 70100, the same class as a query kill: decide by code)
    4031,  // MySQL 8 ER_CLIENT_INTERACTION_TIMEOUT: disconnected for inactivity
};

constexpr std::array<unsigned int, 3> kCancelledCodes = {
    1317,  // ER_QUERY_INTERRUPTED: KILL QUERY
    1969,  // MariaDB ER_STATEMENT_TIMEOUT: max_statement_time exceeded
    3024,  // MySQL ER_QUERY_TIMEOUT: max_execution_time exceeded
};

// 1290 ER_OPTION_PREVENTS_STATEMENT names the server option in its message: read-only only when
// that option is --read-only / --super-read-only (see option_is_read_only).
constexpr unsigned int kOptionPreventsStatement = 1290;

constexpr std::array<unsigned int, 2> kReadOnlyCodes = {
    1792,  // ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION
    1836,  // ER_READ_ONLY_MODE
};

// Errors about this statement or this client, whatever their SQLSTATE says.
constexpr std::array<unsigned int, 1> kStatementCodes = {
    1153,  // ER_NET_PACKET_TOO_LARGE (08S01): the statement exceeds max_allowed_packet; running it
           // again on another host fails the same way
};

constexpr std::array<unsigned int, 10> kLoginFailedCodes = {
    1044,  // ER_DBACCESS_DENIED_ERROR: the account may not use the database
    1045,  // ER_ACCESS_DENIED_ERROR
    1130,  // ER_HOST_NOT_PRIVILEGED: no account for this client's address (the server is up)
    1251,  // ER_NOT_SUPPORTED_AUTH_MODE
    1275,  // ER_SERVER_IS_IN_SECURE_AUTH_MODE
    1698,  // ER_ACCESS_DENIED_NO_PASSWORD_ERROR
    1862,  // ER_MUST_CHANGE_PASSWORD_LOGIN
    2049,  // CR_SECURE_AUTH: old authentication refused by the client
    2059,  // CR_AUTH_PLUGIN_CANNOT_LOAD
    5010,  // CR_PLUGIN_NOT_ALLOWED: the server asked for a method restricted_auth refuses
};

template <std::size_t N>
bool contains(const std::array<unsigned int, N>& codes, unsigned int code) {
  return std::find(codes.begin(), codes.end(), code) != codes.end();
}

// "The MySQL server is running with the --read-only option so it cannot execute this statement"
// (also --super-read-only); the same error names --secure-file-priv, --skip-grant-tables, ...
bool option_is_read_only(std::string_view message) {
  std::string lower(message);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower.find("read-only") != std::string::npos ||
         lower.find("read_only") != std::string::npos;
}

}  // namespace

const char* to_string(MysqlErrorClass error_class) noexcept {
  switch (error_class) {
    case MysqlErrorClass::kConnectionLost:
      return "connection lost";
    case MysqlErrorClass::kLoginFailed:
      return "login failed";
    case MysqlErrorClass::kCancelled:
      return "cancelled";
    case MysqlErrorClass::kReadOnly:
      return "read-only";
    case MysqlErrorClass::kQueryError:
      return "query error";
  }
  return "unknown";
}

MysqlErrorClass classify_mysql_error(unsigned int native_code, std::string_view sqlstate,
                                     std::string_view message) {
  if (contains(kStatementCodes, native_code)) return MysqlErrorClass::kQueryError;
  if (native_code == kOptionPreventsStatement)
    return option_is_read_only(message) ? MysqlErrorClass::kReadOnly : MysqlErrorClass::kQueryError;
  if (contains(kConnectionLostCodes, native_code)) return MysqlErrorClass::kConnectionLost;
  if (contains(kCancelledCodes, native_code)) return MysqlErrorClass::kCancelled;
  if (contains(kReadOnlyCodes, native_code)) return MysqlErrorClass::kReadOnly;
  if (contains(kLoginFailedCodes, native_code)) return MysqlErrorClass::kLoginFailed;
  // SQLSTATE classes: 08xxx is the whole "connection exception" class (08S01, 08004, …).
  if (sqlstate.starts_with("08")) return MysqlErrorClass::kConnectionLost;
  if (sqlstate.starts_with("28")) return MysqlErrorClass::kLoginFailed;
  if (sqlstate == "25006") return MysqlErrorClass::kReadOnly;
  if (sqlstate == "70100") return MysqlErrorClass::kCancelled;
  return MysqlErrorClass::kQueryError;
}

void throw_mysql_error(MysqlPhase phase, const MysqlErrorInfo& info, std::string_view action,
                       const std::string& host) {
  std::string message = std::string(action) + " on " + host + ": " + info.message +
                        " (MySQL error " + std::to_string(info.native_code);
  if (!info.sqlstate.empty()) message += ", SQLSTATE " + info.sqlstate;
  message += ")";
  const int code = static_cast<int>(info.native_code);
  const MysqlErrorClass error_class =
      classify_mysql_error(info.native_code, info.sqlstate, info.message);

  if (phase == MysqlPhase::kConnect) {
    if (error_class == MysqlErrorClass::kLoginFailed)
      throw AuthError(message, info.sqlstate, code, host);
    throw ConnectError(message, info.sqlstate, code, host);
  }
  switch (error_class) {
    case MysqlErrorClass::kConnectionLost:
      throw ConnectionLostError(message, info.sqlstate, code, host);
    case MysqlErrorClass::kCancelled:
      throw QueryCancelledError(message, info.sqlstate, code, host);
    case MysqlErrorClass::kReadOnly:
      throw ReadOnlyViolationError(message, info.sqlstate, code, host);
    case MysqlErrorClass::kLoginFailed:
    case MysqlErrorClass::kQueryError:
      break;
  }
  throw QueryError(message, info.sqlstate, code, host);
}

}  // namespace awrap::internal::mysql
