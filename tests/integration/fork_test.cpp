// fork() with awrap Connections open (issue 12, item 13): a child process must not use, nor end,
// the sessions it inherited from its parent, and its own Connections must be monitored as in any
// process. Real fork() against the lab's single servers, both engines.
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "awrap/awrap.hpp"
#include "base/runtime.hpp"
#include "plugin/host_monitoring/host_monitor.hpp"
#include "support/test_env.hpp"
#include "support/thread_count.hpp"

namespace awrap::internal {
namespace {

using namespace std::chrono_literals;

struct ForkEngine {
  const char* name;
  std::string (*conninfo)();
  const char* session_id;
  const char* sleep_half_second;
};

const ForkEngine kPostgres{"pg", testing::pg_conninfo, "SELECT pg_backend_pid()",
                           "SELECT pg_sleep(0.5)"};
const ForkEngine kMariaDb{"mariadb", testing::mariadb_conninfo, "SELECT CONNECTION_ID()",
                          "SELECT SLEEP(0.5)"};

void PrintTo(const ForkEngine* engine, std::ostream* out) {
  *out << engine->name;
}

// What the child found, as bits of its exit status (0: all as it must be).
enum ChildFinding : int {
  kParentsConnectionAnswered = 1,
  kNoClearError = 2,
  kNotReportedClosed = 4,
  kOwnConnectionFailed = 8,
  kNotMonitored = 16,
};

std::string findings(int status) {
  std::string text;
  if (status & kParentsConnectionAnswered) text += " the parent's Connection answered;";
  if (status & kNoClearError) text += " the error did not name fork();";
  if (status & kNotReportedClosed) text += " is_closed() was false;";
  if (status & kOwnConnectionFailed) text += " the child's own Connection failed;";
  if (status & kNotMonitored) text += " the child's Connection was not monitored;";
  return text;
}

class ForkedChild : public ::testing::TestWithParam<const ForkEngine*> {
 protected:
  const ForkEngine& engine() const { return *GetParam(); }
  PropertyMap monitored() const {
    return {{"wrapper_plugins", "host_monitoring"},
            {"failure_detection_time_ms", "100"},
            {"failure_detection_interval_ms", "100"},
            {"monitor_disposal_time_ms", "500"}};
  }

  // Runs in the child: returns its findings (bits of ChildFinding).
  int child(Connection& inherited) {
    int found = 0;
    try {
      inherited.execute("SELECT 1");
      found |= kParentsConnectionAnswered;
    } catch (const ConnectionClosedError& e) {
      if (std::string(e.what()).find("fork()") == std::string::npos) found |= kNoClearError;
    } catch (const std::exception&) {
      found |= kNoClearError;
    }
    if (!inherited.is_closed()) found |= kNotReportedClosed;
    inherited.cancel();  // must not stop the parent's statement
    try {
      auto own = Connection::open(engine().conninfo(), monitored());
      own.execute(engine().sleep_half_second);
      // Only this thread came through fork(): a second one is the child's own monitoring loop.
      if (testing::process_thread_count() < 2) found |= kNotMonitored;
      own.close();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "child: %s\n", e.what());
      found |= kOwnConnectionFailed;
    }
    inherited.close();  // sends nothing on the parent's session
    return found;
  }
};

TEST_P(ForkedChild, NeverUsesNorEndsTheParentsSessionsAndMonitorsItsOwn) {
  auto parent = Connection::open(engine().conninfo(), monitored());
  const auto session = parent.execute(engine().session_id).scalar<std::int64_t>();
  parent.execute(engine().sleep_half_second);  // the monitoring loop runs in the parent
  ASSERT_EQ(host_monitoring_stats(*internal::Runtime::process()).threads, 1);
  parent.execute("DROP TABLE IF EXISTS fork_rows");
  parent.execute("CREATE TABLE fork_rows(id INT)");
  parent.begin();
  parent.execute("INSERT INTO fork_rows VALUES (1)");

  std::fflush(nullptr);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const int found = child(parent);
#if defined(__SANITIZE_ADDRESS__)
    // The child gives up the parent's monitors and thread handles on purpose (destroying them
    // would join threads that are not in the child): LeakSanitizer's exit check would report
    // them, so a sanitizer build skips the exit handlers. Other builds exit normally, which
    // runs the static destructors (the monitoring loop's among them) in the child.
    std::_Exit(found);
#else
    std::exit(found);
#endif
  }
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      FAIL() << "the child did not exit within 30 s";
    }
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_TRUE(WIFEXITED(status)) << "the child ended by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0) << findings(WEXITSTATUS(status));

  // The parent's session is the one it had, its transaction intact, and it is still monitored.
  EXPECT_EQ(parent.execute(engine().session_id).scalar<std::int64_t>(), session);
  parent.commit();
  EXPECT_EQ(parent.execute("SELECT COUNT(*) FROM fork_rows").scalar<std::int64_t>(), 1);
  parent.execute(engine().sleep_half_second);
  EXPECT_EQ(host_monitoring_stats(*internal::Runtime::process()).threads, 1);
}

INSTANTIATE_TEST_SUITE_P(Engines, ForkedChild, ::testing::Values(&kPostgres, &kMariaDb),
                         [](const auto& engine) { return std::string(engine.param->name); });

}  // namespace
}  // namespace awrap::internal
