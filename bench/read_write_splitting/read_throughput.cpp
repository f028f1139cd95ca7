// Read throughput through read_write_splitting with one reader and with two, side by side in one
// run, and the writer's share of the reads (the target is 0). Two lab clusters (aurora flavour):
// a writer and one reader, and a writer and two readers. T client threads, each with its own
// Connection moved to a reader by set_read_only(true), run a small CPU-bound read for D seconds;
// the two clusters take turns for R rounds, so machine load hits both alike.
//
// Who served each read is asked of the server: every read returns the serving instance's own
// identifier (aurora_db_instance_identifier() / @@aurora_server_id), never taken from awrap.
// Every Connection opens through the cluster (writer) endpoint, so a read on the writer would be
// a Connection that was never moved.
//
// docs/benchmarks.md has figures and how to run it (take the lab lock).
//
//   rws_read_throughput --engine pg|mariadb [--threads T] [--seconds D] [--rounds R]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "awrap/awrap.hpp"
#include "rws_bench_support.hpp"
#include "support/lab_cluster.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using awrap::internal::testing::LabCluster;

struct Tally {
  long reads = 0;
  std::map<std::string, long> per_instance;
  double seconds = 0;
};

struct Setup {
  LabCluster cluster;
  std::string endpoint;
  awrap::PropertyMap props;
  std::string writer;
};

Setup bring_up(bool pg, int readers) {
  std::string name = std::string(pg ? "rwtp-pg-" : "rwtp-my-") + std::to_string(readers);
  std::string base = std::string("127.0.4.") + (pg ? "1" : "5") + (readers == 1 ? "1" : "5");
  auto cluster = LabCluster::up({.name = name,
                                 .engine = pg ? "pg" : "mariadb",
                                 .flavour = "aurora",
                                 .nodes = readers + 1,
                                 .base = base});
  auto status = cluster.status();
  std::string endpoint = awrap::internal::bench::cluster_endpoint_conninfo(status, pg);
  awrap::PropertyMap props{
      {"wrapper_plugins", "aurora_connection_tracker,read_write_splitting,failover"},
      {"cluster_endpoint_role", "writer"},
      {"reader_host_selector_strategy", "least_connections"},
      {"cluster_instance_host_pattern", status.host_pattern}};
  return {std::move(cluster), endpoint, props, status.writer};
}

// T threads read for `seconds` through Connections moved to readers.
Tally run_reads(const Setup& s, bool pg, int threads, double seconds) {
  const std::string sql =
      pg ? "SELECT pg_catalog.aurora_db_instance_identifier() FROM (SELECT count(*) FROM "
           "generate_series(1, 2000)) AS work"
         : "SELECT @@aurora_server_id FROM (SELECT count(*) FROM information_schema.collations) "
           "AS work";
  std::vector<awrap::Connection> connections;
  for (int i = 0; i < threads; ++i) {
    connections.push_back(awrap::Connection::open(s.endpoint, s.props));
    connections.back().set_read_only(true);
  }
  std::mutex mutex;
  Tally tally;
  std::atomic<bool> stop{false};
  std::vector<std::thread> workers;
  auto start = Clock::now();
  for (auto& c : connections) {
    workers.emplace_back([&, conn = &c] {
      std::map<std::string, long> mine;
      long n = 0;
      try {
        while (!stop.load(std::memory_order_relaxed)) {
          ++mine[conn->execute(sql).scalar<std::string>()];
          ++n;
        }
      } catch (const std::exception& e) {
        std::fprintf(stderr, "a reader thread stopped: %s\n", e.what());
      }
      std::lock_guard lock(mutex);
      tally.reads += n;
      for (auto& [k, v] : mine) tally.per_instance[k] += v;
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& w : workers) w.join();
  tally.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return tally;
}

void add(Tally& sum, const Tally& t) {
  sum.reads += t.reads;
  sum.seconds += t.seconds;
  for (auto& [k, v] : t.per_instance) sum.per_instance[k] += v;
}

}  // namespace

int main(int argc, char** argv) {
  std::string engine = "pg";
  int threads = 4;
  double seconds = 5;
  int rounds = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--engine") engine = argv[i + 1];
    if (flag == "--threads") threads = std::stoi(argv[i + 1]);
    if (flag == "--seconds") seconds = std::stod(argv[i + 1]);
    if (flag == "--rounds") rounds = std::stoi(argv[i + 1]);
  }
  bool pg = engine == "pg";
  try {
    Setup one = bring_up(pg, 1);
    Setup two = bring_up(pg, 2);
    Tally sum1, sum2;
    for (int r = 0; r < rounds; ++r) {
      add(sum1, run_reads(one, pg, threads, seconds));
      add(sum2, run_reads(two, pg, threads, seconds));
    }
    std::printf("engine %s, %d client threads, %d rounds of %.1f s per setup\n", engine.c_str(),
                threads, rounds, seconds);
    std::printf("%-12s %12s %12s %14s  %s\n", "readers", "reads", "reads/s", "writer share",
                "reads per instance (as the servers name themselves)");
    double rate1 = 0, rate2 = 0;
    for (auto [label, sum, writer, rate] :
         {std::tuple{"1", &sum1, one.writer, &rate1}, std::tuple{"2", &sum2, two.writer, &rate2}}) {
      *rate = static_cast<double>(sum->reads) / sum->seconds;
      long on_writer = sum->per_instance.count(writer) ? sum->per_instance.at(writer) : 0;
      std::string spread;
      for (auto& [k, v] : sum->per_instance) spread += k + "=" + std::to_string(v) + " ";
      std::printf("%-12s %12ld %12.0f %13.2f%%  %s\n", label, sum->reads, *rate,
                  100.0 * static_cast<double>(on_writer) / static_cast<double>(sum->reads),
                  spread.c_str());
    }
    std::printf("ratio 2 readers / 1 reader (reads/s): %.2f\n", rate2 / rate1);
  } catch (const std::exception& e) {
    std::cerr << "rws_read_throughput: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
