// The failover plugin's rule for what a lost call may have done (outcome_of_lost_call), from the
// table tests/data/failover/lost_call_outcomes.json. Adding a case is adding a row to the file.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "plugin/failover/lost_call.hpp"
#include "support/test_data.hpp"

namespace awrap::internal {
namespace {

nlohmann::json load_cases() {
  return testing::load_test_json("failover/lost_call_outcomes.json");
}

Method method_named(const std::string& name) {
  static const std::map<std::string, Method> kMethods{
      {"execute", Method::kExecute},
      {"prepare", Method::kPrepare},
      {"execute_prepared", Method::kExecutePrepared},
      {"begin", Method::kBegin},
      {"commit", Method::kCommit},
      {"rollback", Method::kRollback},
      {"set_autocommit", Method::kSetAutocommit}};
  return kMethods.at(name);
}

TransactionStatus status_named(const std::string& name) {
  static const std::map<std::string, TransactionStatus> kStatuses{
      {"idle", TransactionStatus::kIdle},
      {"in_transaction", TransactionStatus::kInTransaction},
      {"in_failed_transaction", TransactionStatus::kInFailedTransaction},
      {"unknown", TransactionStatus::kUnknown}};
  return kStatuses.at(name);
}

TEST(LostCallOutcome, EveryRowOfTheTableHolds) {
  const nlohmann::json table = load_cases();
  ASSERT_GE(table.at("cases").size(), 20u);
  for (const auto& row : table.at("cases")) {
    SCOPED_TRACE(row.at("name").get<std::string>());
    std::string sql = row.value("sql", "");
    LostCall call{
        method_named(row.at("method")), sql,
        row.value("engine", "postgres") == "mysql" ? SqlEngine::kMysql : SqlEngine::kPostgres,
        status_named(row.at("status")), status_named(row.value("last_known", "idle"))};
    EXPECT_EQ(to_string(outcome_of_lost_call(call)), row.at("outcome").get<std::string>());
  }
}

}  // namespace
}  // namespace awrap::internal
