// The failover benchmark's client: several threads, each doing one small write and one read
// every ~10 ms, through awrap or through the baseline a C++ user has today (libpq multi-host
// conninfo with target_session_attrs=read-write and a reconnect-and-retry loop).
//
//   failover_workload --client awrap|baseline|baseline_mysql --conninfo "..." [--set name=value
//   ...] [--label NAME]
//
// --label names the client in the rows it writes and in its output (default: --client), so
// several programs can write side by side into one table, each in its own (label, thread, seq)
// range: the DNS-only client is the baseline with one host, labelled "dns-only".
//
// baseline_mysql: Connector/C with the same retry loop; --conninfo is "host1,host2,host3" and it
// reconnects to the first host whose @@read_only is 0 (what target_session_attrs does for libpq).
//                     [--threads 4] [--duration-ms 10000] [--interval-ms 10] [--run-id N]
//
// Prints one JSON object on stdout: every operation's outcome with CLOCK_MONOTONIC timestamps
// (the lab's event log uses the same clock), so the driver script can line up what the
// application saw with what the cluster did. Threads still blocked at the deadline (the baseline
// on a black-holed writer) are reported as hung and abandoned: the process exits at its deadline.
#include <libpq-fe.h>
#include <mysql.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "awrap/awrap.hpp"
#include "core/property_docs.hpp"

