#include <gtest/gtest.h>

#include "plugin/failover/failover_mode.hpp"
#include "plugin/failover/statement_kind.hpp"

namespace awrap {
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

TEST(FailoverMode, ExplicitModesWinAndReaderEndpointsDefaultToReaderOrWriter) {
  EXPECT_EQ(resolve_failover_mode("strict_writer", true), FailoverMode::kStrictWriter);
  EXPECT_EQ(resolve_failover_mode("strict_reader", false), FailoverMode::kStrictReader);
  EXPECT_EQ(resolve_failover_mode("reader_or_writer", false), FailoverMode::kReaderOrWriter);
  EXPECT_EQ(resolve_failover_mode("", true), FailoverMode::kReaderOrWriter);
  EXPECT_EQ(resolve_failover_mode("", false), FailoverMode::kStrictWriter);
}

}  // namespace
}  // namespace awrap
