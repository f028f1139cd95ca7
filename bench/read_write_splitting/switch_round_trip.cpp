// The cost of a read/write switch round trip (writer -> reader -> writer), three ways side by side
// in one run on one lab cluster (aurora flavour, a writer and a reader):
//   rws:   one Connection with read_write_splitting; set_read_only(true) then set_read_only(false)
//          (both physical connections stay open, so no login after the first switch);
//   srw:   the same with the srw plugin (simple read/write splitting between two endpoints, here
//          the writer's and the reader's instance endpoints; no topology);
//   fresh: what an application without either does: open a new connection to the reader, then a
//          new one to the writer (one login each), closing the old one.
// The three alternate per iteration, so machine load hits them alike. Prints medians and p90 per
// round trip and the ratios. docs/benchmarks.md has figures and how to run it (take the lab lock).
//
//   rws_switch_round_trip --engine pg|mariadb [--iterations N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "awrap/awrap.hpp"
#include "rws_bench_support.hpp"
#include "support/lab_cluster.hpp"

namespace {

using awrap::internal::bench::Clock;
using awrap::internal::bench::micros;
using awrap::internal::bench::percentile;

}  // namespace

int main(int argc, char** argv) {
  std::string engine = "pg";
  int iterations = 200;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--engine") engine = argv[i + 1];
    if (flag == "--iterations") iterations = std::stoi(argv[i + 1]);
  }
  bool pg = engine == "pg";
  try {
    auto cluster =
        awrap::internal::testing::LabCluster::up({.name = pg ? "rwsb-pg" : "rwsb-my",
                                                  .engine = pg ? "pg" : "mariadb",
                                                  .flavour = "aurora",
                                                  .nodes = 2,
                                                  .base = pg ? "127.0.0.226" : "127.0.0.236"});
    auto status = cluster.status();
    std::string reader;
    for (const auto& n : status.nodes)
      if (!n.is_writer()) reader = n.name;
    std::string endpoint = awrap::internal::bench::cluster_endpoint_conninfo(status, pg);
    awrap::PropertyMap props{
        {"wrapper_plugins", "aurora_connection_tracker,read_write_splitting,failover"},
        {"cluster_endpoint_role", "writer"},
        {"cluster_instance_host_pattern", status.host_pattern}};
    auto kept = awrap::Connection::open(endpoint, props);
    kept.set_read_only(true);  // the first switch logs in to the reader once
    kept.set_read_only(false);

    std::string writer_host, reader_host;
    for (const auto& n : status.nodes) (n.is_writer() ? writer_host : reader_host) = n.hostname;
    awrap::PropertyMap srw_props{{"wrapper_plugins", "srw"},
                                 {"srw_write_endpoint", writer_host},
                                 {"srw_read_endpoint", reader_host}};
    auto srw = awrap::Connection::open(endpoint, srw_props);
    srw.set_read_only(true);  // logs in to the reader once, verified
    srw.set_read_only(false);

    std::string writer_conninfo = cluster.conninfo(status.writer);
    std::string reader_conninfo = cluster.conninfo(reader);
    awrap::PropertyMap plain{{"wrapper_plugins", ""}};
    auto fresh = awrap::Connection::open(writer_conninfo, plain);

    std::vector<double> kept_us, srw_us, fresh_us;
    for (int i = 0; i < iterations; ++i) {
      auto t0 = Clock::now();
      kept.set_read_only(true);
      kept.set_read_only(false);
      kept_us.push_back(micros(Clock::now() - t0));

      t0 = Clock::now();
      srw.set_read_only(true);
      srw.set_read_only(false);
      srw_us.push_back(micros(Clock::now() - t0));

      t0 = Clock::now();
      fresh.close();
      fresh = awrap::Connection::open(reader_conninfo, plain);
      fresh.close();
      fresh = awrap::Connection::open(writer_conninfo, plain);
      fresh_us.push_back(micros(Clock::now() - t0));
    }
    // The switches really move: each side is asked which instance serves it.
    const std::string who =
        pg ? "SELECT pg_catalog.aurora_db_instance_identifier()" : "SELECT @@aurora_server_id";
    for (auto* c : {&kept, &srw}) {
      c->set_read_only(true);
      std::string on_reader = c->execute(who).scalar<std::string>();
      c->set_read_only(false);
      std::string on_writer = c->execute(who).scalar<std::string>();
      if (on_reader != reader || on_writer != status.writer)
        throw std::runtime_error("a switch did not move: reader side on " + on_reader +
                                 ", writer side on " + on_writer);
    }
    double kept_p50 = percentile(kept_us, 0.5), fresh_p50 = percentile(fresh_us, 0.5);
    double srw_p50 = percentile(srw_us, 0.5);
    std::printf("engine %s, %d round trips writer -> reader -> writer each\n", engine.c_str(),
                iterations);
    std::printf("%-34s %10s %10s\n", "", "p50 us", "p90 us");
    std::printf("%-34s %10.1f %10.1f\n", "kept connections (rws)", kept_p50,
                percentile(kept_us, 0.9));
    std::printf("%-34s %10.1f %10.1f\n", "kept connections (srw)", srw_p50,
                percentile(srw_us, 0.9));
    std::printf("%-34s %10.1f %10.1f\n", "new connection per switch", fresh_p50,
                percentile(fresh_us, 0.9));
    std::printf("ratio new/rws (p50): %.1f\n", fresh_p50 / kept_p50);
    std::printf("ratio new/srw (p50): %.1f\n", fresh_p50 / srw_p50);
    std::printf("ratio srw/rws (p50): %.2f\n", srw_p50 / kept_p50);
  } catch (const std::exception& e) {
    std::cerr << "rws_switch_round_trip: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
