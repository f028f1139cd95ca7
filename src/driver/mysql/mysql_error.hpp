// Classification of MySQL/MariaDB errors into awrap's error types.
//
//   classify_mysql_error(2013, "HY000", "Lost connection") == MysqlErrorClass::kConnectionLost
//   throw_mysql_error(MysqlPhase::kStatement, {1062, "23000", "Duplicate entry"}, "query", host);
//
// classify_mysql_error is a pure function of the native error number, the SQLSTATE and (for 1290,
// which names the server option that refused the statement) the message, so the
// whole table is unit-tested without a server (tests/unit/mysql_error_test.cpp). The error number
// decides first: Connector/C reports its own client errors (2013 "lost connection", …) with the
// catch-all SQLSTATE HY000, which therefore never means anything by itself.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace awrap::internal::mysql {

enum class MysqlErrorClass : std::uint8_t {
  kConnectionLost,  // the session is gone: network error, server shutdown, connection killed
  kLoginFailed,     // credentials refused or the account may not log in
  kCancelled,       // KILL QUERY or a statement timeout stopped the statement
  kReadOnly,        // a write on a read-only server or in a read-only transaction
  kQueryError,      // anything else: the statement failed, the session is still usable
};

const char* to_string(MysqlErrorClass error_class) noexcept;

// Pure: the same inputs always give the same class. sqlstate and message may be empty.
MysqlErrorClass classify_mysql_error(unsigned int native_code, std::string_view sqlstate,
                                     std::string_view message);

// Where the error happened; the same class maps to different awrap errors while connecting.
enum class MysqlPhase : std::uint8_t { kConnect, kStatement };

struct MysqlErrorInfo {
  unsigned int native_code = 0;
  std::string sqlstate;
  std::string message;  // the driver's or server's text; never contains the password
};

// Throws the awrap error for info: while connecting, AuthError for a login failure and
// ConnectError otherwise; on a live session ConnectionLostError, QueryCancelledError,
// ReadOnlyViolationError or QueryError (a login-class error on a live session, such as 1044 for
// USE, leaves the session usable and is a QueryError). The message reads
// "<action> on <host>: <text> (MySQL error <n>, SQLSTATE <s>)"; sqlstate, native_code and host
// are set on the exception.
[[noreturn]] void throw_mysql_error(MysqlPhase phase, const MysqlErrorInfo& info,
                                    std::string_view action, const std::string& host);

}  // namespace awrap::internal::mysql
