// Per-call overhead of awrap.
//
//   BM_SelectOne/direct_libpq            libpq PQexec("SELECT 1") on a loopback server
//   BM_SelectOne/awrap_no_plugins        the same through awrap::Connection, no plugins
//   BM_SelectOne/awrap_default_plugins   the same with every plugin implemented so far
//   BM_SelectOneMysql/direct_connector_c MariaDB Connector/C mysql_query("SELECT 1") on loopback
//   BM_SelectOneMysql/awrap_no_plugins    the same through awrap
//   BM_SelectOneMysql/awrap_default_plugins
//   BM_Dispatch/direct_virtual_call      a virtual call into an in-process fake driver
//   BM_Dispatch/awrap_plugins:N          Connection::execute through N no-op plugins (fake driver)
//   BM_Dispatch/host_monitoring          Connection::execute through host_monitoring (fake driver)
//   BM_HostMonitoring/call_register_unregister  what host_monitoring adds per call: marking the
//                                        call's start and end on the connection's registration
//   BM_HostMonitoring/attach_detach      registering a physical connection with its host's monitor
//                                        and removing it (once per physical connection)
//
// The loopback pairs need servers: AWRAP_BENCH_PG_CONNINFO (default: the lab's itest-pg node) and
// the lab's itest-maria node on 127.0.0.41.
// Run: build/release/bench/overhead_bench --benchmark_repetitions=5
// --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>
#include <libpq-fe.h>
#include <mysql.h>

#include <cstdlib>
#include <memory>

#include "awrap/awrap.hpp"
#include "base/runtime.hpp"
#include "core/connection_impl.hpp"
#include "plugin/host_monitoring/host_monitor.hpp"
#include "support/fake_driver.hpp"

namespace {

std::string pg_conninfo() {
  const char* v = std::getenv("AWRAP_BENCH_PG_CONNINFO");
  return v ? v : "host=127.0.0.40 port=5432 user=awrap password=awrap-lab-password dbname=awrap";
}

void BM_SelectOne_direct_libpq(benchmark::State& state) {
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(pg_conninfo().c_str()), &PQfinish);
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    state.SkipWithError(
        "no PostgreSQL server (start one with lab/awlab up --name itest-pg --engine pg --nodes 1 "
        "--base 127.0.0.40)");
    return;
  }
  for (auto _ : state) {
    PGresult* r = PQexec(conn.get(), "SELECT 1");
    benchmark::DoNotOptimize(PQgetvalue(r, 0, 0));
    PQclear(r);
  }
}
BENCHMARK(BM_SelectOne_direct_libpq)->Name("BM_SelectOne/direct_libpq")->UseRealTime();

void select_one_awrap(benchmark::State& state, const char* plugins) {
  try {
    auto conn = awrap::Connection::open(pg_conninfo(), {{"wrapper_plugins", plugins}});
    for (auto _ : state) {
      awrap::Result r = conn.execute("SELECT 1");
      benchmark::DoNotOptimize(r[0][0].text());
    }
  } catch (const awrap::Error& e) {
    state.SkipWithError(e.what());
  }
}
void BM_SelectOne_awrap_no_plugins(benchmark::State& state) {
  select_one_awrap(state, "");
}
BENCHMARK(BM_SelectOne_awrap_no_plugins)->Name("BM_SelectOne/awrap_no_plugins")->UseRealTime();

// The default plugin set (what a Connection loads when wrapper_plugins is not given).
constexpr const char* kDefaultPlugins =
    "initial_connection,aurora_connection_tracker,failover,host_monitoring";
void BM_SelectOne_awrap_default_plugins(benchmark::State& state) {
  select_one_awrap(state, kDefaultPlugins);
}
BENCHMARK(BM_SelectOne_awrap_default_plugins)
    ->Name("BM_SelectOne/awrap_default_plugins")
    ->UseRealTime();

void BM_SelectOneMysql_direct_connector_c(benchmark::State& state) {
  std::unique_ptr<MYSQL, decltype(&mysql_close)> conn(mysql_init(nullptr), &mysql_close);
  if (!mysql_real_connect(conn.get(), "127.0.0.41", "awrap", "awrap-lab-password", "awrap", 3306,
                          nullptr, 0)) {
    state.SkipWithError(
        "no MariaDB server (lab/awlab up --name itest-maria --engine mariadb --nodes 1 --base "
        "127.0.0.41)");
    return;
  }
  for (auto _ : state) {
    mysql_query(conn.get(), "SELECT 1");
    MYSQL_RES* r = mysql_store_result(conn.get());
    benchmark::DoNotOptimize(mysql_fetch_row(r));
    mysql_free_result(r);
  }
}
BENCHMARK(BM_SelectOneMysql_direct_connector_c)
    ->Name("BM_SelectOneMysql/direct_connector_c")
    ->UseRealTime();

