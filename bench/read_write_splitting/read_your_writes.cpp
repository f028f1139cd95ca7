// The cost of read_consistency=session (read-your-writes) per routed read, side by side with
// read_consistency=eventual in one run on one lab cluster (aurora flavour, a writer and a reader
// replaying normally). Each iteration, for each of two Connections (one per setting, used
// alternately so machine load hits both alike): on the writer, INSERT one row (autocommit);
// then time set_read_only(true) plus one SELECT on the reader of the row just written (the
// routed read). Prints p50/p99 per setting, the added latency, how often the read found its row,
// and how often it stayed on the writer (reader not caught up within the timeout). A second
// pair of rows times the same switch and SELECT with no statement on the writer before it (what
// a switch costs a session that did not write).
//
//   rws_read_your_writes --engine pg|mariadb [--iterations N] [--timeout-ms T]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "awrap/awrap.hpp"
#include "rws_bench_support.hpp"
#include "support/lab_cluster.hpp"

namespace {

using awrap::internal::bench::Clock;
using awrap::internal::bench::micros;
using awrap::internal::bench::percentile;

struct Side {
  std::vector<double> us;
  int found = 0;      // the routed read saw the row just written
  int on_writer = 0;  // the routed read ran on the writer
};

}  // namespace

int main(int argc, char** argv) {
  std::string engine = "pg";
  int iterations = 500;
  std::string timeout_ms = "1000";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--engine") engine = argv[i + 1];
    if (flag == "--iterations") iterations = std::stoi(argv[i + 1]);
    if (flag == "--timeout-ms") timeout_ms = argv[i + 1];
  }
  bool pg = engine == "pg";
  try {
    auto cluster =
        awrap::internal::testing::LabCluster::up({.name = pg ? "rywb-pg" : "rywb-my",
                                                  .engine = pg ? "pg" : "mariadb",
                                                  .flavour = "aurora",
                                                  .nodes = 2,
                                                  .base = pg ? "127.0.0.226" : "127.0.0.236"});
    auto status = cluster.status();
    std::string endpoint = awrap::internal::bench::cluster_endpoint_conninfo(status, pg);
    std::string who =
        pg ? "SELECT pg_catalog.aurora_db_instance_identifier()" : "SELECT @@aurora_server_id";
    cluster.sql(status.writer, "CREATE TABLE rywb (id INT PRIMARY KEY)");
    awrap::PropertyMap base{
        {"wrapper_plugins", "aurora_connection_tracker,read_write_splitting,failover"},
        {"cluster_endpoint_role", "writer"},
        {"cluster_instance_host_pattern", status.host_pattern}};
    auto session_props = base;
    session_props["read_consistency"] = "session";
    session_props["read_consistency_timeout_ms"] = timeout_ms;
    auto eventual = awrap::Connection::open(endpoint, base);
    auto session = awrap::Connection::open(endpoint, session_props);
    for (auto* c : {&eventual, &session}) {  // the first switch logs in to the reader once
      c->set_read_only(true);
      c->set_read_only(false);
    }

    Side off, on, off_idle, on_idle;
    int next_id = 0;
    auto measure = [&](awrap::Connection& c, Side& side, bool write) {
      int id = write ? ++next_id : next_id;
      c.set_read_only(false);
      if (write) c.execute("INSERT INTO rywb VALUES (" + std::to_string(id) + ")");
      auto t0 = Clock::now();
      c.set_read_only(true);
      auto rows = c.execute("SELECT count(*) FROM rywb WHERE id = " + std::to_string(id))
                      .scalar<std::int64_t>();
      side.us.push_back(micros(Clock::now() - t0));
      side.found += rows == 1 ? 1 : 0;
      side.on_writer += c.execute(who).scalar<std::string>() == status.writer ? 1 : 0;
    };
    for (int i = 0; i < iterations; ++i) {
      measure(eventual, off, true);
      measure(session, on, true);
      measure(eventual, off_idle, false);
      measure(session, on_idle, false);
    }
    double off50 = percentile(off.us, 0.5), off99 = percentile(off.us, 0.99);
    double on50 = percentile(on.us, 0.5), on99 = percentile(on.us, 0.99);
    std::printf(
        "engine %s, %d iterations: INSERT on the writer, then set_read_only(true) + "
        "SELECT of that row (timed)\n",
        engine.c_str(), iterations);
    std::printf("%-28s %10s %10s %12s %12s\n", "read_consistency", "p50 us", "p99 us", "row found",
                "on writer");
    std::printf("%-28s %10.1f %10.1f %12d %12d\n", "eventual", off50, off99, off.found,
                off.on_writer);
    std::printf("%-28s %10.1f %10.1f %12d %12d\n", ("session (" + timeout_ms + " ms)").c_str(),
                on50, on99, on.found, on.on_writer);
    std::printf("%-28s %10.1f %10.1f %12d %12d\n", "eventual, no write before",
                percentile(off_idle.us, 0.5), percentile(off_idle.us, 0.99), off_idle.found,
                off_idle.on_writer);
    std::printf("%-28s %10.1f %10.1f %12d %12d\n", "session, no write before",
                percentile(on_idle.us, 0.5), percentile(on_idle.us, 0.99), on_idle.found,
                on_idle.on_writer);
    std::printf(
        "added per routed read: p50 %+.1f us, p99 %+.1f us; ratio session/eventual "
        "(p50) %.2f\n",
        on50 - off50, on99 - off99, on50 / off50);
  } catch (const std::exception& e) {
    std::cerr << "rws_read_your_writes: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
