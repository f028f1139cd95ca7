// Test access to the lab (lab/awlab): real PostgreSQL / MariaDB clusters on 127.0.0.0/8 with
// Aurora and Multi-AZ emulation, fault injection and failover. See docs/lab.md.
//
//   auto cluster = awrap::internal::testing::LabCluster::up(
//       {.name = "failover-pg", .engine = "pg", .flavour = "aurora", .base = "127.0.0.31"});
//   cluster.fault("instance-1", awrap::internal::testing::LabFault::kCrash);
//   cluster.failover();
//   std::string writer = cluster.writer().name;        // e.g. "instance-2"
//   std::string conninfo = cluster.conninfo(writer);   // for libpq or awrap
//   // ~LabCluster runs `awlab down`: no processes, iptables rules, data or hosts lines remain.
//
// Every call runs the awlab script (path: env AWLAB, else AWRAP_SOURCE_DIR "/lab/awlab") and
// throws LabError, with the script's stderr, when it fails. Set AWLAB_KEEP=1 to keep clusters
// after the test for debugging.
//
// Thread-safety: a LabCluster is not synchronised; use one from one thread at a time. Two
// clusters may run side by side when their names and address ranges (base) differ.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace awrap::internal::testing {

// A failure of the lab script; what() carries its exit status and stderr.
class LabError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct LabOptions {
  std::string name;               // DNS label: lowercase letters, digits, '-'
  std::string engine = "pg";      // "pg" or "mariadb"
  std::string flavour = "plain";  // "plain", "aurora" or "multi-az"
  int nodes = 3;
  std::string base = "127.0.0.11";  // address of instance-1; instance-K is base + K - 1
  bool sync = false;                // commits wait for one standby (pg: ANY 1, mariadb: semi-sync)
  int dns_lag_ms = 0;  // delay between promotion and the cluster endpoint moving in /etc/hosts
  // pg: extra pg_hba.conf lines placed before the lab's own (e.g. a `pam` line); mariadb: unused.
  std::vector<std::string> hba_lines = {};
  // Extra server settings NAME=VALUE (postgresql.conf / my.cnf), e.g. "plugin_load_add=auth_pam".
  std::vector<std::string> settings = {};
};

// kStall: the node's TCP connections stay open and connects complete, but no message is
// delivered any more in either direction (see docs/lab.md). Latency and loss take parameters:
// LabCluster::add_latency / add_loss.
enum class LabFault { kCrash, kStop, kHang, kBlackhole, kStall };
std::string_view to_string(LabFault fault) noexcept;

struct LabNode {
  std::string name;      // "instance-K"
  std::string host;      // its address, e.g. "127.0.0.32"
  std::string hostname;  // "instance-K.<cluster>.awlab.test" (resolves through /etc/hosts)
  int port = 0;
  std::string role;  // "writer" or "reader"
  // "running", "crashed", "stopped", "hung", "blackholed" or "stalled"
  std::string state;
  std::optional<double> latency_ms;    // added round-trip delay, when the node has some
  std::optional<double> loss_percent;  // packet loss per direction, when the node has some
  std::optional<std::int64_t> pid;

  bool is_writer() const noexcept { return role == "writer"; }
  bool is_running() const noexcept { return state == "running"; }
};

struct LabStatus {
  std::string name;
  std::string engine;
  std::string flavour;
  std::string writer;            // name of the writer node
  std::string host_pattern;      // "?.<cluster>.awlab.test" for cluster_instance_host_pattern
  std::string cluster_endpoint;  // "<cluster>.cluster.awlab.test" -> writer
  std::string reader_endpoint;   // "<cluster>.cluster-ro.awlab.test" -> a reader
  std::string events_path;       // JSON lines, see docs/lab.md
  std::vector<LabNode> nodes;

  // REQUIRES: a node of that name exists (else throws LabError).
  const LabNode& node(std::string_view node_name) const;
  static LabStatus from_json(const nlohmann::json& status);
};

