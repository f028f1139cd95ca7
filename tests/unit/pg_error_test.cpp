// Classification of libpq failures (src/driver/pg/pg_error.hpp): one table row per rule, including
// the peers' known misclassifications.
#include "driver/pg/pg_error.hpp"

#include <gtest/gtest.h>

#include "awrap/errors.hpp"

namespace awrap::internal::pg {
namespace {

struct ClassificationCase {
  const char* why;
  const char* sqlstate;
  bool connection_bad;
  const char* message;
  PgErrorClass expected;
};

const ClassificationCase kCases[] = {
    // Network loss: class 08 is matched as a prefix, not as one value.
    {"08000 connection_exception", "08000", false, "", PgErrorClass::kConnectionLost},
    {"08003 connection_does_not_exist", "08003", false, "", PgErrorClass::kConnectionLost},
    {"08006 connection_failure", "08006", false, "", PgErrorClass::kConnectionLost},
    {"08001 cannot establish", "08001", false, "", PgErrorClass::kConnectionLost},
    {"08004 server rejected", "08004", false, "", PgErrorClass::kConnectionLost},
    {"08P01 protocol_violation", "08P01", false, "", PgErrorClass::kConnectionLost},
    {"57P01 admin_shutdown", "57P01", false, "terminating connection due to administrator command",
     PgErrorClass::kConnectionLost},
    {"57P02 crash_shutdown", "57P02", false, "", PgErrorClass::kConnectionLost},
    {"57P03 cannot_connect_now", "57P03", false, "the database system is starting up",
     PgErrorClass::kConnectionLost},
    {"no SQLSTATE, connection bad", "", true, "", PgErrorClass::kConnectionLost},
    {"no SQLSTATE, EOF text", "", false,
     "server closed the connection unexpectedly\n\tThis probably means the server terminated",
     PgErrorClass::kConnectionLost},
    {"no SQLSTATE, receive failure", "", false,
     "could not receive data from server: Connection reset", PgErrorClass::kConnectionLost},
    {"no SQLSTATE, no connection", "", false, "no connection to the server",
     PgErrorClass::kConnectionLost},
    {"query error but connection bad", "42601", true, "syntax error",
     PgErrorClass::kConnectionLost},
    {"cancel with connection bad is a loss", "57014", true, "canceling statement",
     PgErrorClass::kConnectionLost},
    // Login failure, even though the server closes the connection after refusing it.
    {"28P01 invalid_password", "28P01", true, "password authentication failed for user \"x\"",
     PgErrorClass::kLoginFailed},
    {"28000 invalid_authorization", "28000", true, "no pg_hba.conf entry",
     PgErrorClass::kLoginFailed},
    {"no SQLSTATE, password text", "", true,
     "connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  password authentication "
     "failed for user \"awrap\"",
     PgErrorClass::kLoginFailed},
    {"no SQLSTATE, no password supplied", "", true, "fe_sendauth: no password supplied",
     PgErrorClass::kLoginFailed},
    {"no SQLSTATE, pg_hba", "", true, "FATAL:  no pg_hba.conf entry for host",
     PgErrorClass::kLoginFailed},
    // Cancel is a cancel, never a network loss.
    {"57014 query_canceled", "57014", false, "canceling statement due to user request",
     PgErrorClass::kCancelled},
    {"57014 statement_timeout", "57014", false, "canceling statement due to statement timeout",
     PgErrorClass::kCancelled},
    // Read-only violation.
    {"25006 read_only_sql_transaction", "25006", false,
     "cannot execute INSERT in a read-only transaction", PgErrorClass::kReadOnlyViolation},
    // Ordinary query errors.
    {"42601 syntax_error", "42601", false, "syntax error at or near \"SELEC\"",
     PgErrorClass::kQuery},
    {"23505 unique_violation", "23505", false, "duplicate key value", PgErrorClass::kQuery},
    {"25P02 in_failed_sql_transaction", "25P02", false, "current transaction is aborted",
     PgErrorClass::kQuery},
    {"40001 serialization_failure", "40001", false, "", PgErrorClass::kQuery},
    {"57P04 is not 57P0[1-3]", "57P04", false, "", PgErrorClass::kQuery},
    {"HY000 is not a network state", "HY000", false, "general error", PgErrorClass::kQuery},
    {"HYT00 is not a network state", "HYT00", false, "timeout expired", PgErrorClass::kQuery},
    {"80xxx is not class 08", "80000", false, "", PgErrorClass::kQuery},
    {"a statement mentioning 'server closed' with a SQLSTATE", "P0001", false,
     "server closed the connection unexpectedly", PgErrorClass::kQuery},
    {"no SQLSTATE, unknown text, connection fine", "", false, "something odd",
     PgErrorClass::kQuery},
};

TEST(PgErrorClassification, EveryRule) {
  for (const ClassificationCase& c : kCases) {
    EXPECT_EQ(classify_pg_error(c.sqlstate, c.connection_bad, c.message), c.expected)
        << c.why << ": got "
        << to_string(classify_pg_error(c.sqlstate, c.connection_bad, c.message)) << ", want "
        << to_string(c.expected);
  }
}

template <typename Expected>
void expect_statement_error(PgErrorClass error_class) {
  try {
    throw_pg_statement_error(error_class, "boom", "12345", "db1:5432");
  } catch (const Expected& e) {
    EXPECT_EQ(e.sqlstate(), "12345");
    EXPECT_EQ(e.host(), "db1:5432");
    EXPECT_STREQ(e.what(), "boom");
    return;
  } catch (const std::exception& e) {
    ADD_FAILURE() << to_string(error_class) << " threw the wrong type: " << e.what();
  }
}

// Issue 12, defect 6: an 08 or 28 error that leaves our own session alive (severity ERROR on a
// good connection) comes from a connection the statement made (postgres_fdw, dblink).
TEST(PgErrorClassification, RemoteConnectionErrorsOnAHealthySessionAreQueryErrors) {
  EXPECT_EQ(classify_pg_statement_error("08001", "ERROR", false, "could not establish connection"),
            PgErrorClass::kQuery);
  EXPECT_EQ(classify_pg_statement_error("08006", "ERROR", false, "remote server closed"),
            PgErrorClass::kQuery);
  EXPECT_EQ(classify_pg_statement_error("28P01", "ERROR", false, "password authentication failed"),
            PgErrorClass::kQuery);
  // Our own session ending is still a loss, whatever the severity says.
  EXPECT_EQ(classify_pg_statement_error("08006", "ERROR", true, ""), PgErrorClass::kConnectionLost);
  EXPECT_EQ(classify_pg_statement_error("08P01", "FATAL", false, "protocol violation"),
            PgErrorClass::kConnectionLost);
  EXPECT_EQ(classify_pg_statement_error("57P01", "FATAL", false, "terminating connection"),
            PgErrorClass::kConnectionLost);
  EXPECT_EQ(classify_pg_statement_error("", "", false, "server closed the connection unexpectedly"),
            PgErrorClass::kConnectionLost);
  EXPECT_EQ(classify_pg_statement_error("25006", "ERROR", false, ""),
            PgErrorClass::kReadOnlyViolation);
}

TEST(PgErrorClassification, StatementErrorsHaveTheMatchingType) {
  expect_statement_error<ConnectionLostError>(PgErrorClass::kConnectionLost);
  expect_statement_error<AuthError>(PgErrorClass::kLoginFailed);
  expect_statement_error<QueryCancelledError>(PgErrorClass::kCancelled);
  expect_statement_error<ReadOnlyViolationError>(PgErrorClass::kReadOnlyViolation);
  expect_statement_error<QueryError>(PgErrorClass::kQuery);
  // A plain query error must not be one of the more specific kinds.
  try {
    throw_pg_statement_error(PgErrorClass::kQuery, "x", "23505", "h:1");
  } catch (const QueryCancelledError&) {
    ADD_FAILURE() << "query error thrown as cancel";
  } catch (const ReadOnlyViolationError&) {
    ADD_FAILURE() << "query error thrown as read-only violation";
  } catch (const QueryError& e) {
    EXPECT_EQ(e.sqlstate(), "23505");
  }
}

TEST(PgErrorClassification, ConnectErrorsAreAuthOrConnect) {
  EXPECT_THROW(throw_pg_connect_error(PgErrorClass::kLoginFailed, "m", "28P01", "h:1"), AuthError);
  try {
    throw_pg_connect_error(PgErrorClass::kConnectionLost, "refused", "", "h:1");
  } catch (const AuthError&) {
    ADD_FAILURE() << "network failure reported as login failure";
  } catch (const ConnectError& e) {
    EXPECT_EQ(e.host(), "h:1");
  }
  EXPECT_THROW(throw_pg_connect_error(PgErrorClass::kQuery, "m", "3D000", "h:1"), ConnectError);
}

TEST(PgErrorMessages, SqlstateFromVerboseMessage) {
  EXPECT_EQ(sqlstate_from_verbose_message(
                "connection to server at \"127.0.0.60\", port 5432 failed: FATAL:  28P01: password "
                "authentication failed for user \"awrap\"\nLOCATION:  auth_failed, auth.c:335\n"),
            "28P01");
  EXPECT_EQ(sqlstate_from_verbose_message("ERROR:  3D000: database \"x\" does not exist"), "3D000");
  EXPECT_EQ(sqlstate_from_verbose_message("FATAL:  password authentication failed"), "");
  EXPECT_EQ(sqlstate_from_verbose_message("could not connect: Connection refused"), "");
  EXPECT_EQ(sqlstate_from_verbose_message("FATAL:  ab: lowercase is no SQLSTATE"), "");
}

TEST(PgErrorMessages, TidyDropsLocationAndTrailingNewline) {
  EXPECT_EQ(tidy_pg_message("FATAL:  28P01: bad\nLOCATION:  auth_failed, auth.c:335\n"),
            "FATAL:  28P01: bad");
  EXPECT_EQ(tidy_pg_message("ERROR:  x\nDETAIL:  y\n"), "ERROR:  x\nDETAIL:  y");
  EXPECT_EQ(tidy_pg_message(""), "");
}

TEST(PgErrorMessages, RejectedConnectionOption) {
  EXPECT_EQ(rejected_connection_option("invalid connection option \"no_such_option\"\n"),
            "no_such_option");
  EXPECT_EQ(rejected_connection_option("invalid sslmode value: \"bogus\"\n"), "sslmode");
  EXPECT_EQ(rejected_connection_option(
                "invalid integer value \"abc\" for connection option \"keepalives\"\n"),
            "keepalives");
  EXPECT_EQ(rejected_connection_option(
                "connection to server at \"127.0.0.1\", port 1 failed: Connection refused"),
            std::nullopt);
}

}  // namespace
}  // namespace awrap::internal::pg
