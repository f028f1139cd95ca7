// read_write_splitting with read_consistency=session (read-your-writes) against real
// PostgreSQL 15 and MariaDB 10.11 clusters from the lab (aurora flavour, a writer and one
// reader), one suite for both engines. The reader lags for real: its replay is paused
// (pg_wal_replay_pause() / STOP SLAVE SQL_THREAD), so a write is on the writer and not yet on
// the reader. Which server answered is asked of the server itself, never taken from awrap.
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "awrap/awrap.hpp"
#include "support/eventually.hpp"
#include "support/lab_cluster.hpp"

namespace awrap::internal {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::LabCluster;
using testing::LabOptions;

struct Engine {
  const char* name;  // "pg" or "mariadb"
  const char* cluster;
  const char* base;
};

void PrintTo(const Engine& engine, std::ostream* out) {
  *out << engine.name;
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// Collects awrap's debug log while it lives (the fallback and each wait are logged there).
class DebugLog {
 public:
  DebugLog() {
    set_log_sink([this](LogLevel, std::string_view message) {
      const std::lock_guard lock(mutex_);
      lines_.emplace_back(message);
    });
    set_log_level(LogLevel::kDebug);
  }
  ~DebugLog() {
    set_log_level(LogLevel::kWarning);
    set_log_sink(nullptr);
  }
  DebugLog(const DebugLog&) = delete;
  DebugLog& operator=(const DebugLog&) = delete;
  int count(std::string_view text) {
    const std::lock_guard lock(mutex_);
    int n = 0;
    for (const auto& line : lines_) n += line.find(text) != std::string::npos ? 1 : 0;
    return n;
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> lines_;
};

class ReadYourWrites : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    LabOptions options;
    options.name = GetParam().cluster;
    options.engine = GetParam().name;
    options.flavour = "aurora";
    options.base = GetParam().base;
    options.nodes = 2;
    cluster_.emplace(LabCluster::up(options));
    writer_ = cluster_->writer().name;
    for (const auto& n : cluster_->status().nodes)
      if (!n.is_writer()) reader_ = n.name;
    cluster_->sql(writer_, "CREATE TABLE ryw (id INT PRIMARY KEY)");
    // The table is on the reader before its replay stops.
    testing::eventually([this] { return table_on_reader(); });
  }
  bool table_on_reader() {
    try {
      return trimmed(cluster_->sql(reader_, "SELECT count(*) FROM ryw")) == "0";
    } catch (const std::exception&) {  // not replayed yet
      return false;
    }
  }
  void TearDown() override { cluster_.reset(); }

  bool pg() const { return std::string(GetParam().name) == "pg"; }

  void pause_replay() {
    cluster_->sql(reader_, pg() ? "SELECT pg_wal_replay_pause()" : "STOP SLAVE SQL_THREAD");
  }
  void resume_replay() {
    cluster_->sql(reader_, pg() ? "SELECT pg_wal_replay_resume()" : "START SLAVE SQL_THREAD");
  }

  Connection open(PropertyMap extra = {}) {
    auto status = cluster_->status();
    std::string url =
        pg() ? "host=" + status.cluster_endpoint +
                   " port=5432 user=awrap password=awrap-lab-password dbname=awrap"
             : "mysql://awrap:awrap-lab-password@" + status.cluster_endpoint + ":3306/awrap";
    PropertyMap p{{"wrapper_plugins", "initial_connection,read_write_splitting,failover"},
                  {"connect_timeout", "3"},
                  {"cluster_endpoint_role", "writer"},
                  {"cluster_instance_host_pattern", status.host_pattern}};
    for (auto& [k, v] : extra) p[k] = v;
    auto c = Connection::open(url, p);
    EXPECT_EQ(served_by(c), writer_);
    return c;
  }

  std::string served_by(Connection& c) {
    return c
        .execute(pg() ? "SELECT pg_catalog.aurora_db_instance_identifier()"
                      : "SELECT @@aurora_server_id")
        .scalar<std::string>();
  }
  std::int64_t rows_with(Connection& c, int id) {
    return c.execute("SELECT count(*) FROM ryw WHERE id = " + std::to_string(id))
        .scalar<std::int64_t>();
  }

  std::optional<LabCluster> cluster_;
  std::string writer_;
  std::string reader_;
};

TEST_P(ReadYourWrites, AReadRightAfterAWriteSeesItOnlyWithSessionConsistency) {
  pause_replay();
  DebugLog log;

  // Without the property (eventual, the default): the read goes to the lagging reader at once
  // and misses the write the session has just committed.
  auto eventual = open();
  eventual.execute("INSERT INTO ryw VALUES (1)");
  eventual.set_read_only(true);
  EXPECT_EQ(served_by(eventual), reader_);
  EXPECT_EQ(rows_with(eventual, 1), 0) << "the reader replayed the write although paused";

  // With it, and the reader too far behind for the timeout: the reads stay on the writer, which
  // has the write, within the timeout.
  auto fallback = open({{"read_consistency", "session"}, {"read_consistency_timeout_ms", "300"}});
  fallback.execute("INSERT INTO ryw VALUES (2)");
  auto started = Clock::now();
  fallback.set_read_only(true);
  auto waited = Clock::now() - started;
  EXPECT_EQ(served_by(fallback), writer_);
  EXPECT_EQ(rows_with(fallback, 2), 1);
  EXPECT_GE(waited, 250ms);
  EXPECT_LT(waited, 3s) << "the fallback took longer than the 300 ms timeout allows";
  EXPECT_EQ(log.count("reads stay on the writer"), 1) << "the fallback is not logged";
  std::cout << "[ figures  ] " << GetParam().name << ": fallback to the writer after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(waited).count()
            << " ms (timeout 300 ms)\n";
  // Back on the writer and again to the reader: the reader it kept is still behind.
  fallback.set_read_only(false);
  fallback.set_read_only(true);
  EXPECT_EQ(served_by(fallback), writer_);

  // With it, and the reader catching up during the wait: the read goes to the reader once it
  // has replayed the write, and sees it.
  auto session = open({{"read_consistency", "session"}, {"read_consistency_timeout_ms", "10000"}});
  session.execute("INSERT INTO ryw VALUES (3)");
  std::thread resume([this] {
    // The time is the point: the switch must be seen waiting (>= 400 ms) for a late replay.
    std::this_thread::sleep_for(500ms);
    resume_replay();
  });
  started = Clock::now();
  session.set_read_only(true);
  waited = Clock::now() - started;
  resume.join();
  EXPECT_EQ(served_by(session), reader_);
  EXPECT_EQ(rows_with(session, 3), 1);
  EXPECT_GE(waited, 400ms) << "the switch did not wait for the reader";
  EXPECT_LT(waited, 8s);
  std::cout << "[ figures  ] " << GetParam().name << ": waited "
            << std::chrono::duration_cast<std::chrono::milliseconds>(waited).count()
            << " ms for the reader (replay resumed after 500 ms)\n";

  // The kept reader session waits for each new write too, inside a transaction as well.
  for (int id = 4; id < 8; ++id) {
    session.set_read_only(false);
    session.begin();
    session.execute("INSERT INTO ryw VALUES (" + std::to_string(id) + ")");
    session.commit();
    session.set_read_only(true);
    EXPECT_EQ(served_by(session), reader_);
    EXPECT_EQ(rows_with(session, id), 1) << id;
  }
  // A switch with no statement on the writer since the last one waits for nothing.
  const int waits = log.count("read_write_splitting: waited ");
  EXPECT_GE(waits, 5) << "each write before a switch is waited for";
  session.set_read_only(false);
  session.set_read_only(true);
  EXPECT_EQ(served_by(session), reader_);
  EXPECT_EQ(log.count("read_write_splitting: waited "), waits) << "a switch after no write waited";

  // The falling-back Connection reaches the reader now that it caught up.
  fallback.set_read_only(false);
  fallback.set_read_only(true);
  EXPECT_EQ(served_by(fallback), reader_);
  EXPECT_EQ(rows_with(fallback, 2), 1);
}

INSTANTIATE_TEST_SUITE_P(Engines, ReadYourWrites,
                         ::testing::Values(Engine{"pg", "ryw-pg", "127.0.0.250"},
                                           Engine{"mariadb", "ryw-my", "127.0.0.252"}),
                         [](const auto& test) { return std::string(test.param.name); });

}  // namespace
}  // namespace awrap::internal