void select_one_awrap_mysql(benchmark::State& state, const char* plugins) {
  try {
    auto conn = awrap::Connection::open("mysql://awrap:awrap-lab-password@127.0.0.41:3306/awrap",
                                        {{"wrapper_plugins", plugins}});
    for (auto _ : state) {
      awrap::Result r = conn.execute("SELECT 1");
      benchmark::DoNotOptimize(r[0][0].text());
    }
  } catch (const awrap::Error& e) {
    state.SkipWithError(e.what());
  }
}
void BM_SelectOneMysql_awrap_no_plugins(benchmark::State& state) {
  select_one_awrap_mysql(state, "");
}
BENCHMARK(BM_SelectOneMysql_awrap_no_plugins)
    ->Name("BM_SelectOneMysql/awrap_no_plugins")
    ->UseRealTime();
void BM_SelectOneMysql_awrap_default_plugins(benchmark::State& state) {
  select_one_awrap_mysql(state, kDefaultPlugins);
}
BENCHMARK(BM_SelectOneMysql_awrap_default_plugins)
    ->Name("BM_SelectOneMysql/awrap_default_plugins")
    ->UseRealTime();

class NoopPlugin final : public awrap::Plugin {
 public:
  std::string_view code() const noexcept override { return "bench_noop"; }
  awrap::MethodSet subscribed_methods() const noexcept override { return awrap::MethodSet::all(); }
};

void register_noop_plugins() {
  static bool done = [] {
    for (int i = 0; i < 10; ++i)
      awrap::register_plugin({"bench_noop" + std::to_string(i), 100 + i,
                              [](awrap::PluginService&, const awrap::Properties&) {
                                return std::make_unique<NoopPlugin>();
                              }});
    return true;
  }();
  (void)done;
}

void BM_Dispatch_direct_virtual_call(benchmark::State& state) {
  awrap::internal::testing::FakeDriver driver;
  awrap::ConnectSpec spec;
  std::unique_ptr<awrap::TargetConnection> conn = driver.connect(spec);
  for (auto _ : state) benchmark::DoNotOptimize(conn->execute("SELECT 1", {}));
}
BENCHMARK(BM_Dispatch_direct_virtual_call)->Name("BM_Dispatch/direct_virtual_call");

void BM_Dispatch_awrap(benchmark::State& state) {
  register_noop_plugins();
  std::string plugins;
  for (int i = 0; i < state.range(0); ++i)
    plugins += (i ? "," : "") + ("bench_noop" + std::to_string(i));
  auto conn = awrap::internal::ConnectionAccess::open(
      "host=fake", {{"wrapper_plugins", plugins}},
      std::make_shared<awrap::internal::testing::FakeDriver>());
  for (auto _ : state) benchmark::DoNotOptimize(conn.execute("SELECT 1"));
}
BENCHMARK(BM_Dispatch_awrap)->Name("BM_Dispatch/awrap_plugins")->Arg(0)->Arg(1)->Arg(10);

void BM_Dispatch_host_monitoring(benchmark::State& state) {
  auto conn = awrap::internal::ConnectionAccess::open(
      "host=fake", {{"wrapper_plugins", "host_monitoring"}},
      std::make_shared<awrap::internal::testing::FakeDriver>());
  for (auto _ : state) benchmark::DoNotOptimize(conn.execute("SELECT 1"));
}
BENCHMARK(BM_Dispatch_host_monitoring)->Name("BM_Dispatch/host_monitoring");

awrap::internal::HostMonitorKey bench_monitor_key() {
  awrap::internal::HostMonitorKey key;
  key.driver = std::make_shared<awrap::internal::testing::FakeDriver>();
  key.host.host = "127.0.0.1";
  key.host.port = 1;  // never probed: no call here lasts failure_detection_time_ms
  return key;
}

void BM_HostMonitoring_call_register_unregister(benchmark::State& state) {
  auto monitor = awrap::internal::acquire_host_monitor(*awrap::internal::Runtime::process(),
                                                       bench_monitor_key());
  auto registration = std::make_shared<awrap::internal::MonitoredConnection>();
  awrap::internal::testing::FakeDriver driver;
  auto conn = driver.connect(awrap::ConnectSpec{});
  monitor->attach(registration, conn.get());
  for (auto _ : state) {
    registration->begin_call();
    benchmark::ClobberMemory();
    registration->end_call();
  }
  monitor->detach(registration.get());
}
BENCHMARK(BM_HostMonitoring_call_register_unregister)
    ->Name("BM_HostMonitoring/call_register_unregister");

void BM_HostMonitoring_attach_detach(benchmark::State& state) {
  auto monitor = awrap::internal::acquire_host_monitor(*awrap::internal::Runtime::process(),
                                                       bench_monitor_key());
  auto registration = std::make_shared<awrap::internal::MonitoredConnection>();
  awrap::internal::testing::FakeDriver driver;
  auto conn = driver.connect(awrap::ConnectSpec{});
  for (auto _ : state) {
    monitor->attach(registration, conn.get());
    monitor->detach(registration.get());
  }
}
BENCHMARK(BM_HostMonitoring_attach_detach)->Name("BM_HostMonitoring/attach_detach");

}  // namespace

BENCHMARK_MAIN();
