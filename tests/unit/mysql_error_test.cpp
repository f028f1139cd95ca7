#include "driver/mysql/mysql_error.hpp"

#include <gtest/gtest.h>

#include <string>
#include <typeinfo>

#include "awrap/errors.hpp"

namespace awrap::internal::mysql {
namespace {

struct ClassificationCase {
  unsigned int code;
  const char* sqlstate;
  MysqlErrorClass expected;
  const char* why;
  const char* message = "";
};

// Every class, and the traps other drivers fell into: "08" must be a prefix, HY000 alone means
// nothing, a cancel (70100) is not a lost connection, but a killed connection (1927, also 70100)
// is.
const ClassificationCase kCases[] = {
    {2002, "HY000", MysqlErrorClass::kConnectionLost, "cannot connect"},
    {2003, "HY000", MysqlErrorClass::kConnectionLost, "cannot connect to host"},
    {2006, "HY000", MysqlErrorClass::kConnectionLost, "server gone"},
    {2013, "HY000", MysqlErrorClass::kConnectionLost, "lost during query"},
    {2055, "HY000", MysqlErrorClass::kConnectionLost, "lost, extended"},
    {5013, "HY000", MysqlErrorClass::kConnectionLost, "net read"},
    {5014, "HY000", MysqlErrorClass::kConnectionLost, "net write"},
    {1053, "08S01", MysqlErrorClass::kConnectionLost, "server shutdown"},
    {1927, "70100", MysqlErrorClass::kConnectionLost, "connection killed shares 70100"},
    {1152, "08S01", MysqlErrorClass::kConnectionLost, "aborting connection"},
    {1040, "08004", MysqlErrorClass::kConnectionLost, "08 prefix: too many connections"},
    {9999, "08S01", MysqlErrorClass::kConnectionLost, "08 prefix, unknown code"},
    {9999, "08003", MysqlErrorClass::kConnectionLost, "08 prefix, not equality with 08"},
    {1045, "28000", MysqlErrorClass::kLoginFailed, "access denied"},
    {1044, "42000", MysqlErrorClass::kLoginFailed, "database access denied"},
    {1698, "28000", MysqlErrorClass::kLoginFailed, "no password"},
    {1251, "08004", MysqlErrorClass::kLoginFailed, "auth mode: code wins over 08"},
    {9999, "28000", MysqlErrorClass::kLoginFailed, "28 prefix"},
    {5010, "HY000", MysqlErrorClass::kLoginFailed, "auth plugin not allowed"},
    {1317, "70100", MysqlErrorClass::kCancelled, "KILL QUERY"},
    {1969, "70100", MysqlErrorClass::kCancelled, "max_statement_time"},
    {3024, "HY000", MysqlErrorClass::kCancelled, "max_execution_time"},
    {9999, "70100", MysqlErrorClass::kCancelled, "70100 without a code"},
    {1290, "HY000", MysqlErrorClass::kReadOnly, "--read-only",
     "The MariaDB server is running with the --read-only option so it cannot execute this "
     "statement"},
    {1290, "HY000", MysqlErrorClass::kReadOnly, "--super-read-only",
     "The MySQL server is running with the --super-read-only option so it cannot execute this "
     "statement"},
    {1290, "HY000", MysqlErrorClass::kQueryError, "1290 names another option: not read-only",
     "The MySQL server is running with the --secure-file-priv option so it cannot execute this "
     "statement"},
    {1153, "08S01", MysqlErrorClass::kQueryError,
     "packet too large: the statement's fault, though its SQLSTATE is 08S01"},
    {1130, "HY000", MysqlErrorClass::kLoginFailed,
     "host not privileged: the server is up, this client may not log in"},
    {1836, "HY000", MysqlErrorClass::kReadOnly, "read-only mode"},
    {1792, "25006", MysqlErrorClass::kReadOnly, "read-only transaction"},
    {9999, "25006", MysqlErrorClass::kReadOnly, "25006 without a code"},
    {1064, "42000", MysqlErrorClass::kQueryError, "syntax error"},
    {1062, "23000", MysqlErrorClass::kQueryError, "duplicate key"},
    {1213, "40001", MysqlErrorClass::kQueryError, "deadlock"},
    {1205, "HY000", MysqlErrorClass::kQueryError, "HY000 is not a network error"},
    {2014, "HY000", MysqlErrorClass::kQueryError, "commands out of sync"},
    {1146, "42S02", MysqlErrorClass::kQueryError, "no such table"},
    {0, "", MysqlErrorClass::kQueryError, "nothing known"},
    {1, "0800", MysqlErrorClass::kConnectionLost, "short 08 string still a prefix"},
    {1, "8000", MysqlErrorClass::kQueryError, "not 08"},
};

TEST(MysqlErrorClassification, Table) {
  for (const ClassificationCase& c : kCases) {
    EXPECT_EQ(classify_mysql_error(c.code, c.sqlstate, c.message), c.expected)
        << c.code << " " << c.sqlstate << " (" << c.why << "): got "
        << to_string(classify_mysql_error(c.code, c.sqlstate, c.message));
  }
}

template <typename Expected>
void expect_throws(MysqlPhase phase, unsigned int code, const char* sqlstate,
                   const char* message = "server text") {
  try {
    throw_mysql_error(phase, {code, sqlstate, message}, "query", "db1:3306");
    FAIL() << "no exception for " << code;
  } catch (const Error& e) {
    EXPECT_EQ(typeid(e), typeid(Expected)) << code << " threw " << typeid(e).name();
    EXPECT_EQ(e.native_code(), static_cast<int>(code));
    EXPECT_EQ(e.sqlstate(), sqlstate);
    EXPECT_EQ(e.host(), "db1:3306");
    const std::string what = e.what();
    EXPECT_NE(what.find(message), std::string::npos) << what;
    EXPECT_NE(what.find("db1:3306"), std::string::npos) << what;
    EXPECT_NE(what.find(std::to_string(code)), std::string::npos) << what;
  }
}

TEST(MysqlErrorThrow, StatementPhaseMapsEveryClass) {
  expect_throws<ConnectionLostError>(MysqlPhase::kStatement, 2013, "HY000");
  expect_throws<ConnectionLostError>(MysqlPhase::kStatement, 1927, "70100");
  expect_throws<QueryCancelledError>(MysqlPhase::kStatement, 1317, "70100");
  expect_throws<ReadOnlyViolationError>(MysqlPhase::kStatement, 1290, "HY000",
                                        "server text: running with the --read-only option");
  expect_throws<QueryError>(MysqlPhase::kStatement, 1290, "HY000",
                            "server text: running with the --secure-file-priv option");
  expect_throws<QueryError>(MysqlPhase::kStatement, 1153, "08S01");
  expect_throws<ReadOnlyViolationError>(MysqlPhase::kStatement, 1792, "25006");
  expect_throws<QueryError>(MysqlPhase::kStatement, 1062, "23000");
  expect_throws<QueryError>(MysqlPhase::kStatement, 1044, "42000");
}

TEST(MysqlErrorThrow, ConnectPhaseIsConnectOrAuthError) {
  expect_throws<AuthError>(MysqlPhase::kConnect, 1045, "28000");
  expect_throws<AuthError>(MysqlPhase::kConnect, 1698, "28000");
  expect_throws<AuthError>(MysqlPhase::kConnect, 1130, "HY000");
  expect_throws<ConnectError>(MysqlPhase::kConnect, 2003, "HY000");
  expect_throws<ConnectError>(MysqlPhase::kConnect, 1049, "42000");  // unknown database
  expect_throws<ConnectError>(MysqlPhase::kConnect, 1040, "08004");
}

TEST(MysqlErrorThrow, EmptySqlstateIsLeftOutOfTheMessage) {
  try {
    throw_mysql_error(MysqlPhase::kStatement, {2013, "", "Lost connection"}, "query", "h:1");
    FAIL() << "no exception";
  } catch (const ConnectionLostError& e) {
    EXPECT_EQ(std::string(e.what()), "query on h:1: Lost connection (MySQL error 2013)");
  }
}

}  // namespace
}  // namespace awrap::internal::mysql
