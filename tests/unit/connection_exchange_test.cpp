// PluginService::exchange_connection (what read_write_splitting switches with), on a fake driver:
// the connection handed back stays open, and a prepared statement is prepared once per physical
// connection however often the Connection switches between them.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/connection_impl.hpp"
#include "support/fake_driver.hpp"

namespace awrap::internal {
namespace {

using testing::FakeDriver;
using testing::FakeServerLog;

long count_calls(const FakeServerLog& log, const std::string& line) {
  return std::count(log.calls.begin(), log.calls.end(), line);
}

TEST(ConnectionExchange, KeepsTheOldConnectionOpenAndPreparesOncePerPhysicalConnection) {
  auto log = std::make_shared<FakeServerLog>();
  auto driver = std::make_shared<FakeDriver>(log);
  auto c =
      ConnectionAccess::open("host=h1 user=app password=pw", {{"wrapper_plugins", ""}}, driver);
  auto& impl = ConnectionAccess::impl(c);
  PluginService& service = impl;
  auto statement = c.prepare("SELECT 1");

  HostInfo h1{.host = "h1", .port = 5432};
  HostInfo h2{.host = "h2", .port = 5432};
  std::shared_ptr<TargetConnection> on_h2 = impl.connect(h2);
  std::shared_ptr<TargetConnection> on_h1 = service.exchange_connection(on_h2, h2);
  ASSERT_TRUE(on_h1);
  EXPECT_EQ(c.current_host().host, "h2");
  EXPECT_NO_THROW(on_h1->execute("SELECT 2", {}));  // handed back open

  for (int i = 0; i < 3; ++i) {
    c.execute(statement);  // on h2
    service.exchange_connection(on_h1, h1);
    c.execute(statement);  // on h1
    service.exchange_connection(on_h2, h2);
  }
  EXPECT_EQ(count_calls(*log, "h1:5432 prepare " + statement.name() + " SELECT 1"), 1);
  EXPECT_EQ(count_calls(*log, "h2:5432 prepare " + statement.name() + " SELECT 1"), 1);
  EXPECT_EQ(count_calls(*log, "h1:5432 execute_prepared " + statement.name()), 3);
  EXPECT_EQ(count_calls(*log, "h2:5432 execute_prepared " + statement.name()), 3);
  on_h1->close();
}

}  // namespace
}  // namespace awrap::internal