// Output of one awlab run.
struct LabRun {
  int exit_code = 0;
  std::string out;
  std::string err;
};

class LabCluster {
 public:
  // Brings the cluster up (idempotent: an identical running cluster is reused).
  static LabCluster up(LabOptions options);
  // Runs `awlab <arguments...>` and returns its output; throws LabError on a non-zero exit.
  static LabRun run_awlab(const std::vector<std::string>& arguments, bool check = true);
  static std::string awlab_path();

  LabCluster(LabCluster&& other) noexcept;
  LabCluster& operator=(LabCluster&& other) noexcept;
  LabCluster(const LabCluster&) = delete;
  LabCluster& operator=(const LabCluster&) = delete;
  ~LabCluster();  // awlab down (errors are printed, not thrown)

  const LabOptions& options() const noexcept { return options_; }
  const std::string& name() const noexcept { return options_.name; }

  LabStatus status() const;  // fresh from `awlab status`
  LabNode writer() const;
  LabNode node(std::string_view node_name) const;

  // Each returns the status after the action.
  // failover_after_ms: when the node is the writer, the lab fails over by itself after that
  // delay, in the background (like Aurora's automatic failover); see the event log for when.
  LabStatus fault(std::string_view node_name, LabFault fault,
                  std::optional<int> failover_after_ms = std::nullopt);
  LabStatus fault(std::string_view node_name, std::string_view kind,
                  std::optional<int> failover_after_ms = std::nullopt);
  // Every round trip to the node takes delay_ms (+- jitter_ms per packet) longer.
  LabStatus add_latency(std::string_view node_name, double delay_ms, double jitter_ms = 0,
                        int seed = 0);
  // Each packet to or from the node is lost with this probability (percent, in (0, 100]).
  LabStatus add_loss(std::string_view node_name, double percent);
  // Undoes every fault of the node (including latency, loss and stall).
  LabStatus heal(std::string_view node_name);
  LabStatus failover(std::optional<std::string> target = std::nullopt);
  LabStatus switchover(std::optional<std::string> target = std::nullopt);
  LabStatus rejoin(std::string_view node_name);

  // Runs SQL as admin on a node; rows are lines, fields tab-separated.
  std::string sql(std::string_view node_name, std::string_view statement) const;
  std::vector<std::vector<std::string>> sql_rows(std::string_view node_name,
                                                 std::string_view statement) const;

  std::string events_path() const;
  // Every event logged so far, oldest first.
  std::vector<nlohmann::json> events() const;
  // The most recent event of that kind (and node, if given).
  std::optional<nlohmann::json> last_event(std::string_view kind,
                                           std::string_view node_name = {}) const;

  // Connection string for the node's address: libpq keywords for pg, a mysql:// URL for
  // mariadb. host_override replaces the address (e.g. a hostname or the cluster endpoint).
  std::string conninfo(std::string_view node_name, std::string_view host_override = {}) const;
  // The same for the cluster (writer) endpoint name.
  std::string cluster_conninfo() const;

  // Leaves the cluster running when this object dies.
  void release() noexcept { released_ = true; }

 private:
  explicit LabCluster(LabOptions options) : options_(std::move(options)) {}
  LabStatus run_for_status(const std::vector<std::string>& arguments) const;
  void tear_down() noexcept;  // awlab down once, unless released

  LabOptions options_;
  bool released_ = false;
};

// GoogleTest base: one fresh cluster per test.
//   class MyTest : public LabClusterTest {
//     LabOptions lab_options() const override { return {.name = "my-pg", .flavour = "aurora"}; }
//   };
//   TEST_F(MyTest, Works) { cluster().failover(); }
class LabClusterTest : public ::testing::Test {
 protected:
  virtual LabOptions lab_options() const = 0;
  void SetUp() override;
  void TearDown() override;
  LabCluster& cluster();

 private:
  std::optional<LabCluster> cluster_;
};

}  // namespace awrap::internal::testing
