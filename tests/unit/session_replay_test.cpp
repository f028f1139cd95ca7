// The replay of SQL session state onto a new connection
// (internal::ConnectionImpl::set_current_connection, what a failover calls), on a fake driver:
// order, transactions that roll back, a setting the new host refuses, and a new connection lost
// during the replay. The recognition rules themselves are in session_sql_test.cpp; the lab proof is
// FailoverContract.SqlSessionStateIsRestoredOrNamed.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/connection_impl.hpp"
#include "support/fake_driver.hpp"

namespace awrap::internal {
namespace {

using testing::FakeDriver;
using testing::FakeHooks;
using testing::FakeServerLog;

std::vector<std::string> calls_on(FakeServerLog& log, const std::string& endpoint) {
  std::vector<std::string> out;
  for (const auto& call : log.calls)
    if (call.starts_with(endpoint + " ")) out.push_back(call.substr(endpoint.size() + 1));
  return out;
}

struct Fixture {
  std::shared_ptr<FakeServerLog> log = std::make_shared<FakeServerLog>();
  std::shared_ptr<FakeDriver> driver = std::make_shared<FakeDriver>(log);
  Connection c =
      ConnectionAccess::open("host=h1 user=app password=pw", {{"wrapper_plugins", ""}}, driver);
  internal::ConnectionImpl& impl = ConnectionAccess::impl(c);

  void move_to(const std::string& host) {
    impl.set_current_connection(impl.connect(HostInfo{.host = host, .port = 5432}));
  }
};

TEST(SessionReplay, ReplaysInOrderSkipsRolledBackSettingsAndNamesWhatIsLost) {
  Fixture f;
  auto hooks = std::make_shared<FakeHooks>();
  hooks->on_execute = [](const HostInfo& host, std::string_view sql) {
    if (host.host == "h2" && sql.starts_with("SET ROLE"))
      throw QueryError("role \"r\" does not exist", "22023", 0, host.endpoint());
  };
  f.driver->set_hooks(hooks);
  f.c.execute("SET search_path TO a");
  f.c.execute("SET ROLE r");
  f.c.execute("CREATE TEMP TABLE scratch(id int)");
  f.c.begin();
  f.c.execute("SET TIME ZONE 'Europe/Paris'");
  f.c.rollback();  // PostgreSQL undoes it: not replayed
  f.c.begin();
  f.c.execute("SET statement_timeout = 5000");
  f.c.commit();
  f.c.set_isolation_level(IsolationLevel::kSerializable);

  f.move_to("h2");
  EXPECT_EQ(calls_on(*f.log, "h2:5432"),
            (std::vector<std::string>{"execute SET search_path TO a",
                                      "execute SET statement_timeout = 5000", "isolation 4"}))
      << "SQL settings in order, the refused one skipped, then the API's";
  auto lost = f.impl.session_state_not_restored();
  ASSERT_EQ(lost.size(), 2u);
  EXPECT_TRUE(lost[0].starts_with("role (replay failed: ")) << lost[0];
  EXPECT_EQ(lost[1], "temporary tables");

  // The next failover replays what took, and names nothing: the lost state was reported once.
  f.move_to("h3");
  EXPECT_EQ(calls_on(*f.log, "h3:5432"),
            (std::vector<std::string>{"execute SET search_path TO a",
                                      "execute SET statement_timeout = 5000", "isolation 4"}));
  EXPECT_TRUE(f.impl.session_state_not_restored().empty());
}

TEST(SessionReplay, ANewConnectionLostDuringTheReplayIsRefusedAndTheRecordKept) {
  Fixture f;
  auto hooks = std::make_shared<FakeHooks>();
  hooks->on_execute = [](const HostInfo& host, std::string_view) {
    if (host.host == "h2") throw ConnectionLostError("gone", "08006", 0, host.endpoint());
  };
  f.driver->set_hooks(hooks);
  f.c.execute("SET search_path TO a");
  f.c.execute("CREATE TEMP TABLE scratch(id int)");
  EXPECT_THROW(f.move_to("h2"), ConnectionLostError);
  EXPECT_EQ(f.c.current_host().host, "h1");
  f.move_to("h3");  // the next candidate gets everything, and the error names everything
  EXPECT_EQ(calls_on(*f.log, "h3:5432"),
            (std::vector<std::string>{"execute SET search_path TO a"}));
  EXPECT_EQ(f.impl.session_state_not_restored(), std::vector<std::string>{"temporary tables"});
}

}  // namespace
}  // namespace awrap::internal
