// Issue 12, defect 12: the MySQL host-monitoring probe must hold to the TLS rule of the
// application's connections. With ssl_mode=REQUIRED Connector/C 3.3 talks plain text to a server
// that offers no TLS; MysqlConnection refuses such a session after connecting, and the probe,
// which logs in with the same credentials and options, must refuse it too (it used to report the
// host alive over plain text). Against the lab_single MariaDB server, which has no TLS.
#include <gtest/gtest.h>
#include <poll.h>

#include <chrono>
#include <string>

#include "awrap/errors.hpp"
#include "core/conninfo.hpp"
#include "driver/mysql/mysql_driver.hpp"
#include "support/test_env.hpp"

namespace awrap::internal {
namespace {

using Clock = std::chrono::steady_clock;

ConnectSpec lab_spec() {
  ConnInfo info = parse_conninfo(testing::mariadb_conninfo());
  ConnectSpec spec;
  spec.host = info.hosts.at(0);
  if (spec.host.port == 0) spec.host.port = 3306;
  spec.user = info.options["user"];
  spec.password = info.options["password"];
  spec.database = info.options["dbname"];
  spec.connect_timeout = std::chrono::seconds(5);
  return spec;
}

// Runs one check to its end (5 s at most) the way the monitoring loop does.
HostProbe::Status run_check(HostProbe& probe) {
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  HostProbe::Status status = probe.start();
  while (status == HostProbe::Status::kWaiting) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      probe.abandon();
      ADD_FAILURE() << "the probe did not finish within 5 s";
      return HostProbe::Status::kFailed;
    }
    pollfd fd{probe.socket(), probe.events(), 0};
    int ready = ::poll(&fd, 1, static_cast<int>(left));
    status = probe.resume(ready > 0 ? fd.revents : 0);
  }
  return status;
}

bool server_has_tls(const ConnectSpec& spec) {
  auto connection = mysql::make_mysql_driver()->connect(spec);
  Result have(connection->execute("SELECT @@have_ssl", {}));
  return have.scalar<std::string>() == "YES";
}

TEST(MysqlProbeTls, ProbeRefusesPlainTextWhenTlsIsRequiredAsTheApplicationDoes) {
  ConnectSpec spec = lab_spec();
  if (server_has_tls(spec)) GTEST_SKIP() << "the lab_single MariaDB server has TLS";

  // The control: without the requirement the probe reaches the host.
  auto plain = mysql::make_mysql_driver()->make_probe(spec);
  EXPECT_EQ(run_check(*plain), HostProbe::Status::kSucceeded) << plain->error();
  plain->close();

  for (const char* option : {"ssl_mode=REQUIRED", "ssl=true"}) {
    SCOPED_TRACE(option);
    ConnectSpec tls = spec;
    std::string text(option);
    tls.native_options[text.substr(0, text.find('='))] = text.substr(text.find('=') + 1);
    // The application's connection refuses the plain-text session...
    EXPECT_THROW(mysql::make_mysql_driver()->connect(tls), ConnectError);
    // ...and so does the probe: the host is not reported alive over plain text.
    auto probe = mysql::make_mysql_driver()->make_probe(tls);
    EXPECT_EQ(run_check(*probe), HostProbe::Status::kFailed);
    EXPECT_NE(probe->error().find("TLS is required"), std::string::npos) << probe->error();
    EXPECT_FALSE(probe->has_session());
  }
}

}  // namespace
}  // namespace awrap::internal