namespace {

using Clock = std::chrono::steady_clock;

std::int64_t mono_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

struct Options {
  std::string client = "awrap";
  std::string label;  // written into every row; defaults to client
  std::string conninfo;
  awrap::PropertyMap properties;
  int threads = 4;
  int duration_ms = 10000;
  int interval_ms = 10;
  int run_id = 0;
};

struct Op {
  std::int64_t start_ns;
  std::int64_t end_ns;
  std::int64_t seq;  // the write's sequence number (0 for a read)
  bool ok;
  bool write;
  std::string error;  // error class when !ok
};

struct ThreadLog {
  std::mutex mutex;
  std::vector<Op> ops;
  std::atomic<bool> in_call{false};
  std::atomic<std::int64_t> call_started_ns{0};
  std::atomic<bool> finished{false};
};

std::string insert_sql(const Options& o, int thread, std::int64_t seq) {
  return "INSERT INTO bench_writes(run_id, client, thread, seq) VALUES (" +
         std::to_string(o.run_id) + ", '" + o.label + "', " + std::to_string(thread) + ", " +
         std::to_string(seq) + ")";
}

// One write then one read, recording each.
template <typename Exec>
void workload_loop(const Options& o, int thread, ThreadLog& log, std::int64_t deadline_ns,
                   Exec exec) {
  std::int64_t seq = 0;
  while (mono_ns() < deadline_ns) {
    ++seq;
    for (bool write : {true, false}) {
      Op op{mono_ns(), 0, write ? seq : 0, false, write, {}};
      log.call_started_ns = op.start_ns;
      log.in_call = true;
      op.error = exec(write ? insert_sql(o, thread, seq)
                            : std::string("SELECT count(*) FROM bench_writes"));
      log.in_call = false;
      op.end_ns = mono_ns();
      op.ok = op.error.empty();
      std::lock_guard lock(log.mutex);
      log.ops.push_back(std::move(op));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(o.interval_ms));
  }
  log.finished = true;
}

void run_awrap(const Options& o, int thread, ThreadLog& log, std::int64_t deadline_ns) {
  std::optional<awrap::Connection> conn;
  workload_loop(o, thread, log, deadline_ns, [&](const std::string& sql) -> std::string {
    try {
      if (!conn) conn.emplace(awrap::Connection::open(o.conninfo, o.properties));
      conn->execute(sql);
      return {};
    } catch (const awrap::FailoverError& e) {
      return awrap::error_class_name(e);  // the connection is usable again (or was closed)
    } catch (const awrap::Error& e) {
      std::string cls = awrap::error_class_name(e);
      if (dynamic_cast<const awrap::ConnectError*>(&e) ||
          dynamic_cast<const awrap::ConnectionLostError*>(&e))
        conn.reset();  // nothing to fail over to: reconnect next time
      return cls;
    }
  });
}

void run_baseline(const Options& o, int thread, ThreadLog& log, std::int64_t deadline_ns) {
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn(nullptr, &PQfinish);
  workload_loop(o, thread, log, deadline_ns, [&](const std::string& sql) -> std::string {
    if (!conn || PQstatus(conn.get()) != CONNECTION_OK) {
      conn.reset(PQconnectdb(o.conninfo.c_str()));
      if (PQstatus(conn.get()) != CONNECTION_OK) {
        conn.reset();
        std::this_thread::sleep_for(std::chrono::milliseconds(o.interval_ms));
        return "connect_failed";
      }
    }
    std::unique_ptr<PGresult, decltype(&PQclear)> r(PQexec(conn.get(), sql.c_str()), &PQclear);
    auto status = PQresultStatus(r.get());
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return {};
    const char* state = PQresultErrorField(r.get(), PG_DIAG_SQLSTATE);
    std::string error = state ? std::string("sqlstate_") + state : std::string("connection_lost");
    if (PQstatus(conn.get()) != CONNECTION_OK) conn.reset();
    return error;
  });
}

void run_baseline_mysql(const Options& o, int thread, ThreadLog& log, std::int64_t deadline_ns) {
  std::unique_ptr<MYSQL, decltype(&mysql_close)> conn(nullptr, &mysql_close);
  std::vector<std::string> hosts;
  for (std::size_t start = 0; start <= o.conninfo.size();) {
    auto comma = o.conninfo.find(',', start);
    hosts.push_back(
        o.conninfo.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  auto connect_writer = [&]() -> bool {
    for (const auto& host : hosts) {
      std::unique_ptr<MYSQL, decltype(&mysql_close)> c(mysql_init(nullptr), &mysql_close);
      unsigned timeout = 2;
      mysql_optionsv(c.get(), MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
      if (!mysql_real_connect(c.get(), host.c_str(), "awrap", "awrap-lab-password", "awrap", 3306,
                              nullptr, 0))
        continue;
      if (mysql_query(c.get(), "SELECT @@read_only") != 0) continue;
      std::unique_ptr<MYSQL_RES, decltype(&mysql_free_result)> r(mysql_store_result(c.get()),
                                                                 &mysql_free_result);
      MYSQL_ROW row = r ? mysql_fetch_row(r.get()) : nullptr;
      if (row && row[0] && std::string(row[0]) == "0") {
        conn = std::move(c);
        return true;
      }
    }
    return false;
  };
  workload_loop(o, thread, log, deadline_ns, [&](const std::string& sql) -> std::string {
    if (!conn && !connect_writer()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(o.interval_ms));
      return "connect_failed";
    }
    if (mysql_query(conn.get(), sql.c_str()) != 0) {
      unsigned code = mysql_errno(conn.get());
      conn.reset();  // the safe choice after any error: reconnect to whichever host is the writer
      return "mysql_" + std::to_string(code);
    }
    if (MYSQL_RES* r = mysql_store_result(conn.get())) mysql_free_result(r);
    return {};
  });
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "missing value for " << a << "\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--client")
      o.client = value();
    else if (a == "--label")
      o.label = value();
    else if (a == "--conninfo")
      o.conninfo = value();
    else if (a == "--threads")
      o.threads = std::stoi(value());
    else if (a == "--duration-ms")
      o.duration_ms = std::stoi(value());
    else if (a == "--interval-ms")
      o.interval_ms = std::stoi(value());
    else if (a == "--run-id")
      o.run_id = std::stoi(value());
    else if (a == "--set") {
      std::string kv = value();
      auto eq = kv.find('=');
      if (eq == std::string::npos) {
        std::cerr << "--set expects name=value\n";
        std::exit(2);
      }
      o.properties[kv.substr(0, eq)] = kv.substr(eq + 1);
    } else {
      std::cerr << "unknown argument " << a << "\n";
      std::exit(2);
    }
  }
  if (o.conninfo.empty() ||
      (o.client != "awrap" && o.client != "baseline" && o.client != "baseline_mysql")) {
    std::cerr << "usage: failover_workload --client awrap|baseline|baseline_mysql --conninfo "
                 "CONNINFO [--set k=v]...\n";
    std::exit(2);
  }
  if (o.label.empty()) o.label = o.client;
  if (o.label.size() > 16 || o.label.find_first_of("'\\") != std::string::npos) {
    std::cerr << "--label must be at most 16 characters without quotes or backslashes, got '"
              << o.label << "'\n";
    std::exit(2);
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse(argc, argv);
  // AWRAP_BENCH_DEBUG=1: awrap's debug log on stderr (the runner keeps it with
  // AWRAP_BENCH_STDERR_DIR), to see where a failover's time goes.
  if (const char* debug = std::getenv("AWRAP_BENCH_DEBUG"); debug && *debug == '1')
    awrap::set_log_level(awrap::LogLevel::kDebug);
  std::int64_t start_ns = mono_ns();
  std::int64_t deadline_ns = start_ns + std::int64_t(o.duration_ms) * 1000000;
  std::vector<std::unique_ptr<ThreadLog>> logs;
  std::vector<std::thread> threads;
  for (int t = 0; t < o.threads; ++t) {
    logs.push_back(std::make_unique<ThreadLog>());
    threads.emplace_back([&, t] {
      if (o.client == "awrap")
        run_awrap(o, t, *logs[t], deadline_ns);
      else if (o.client == "baseline_mysql")
        run_baseline_mysql(o, t, *logs[t], deadline_ns);
      else
        run_baseline(o, t, *logs[t], deadline_ns);
    });
  }
  // Wait for the deadline plus a grace period; threads still inside a call then are hung.
  auto grace = std::chrono::milliseconds(2000);
  std::this_thread::sleep_until(Clock::time_point(std::chrono::nanoseconds(deadline_ns)) + grace);
  nlohmann::json out;
  out["client"] = o.label;
  out["driver"] = o.client;
  out["run_id"] = o.run_id;
  out["start_ns"] = start_ns;
  out["deadline_ns"] = deadline_ns;
  out["threads"] = nlohmann::json::array();
  for (int t = 0; t < o.threads; ++t) {
    nlohmann::json th;
    th["hung"] = !logs[t]->finished.load();
    th["hung_since_ns"] = logs[t]->finished ? 0 : logs[t]->call_started_ns.load();
    nlohmann::json ops = nlohmann::json::array();
    std::lock_guard lock(logs[t]->mutex);
    for (const auto& op : logs[t]->ops)
      ops.push_back({op.start_ns, op.end_ns, op.seq, op.ok, op.write, op.error});
    th["ops"] = std::move(ops);
    out["threads"].push_back(std::move(th));
  }
  std::cout << out.dump() << std::endl;
  std::fflush(stdout);
  // Hung threads cannot be joined; leave without running destructors that would wait for them.
  std::quick_exit(0);
}
