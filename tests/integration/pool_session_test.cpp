// awrap::Pool against the lab's single PostgreSQL 15 and MariaDB 10.11 servers, one suite for
// both engines: reset on return restores the session on the server (same server session, no
// transaction left, settings back), a discarded connection is replaced, and max_lifetime renews
// connections (new server sessions) on borrow and through housekeeping. Password logins: the IAM
// case (tokens renewed through PAM) is not covered here (docs/pool.md).
#include <gtest/gtest.h>

#include <chrono>
#include <ostream>
#include <set>
#include <string>
#include <thread>

#include "awrap/awrap.hpp"
#include "support/eventually.hpp"
#include "support/test_env.hpp"
#include "support/thread_count.hpp"

namespace awrap::internal {
namespace {

using namespace std::chrono_literals;

struct Engine {
  const char* name;
  bool pg;
};

void PrintTo(const Engine& engine, std::ostream* out) {
  *out << engine.name;
}

class PoolSession : public ::testing::TestWithParam<Engine> {
 protected:
  bool pg() const { return GetParam().pg; }
  std::string conninfo() const {
    return pg() ? testing::pg_conninfo() : testing::mariadb_conninfo();
  }
  Pool make(PoolOptions options) {
    return Pool(conninfo(), {{"wrapper_plugins", "failover"}, {"connect_timeout", "5"}}, options);
  }
  std::int64_t session_id(Connection& c) {
    return c.execute(pg() ? "SELECT pg_backend_pid()" : "SELECT CONNECTION_ID()")
        .scalar<std::int64_t>();
  }
  std::string text(Connection& c, const char* sql) { return c.execute(sql).scalar<std::string>(); }
  std::string read_only_setting(Connection& c) {
    return text(c, pg() ? "SHOW transaction_read_only" : "SELECT @@session.tx_read_only");
  }
  std::string isolation_setting(Connection& c) {
    return text(c, pg() ? "SHOW transaction_isolation" : "SELECT @@session.tx_isolation");
  }
  std::int64_t sessions_on_server() {
    auto admin = Connection::open(conninfo(), {{"wrapper_plugins", ""}});
    auto sql = pg() ? "SELECT count(*) FROM pg_stat_activity WHERE usename = 'awrap' AND "
                      "application_name <> 'psql' AND pid <> pg_backend_pid()"
                    : "SELECT count(*) FROM information_schema.processlist WHERE user = 'awrap' "
                      "AND id <> CONNECTION_ID()";
    return admin.execute(sql).scalar<std::int64_t>();
  }
};

TEST_P(PoolSession, ReturnRollsBackAndRestoresSettingsOnTheSameServerSession) {
  PoolOptions o;
  o.max_size = 1;
  auto pool = make(o);
  std::string default_read_only, default_isolation;
  std::int64_t session = 0;
  {
    auto lease = pool.acquire();
    lease->execute("CREATE TABLE IF NOT EXISTS pool_reset(id int)");
    lease->execute("DELETE FROM pool_reset");
    default_read_only = read_only_setting(*lease);
    default_isolation = isolation_setting(*lease);
    session = session_id(*lease);
    lease->set_isolation_level(IsolationLevel::kSerializable);
    lease->set_autocommit(false);
    lease->execute("INSERT INTO pool_reset VALUES (1)");  // opens a transaction
    lease->set_read_only(true);                           // for the transactions after it
    EXPECT_NE(lease->transaction_status(), TransactionStatus::kIdle);
  }
  auto lease = pool.acquire();
  EXPECT_EQ(session_id(*lease), session);  // kept, not replaced
  EXPECT_TRUE(lease->autocommit());
  EXPECT_FALSE(lease->read_only());
  EXPECT_EQ(lease->isolation_level(), IsolationLevel::kDefault);
  EXPECT_EQ(read_only_setting(*lease), default_read_only);
  EXPECT_EQ(isolation_setting(*lease), default_isolation);
  EXPECT_EQ(lease->execute("SELECT count(*) FROM pool_reset").scalar<std::int64_t>(), 0)
      << "the open transaction was rolled back";
  lease->execute("INSERT INTO pool_reset VALUES (2)");  // writable again, autocommitted
  auto c = pool.counters();
  EXPECT_EQ(c.created, 1u);
  EXPECT_EQ(c.closed_total(), 0u);
}

TEST_P(PoolSession, ADiscardedConnectionIsReplacedByANewSession) {
  PoolOptions o;
  o.max_size = 1;
  auto pool = make(o);
  std::int64_t first = 0;
  {
    auto lease = pool.acquire();
    first = session_id(*lease);
    lease->execute(pg() ? "SET search_path TO pg_catalog" : "SET @pool_user_variable = 1");
    lease.discard();  // SQL-made state the pool cannot restore
  }
  auto lease = pool.acquire();
  EXPECT_NE(session_id(*lease), first);
  EXPECT_EQ(pool.counters().closed_by(PoolCloseReason::kDiscarded), 1u);
}

TEST_P(PoolSession, MaxLifetimeRenewsConnectionsOnBorrowAndInHousekeeping) {
  const int threads_before = testing::process_thread_count();
  const auto sessions_before = sessions_on_server();
  {
    PoolOptions o;
    o.max_size = 4;
    o.min_idle = 2;
    o.max_lifetime = 1s;
    o.housekeeping_interval = 50ms;
    auto pool = make(o);
    std::set<std::int64_t> first_sessions;
    {
      auto a = pool.acquire();
      auto b = pool.acquire();
      first_sessions = {session_id(*a), session_id(*b)};
    }
    std::this_thread::sleep_for(1100ms);  // the time is the point: past max_lifetime (1 s)
    {
      auto lease = pool.acquire();  // both idle ones are past their life: a new session
      EXPECT_FALSE(first_sessions.contains(session_id(*lease)));
    }
    pool.run_housekeeping();  // back to min_idle with new sessions
    auto c = pool.counters();
    EXPECT_EQ(c.closed_by(PoolCloseReason::kMaxLifetime), 2u);
    EXPECT_GE(c.idle, 2u);
    EXPECT_EQ(c.created, c.size + c.closed_total());
    std::vector<Pool::Lease> all;
    for (std::size_t i = 0; i < c.idle; ++i) all.push_back(pool.acquire());
    for (auto& lease : all) EXPECT_FALSE(first_sessions.contains(session_id(*lease)));
    EXPECT_EQ(sessions_on_server(), sessions_before + static_cast<std::int64_t>(c.size));
  }
  // The pool is gone: its sessions and threads too.
  testing::eventually([&] { return sessions_on_server() == sessions_before; });
  EXPECT_EQ(sessions_on_server(), sessions_before);
  EXPECT_EQ(testing::wait_for_thread_count(threads_before), threads_before);
}

INSTANTIATE_TEST_SUITE_P(Engines, PoolSession,
                         ::testing::Values(Engine{"pg", true}, Engine{"mariadb", false}),
                         [](const auto& test_info) { return std::string(test_info.param.name); });

}  // namespace
}  // namespace awrap::internal
