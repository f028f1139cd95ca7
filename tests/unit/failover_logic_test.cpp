#include <gtest/gtest.h>

#include "plugin/failover/failover_mode.hpp"
#include "plugin/failover/session_loss.hpp"
#include "plugin/failover/statement_kind.hpp"

namespace awrap::internal {
namespace {

TEST(StatementKind, ReadsAreRecognisedAndEverythingElseIsAWrite) {
  for (const char* sql :
       {"SELECT 1", "  select * from t", "(SELECT 1) UNION (SELECT 2)", "-- hi\nSELECT 1",
        "/* c */ SHOW search_path", "VALUES (1)", "EXPLAIN SELECT 1", "SET x = 1", "BEGIN",
        "ROLLBACK", "FETCH 10 FROM c", "", "   "})
    EXPECT_TRUE(is_read_only_sql(sql)) << sql;
  for (const char* sql :
       {"INSERT INTO t VALUES (1)", "update t set a=1", "DELETE FROM t", "CREATE TABLE t(a int)",
        "WITH x AS (DELETE FROM t RETURNING *) SELECT * FROM x", "CALL p()", "COMMIT",
        "EXPLAIN ANALYZE DELETE FROM t", "TRUNCATE t", "COPY t FROM STDIN", "MERGE INTO t"})
    EXPECT_FALSE(is_read_only_sql(sql)) << sql;
}

// Defect 4 (issue 12): "not applied" is promised only when the statement is proven read-only.
TEST(StatementKind, AnythingNotProvenReadOnlyIsAWrite) {
  for (const char* sql :
       {"SELECT 1; INSERT INTO t VALUES (1)", "; INSERT INTO t VALUES (1)",
        "SELECT 1;\nDELETE FROM t", "EXPLAIN ANALYSE DELETE FROM t",
        "EXPLAIN (ANALYZE, BUFFERS) UPDATE t SET a = 1", "explain (analyse) select 1",
        "SELECT my_audit_function(1)", "SELECT nextval('s')", "SELECT public.f()", "SELECT \"f\"()",
        "SELECT * FROM f()", "SELECT 1 INTO TEMP x", "VALUES (f())", "SELECT 'unterminated",
        "SELECT 1 /* unterminated", "SELECT 'a\\'; DELETE FROM t; --'", "SELECT $x$ unterminated",
        "DO $$ BEGIN DELETE FROM t; END $$"})
    EXPECT_FALSE(is_read_only_sql(sql, SqlEngine::kPostgres)) << sql;
  for (const char* sql : {"# note\nINSERT INTO t VALUES (1)", "/*! INSERT INTO t VALUES (1) */",
                          "SELECT 1 /*!50000 , f() */", "/*M! DELETE FROM t */ SELECT 1",
                          "EXPLAIN ANALYZE SELECT * FROM t", "SELECT 1; INSERT INTO t VALUES (1)",
                          "SELECT 'it\\'s'; DELETE FROM t", "SELECT sp_write() FROM dual",
                          "SELECT a INTO @x FROM t", "SELECT 1 INTO OUTFILE '/tmp/x'"})
    EXPECT_FALSE(is_read_only_sql(sql, SqlEngine::kMysql)) << sql;
}

TEST(StatementKind, ProvenReadsStayReads) {
  for (const char* sql :
       {"SELECT count(*), max(id) FROM t WHERE id IN (SELECT id FROM u)", "SELECT 1;",
        "SELECT 'a;b' AS \"x;y\"", "SELECT $$;DELETE$$", "SELECT $1::numeric(10, 2)",
        "/* a /* nested */ comment */ SELECT now()", "-- c\nSELECT pg_catalog.pg_is_in_recovery()",
        "SELECT coalesce(a, 0) OVER (PARTITION BY b) FROM t", "SELECT pg_sleep(1)",
        "SELECT a FROM t JOIN u USING (id) WHERE EXISTS (SELECT 1)", "SHOW search_path",
        "SET search_path = app, public", "START TRANSACTION READ ONLY", "", "  ", ";",
        "-- only a comment", "EXPLAIN SELECT * FROM t"})
    EXPECT_TRUE(is_read_only_sql(sql, SqlEngine::kPostgres)) << sql;
  for (const char* sql : {"# note\nSELECT 1", "SELECT `a;b` FROM `t` -- c", "SELECT 1 -- x",
                          "SELECT @@read_only", "SELECT IF(a > 1, 'x', \"y\") FROM t"})
    EXPECT_TRUE(is_read_only_sql(sql, SqlEngine::kMysql)) << sql;
}

TEST(FailoverMode, ExplicitModesWinAndReaderEndpointsDefaultToReaderOrWriter) {
  EXPECT_EQ(resolve_failover_mode("strict_writer", true), FailoverMode::kStrictWriter);
  EXPECT_EQ(resolve_failover_mode("strict_reader", false), FailoverMode::kStrictReader);
  EXPECT_EQ(resolve_failover_mode("reader_or_writer", false), FailoverMode::kReaderOrWriter);
  EXPECT_EQ(resolve_failover_mode("", true), FailoverMode::kReaderOrWriter);
  EXPECT_EQ(resolve_failover_mode("", false), FailoverMode::kStrictWriter);
}

}  // namespace
}  // namespace awrap::internal

namespace awrap::internal {
namespace {

// Defect 7 of issue 12: one session's end said by a live server (terminated, killed, idle
// timeout) is no evidence about its host; a lost socket or a crash may be.
TEST(SessionLoss, SessionsEndedByALiveServerAreToldApartFromLostHosts) {
  EXPECT_TRUE(session_ended_by_live_server("57P01", 0));     // pg_terminate_backend
  EXPECT_TRUE(session_ended_by_live_server("57P05", 0));     // idle_session_timeout
  EXPECT_TRUE(session_ended_by_live_server("25P03", 0));     // idle_in_transaction_session_timeout
  EXPECT_TRUE(session_ended_by_live_server("70100", 1927));  // KILL of our session
  EXPECT_TRUE(session_ended_by_live_server("HY000", 4031));  // MySQL 8 inactivity timeout
  EXPECT_FALSE(session_ended_by_live_server("08006", 0));    // socket lost
  EXPECT_FALSE(session_ended_by_live_server("", 0));         // host-monitoring abort
  EXPECT_FALSE(session_ended_by_live_server("57P02", 0));    // crash_shutdown
  // End of stream: a KILL on MariaDB (or a crashed process, whose host refuses the reconnect).
  EXPECT_TRUE(session_ended_by_live_server("HY000", 2013));
  EXPECT_TRUE(session_ended_by_live_server("HY000", 2006));
  EXPECT_FALSE(session_ended_by_live_server("08003", 0));  // our own abort (host monitoring)
  EXPECT_FALSE(session_ended_by_live_server("08S01", 0));  // socket_timeout expired
}

}  // namespace
}  // namespace awrap::internal
