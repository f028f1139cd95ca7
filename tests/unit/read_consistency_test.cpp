// read_write_splitting's read_consistency=session: the pure decisions (poll schedule with a
// made-up clock, which positions may be put into a statement, when a switch must wait) and the
// properties' validation. The waits against real servers are in
// tests/integration/lab_read_your_writes_test.cpp.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>

#include "awrap/errors.hpp"
#include "awrap/properties.hpp"
#include "plugin/read_write_splitting/read_consistency.hpp"

namespace awrap::internal {
namespace {

using namespace std::chrono_literals;
using read_consistency::next_replay_poll;
using read_consistency::replay_need;
using read_consistency::ReplayNeed;

TEST(ReadConsistency, PollsBackOffToSixteenMillisecondsAndNeverPastTheTimeout) {
  EXPECT_EQ(next_replay_poll(0ms, 0, 1000ms), 1ms);
  EXPECT_EQ(next_replay_poll(1ms, 1, 1000ms), 2ms);
  EXPECT_EQ(next_replay_poll(3ms, 2, 1000ms), 4ms);
  EXPECT_EQ(next_replay_poll(7ms, 3, 1000ms), 8ms);
  EXPECT_EQ(next_replay_poll(15ms, 4, 1000ms), 16ms);
  EXPECT_EQ(next_replay_poll(500ms, 40, 1000ms), 16ms);
  // The last pause ends exactly at the timeout; past it the reader is too far behind.
  EXPECT_EQ(next_replay_poll(995ms, 60, 1000ms), 5ms);
  EXPECT_EQ(next_replay_poll(1000ms, 61, 1000ms), std::nullopt);
  EXPECT_EQ(next_replay_poll(1700ms, 61, 1000ms), std::nullopt);
}

TEST(ReadConsistency, ThePollsOfAWholeWaitAddUpToTheTimeout) {
  // A reader that never catches up: the pauses (each poll taking 0.5 ms here) end the wait at
  // the timeout, not later, after a bounded number of polls.
  for (auto timeout : {1ms, 10ms, 250ms, 1000ms, 5000ms}) {
    std::chrono::microseconds clock{0};
    int polls = 0;
    while (true) {
      clock += 500us;  // the poll itself
      auto pause = next_replay_poll(std::chrono::duration_cast<std::chrono::milliseconds>(clock),
                                    polls++, timeout);
      if (!pause) break;
      clock += *pause;
    }
    EXPECT_LE(clock, timeout + 1ms) << timeout.count();
    EXPECT_GE(clock, timeout) << timeout.count();
    EXPECT_LE(polls, 10 + timeout.count() / 16) << timeout.count();
  }
}

TEST(ReadConsistency, OnlyServerPrintedPositionsGoIntoStatements) {
  EXPECT_TRUE(read_consistency::is_replication_position("16/B374D848"));
  EXPECT_TRUE(read_consistency::is_replication_position("0/3000148"));
  EXPECT_TRUE(read_consistency::is_replication_position("0-1-42"));
  EXPECT_TRUE(read_consistency::is_replication_position("0-1-42,1-2-7"));
  EXPECT_TRUE(read_consistency::is_replication_position("3E11FA47-71CA-11E1-9E33-C80AA9429562:23"));
  EXPECT_FALSE(read_consistency::is_replication_position(""));
  EXPECT_FALSE(read_consistency::is_replication_position("0-1-42'); DROP TABLE t; --"));
  EXPECT_FALSE(read_consistency::is_replication_position("0-1-42 "));
  EXPECT_FALSE(read_consistency::is_replication_position("x/1"));
  EXPECT_FALSE(read_consistency::is_replication_position(std::string(4097, '1')));
}

TEST(ReadConsistency, WaitStatements) {
  EXPECT_EQ(read_consistency::pg_replayed_sql("16/B374D848"),
            "SELECT NOT pg_catalog.pg_is_in_recovery() OR pg_catalog.pg_last_wal_replay_lsn() "
            ">= '16/B374D848'::pg_lsn");
  EXPECT_EQ(read_consistency::mariadb_gtid_wait_sql("0-1-42", 1000ms),
            "SELECT MASTER_GTID_WAIT('0-1-42', 1.000)");
  EXPECT_EQ(read_consistency::mariadb_gtid_wait_sql("0-1-42", 250ms),
            "SELECT MASTER_GTID_WAIT('0-1-42', 0.250)");
  EXPECT_EQ(read_consistency::mariadb_gtid_wait_sql("0-1-42", 12345ms),
            "SELECT MASTER_GTID_WAIT('0-1-42', 12.345)");
}

TEST(ReadConsistency, ASwitchWaitsOnlyForAWriteNotYetSeenOnThatReaderSession) {
  // Nothing written: no wait.
  EXPECT_EQ(replay_need(std::string(), "", false), ReplayNeed::kNone);
  // A write: wait, unless this reader session already reached exactly that position.
  EXPECT_EQ(replay_need(std::string("0-1-42"), "", false), ReplayNeed::kWait);
  EXPECT_EQ(replay_need(std::string("0-1-42"), "0-1-42", true), ReplayNeed::kNone);
  EXPECT_EQ(replay_need(std::string("0-1-42"), "0-1-42", false), ReplayNeed::kWait);
  EXPECT_EQ(replay_need(std::string("0-1-43"), "0-1-42", true), ReplayNeed::kWait);
  // The session may have written but the server cannot say where: the reads stay on the writer.
  EXPECT_EQ(replay_need(std::nullopt, "0-1-42", true), ReplayNeed::kUnknown);
}

void expect_config_error(const std::string& property, const std::string& value,
                         const std::string& accepted) {
  try {
    Properties::parse({{property, value}});
    FAIL() << property << "=" << value << " was accepted";
  } catch (const ConfigError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find(property), std::string::npos) << what;
    EXPECT_NE(what.find(value), std::string::npos) << what;
    EXPECT_NE(what.find(accepted), std::string::npos) << what;
  }
}

TEST(ReadConsistency, PropertiesDefaultsAndBadValues) {
  auto defaults = Properties::parse({});
  EXPECT_EQ(defaults.get_choice("read_consistency"), "eventual");
  EXPECT_EQ(defaults.get_int("read_consistency_timeout_ms"), 1000);
  auto set =
      Properties::parse({{"read_consistency", "session"}, {"read_consistency_timeout_ms", "250"}});
  EXPECT_EQ(set.get_choice("read_consistency"), "session");
  EXPECT_EQ(set.get_int("read_consistency_timeout_ms"), 250);

  expect_config_error("read_consistency", "strong", "session");
  expect_config_error("read_consistency", "strong", "eventual");
  expect_config_error("read_consistency_timeout_ms", "0", "1");
  expect_config_error("read_consistency_timeout_ms", "-5", "600000");
  expect_config_error("read_consistency_timeout_ms", "fast", "read_consistency_timeout_ms");
}

}  // namespace
}  // namespace awrap::internal
