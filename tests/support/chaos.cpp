#include "chaos.hpp"

#include <algorithm>
#include <iostream>
#include <memory>
#include <random>
#include <set>
#include <sstream>

#include "support/chaos_workload.hpp"
#include "support/lab_cluster.hpp"
#include "support/thread_count.hpp"

namespace awrap::internal::testing {

using namespace std::chrono_literals;

const std::vector<std::string>& all_chaos_kinds() {
  static const std::vector<std::string> kinds{
      "crash",       "stop",    "hang", "blackhole",    "stall",       "stall_long",
      "switchover",  "latency", "loss", "reader_crash", "reader_hang", "reader_blackhole",
      "reader_stall"};
  return kinds;
}

namespace {

// awrap's settings for the run: aggressive failure detection so that hung, black-holed and
// stalled hosts are noticed, and a failover bound short enough to be reached by stall_long.
constexpr int kDetectionTimeMs = 1000;
constexpr int kDetectionIntervalMs = 500;
constexpr int kDetectionCount = 1;
constexpr int kConnectTimeoutSec = 2;
constexpr double kSlackMs = 4000;  // a loaded, shared 2-core machine

struct Plan {
  std::string kind;
  std::string node;
  std::string detail;
};

std::int64_t event_ns(const LabCluster& cluster, const std::string& kind, const std::string& node,
                      std::int64_t not_before) {
  const auto event = cluster.last_event(kind, node);
  if (!event) return 0;
  const auto ns = event->value("mono_ns", std::int64_t{0});
  return ns >= not_before ? ns : 0;
}

// Waits (bounded) for the lab's automatic failover that a writer fault scheduled.
void wait_for_failover(const LabCluster& cluster, std::int64_t since) {
  const auto deadline = ChaosClock::now() + 90s;
  while (ChaosClock::now() < deadline) {
    if (event_ns(cluster, "failover_done", "", since) != 0) return;
    std::this_thread::sleep_for(50ms);
  }
  throw LabError("the lab's automatic failover did not finish within 90 s");
}

class ChaosRun {
 public:
  explicit ChaosRun(const ChaosOptions& options) : options_(options), random_(options.seed) {
    report_.options = options;
    if (report_.options.cluster_name.empty()) {
      report_.options.cluster_name = options.engine == "pg" ? "chaos-pg" : "chaos-maria";
    }
    if (report_.options.base.empty()) {
      report_.options.base = options.engine == "pg" ? "127.0.0.171" : "127.0.0.181";
    }
    if (report_.options.kinds.empty()) report_.options.kinds = all_chaos_kinds();
    report_.call_bound_ms = options.failover_timeout_sec * 1000.0 + kDetectionTimeMs +
                            kDetectionIntervalMs * kDetectionCount + kConnectTimeoutSec * 1000.0 +
                            kSlackMs;
  }

  ChaosRun(const ChaosRun&) = delete;
  ChaosRun& operator=(const ChaosRun&) = delete;
  // When the lab fails mid-run (LabError), the workload threads must still end before they are
  // joined.
  ~ChaosRun() {
    if (context_) context_->stop = true;
  }

  ChaosReport run();

 private:
  void set_up_cluster();
  void start_workload();
  void stop_workload();
  Plan plan_fault(int index);
  void inject_and_heal(const Plan& plan, FaultRecord& record);
  void wait_for_progress(const FaultRecord& record);
  void check_cluster_healed(const FaultRecord& record);
  void summarise();
  void audit();
  void check_baselines();
  std::string label(const FaultRecord& record) const {
    return "seed " + std::to_string(options_.seed) + " fault#" + std::to_string(record.index) +
           " " + record.kind + "@" + record.node;
  }
  int random_between(int low, int high) {
    return std::uniform_int_distribution<int>(low, high)(random_);
  }
  void log(const std::string& line) const {
    if (options_.verbose) std::cout << "[chaos " << options_.engine << "] " << line << std::endl;
  }

  ChaosOptions options_;
  std::mt19937_64 random_;
  ChaosReport report_;
  std::optional<LabCluster> cluster_;
  std::unique_ptr<WorkloadContext> context_;
  std::vector<std::unique_ptr<WorkloadThread>> threads_;
  std::vector<CallRecord> calls_;
  std::vector<std::string> round_;  // kinds not yet used in this round
};

ChaosReport ChaosRun::run() {
  const auto started = ChaosClock::now();
  report_.threads_before = process_thread_count();
  set_up_cluster();
  start_workload();
  // Paces the run (a seeded bench: its timing is part of what the recorded runs did). Warm:
  // connections open, some writes acknowledged.
  std::this_thread::sleep_for(1s);
  for (int index = 1; index <= options_.faults; ++index) {
    FaultRecord record;
    record.index = index;
    const Plan plan = plan_fault(index);
    record.kind = plan.kind;
    record.node = plan.node;
    record.detail = plan.detail;
    {
      std::lock_guard lock(context_->fault_mutex);
      context_->current_fault = label(record);
    }
    inject_and_heal(plan, record);
    check_cluster_healed(record);
    wait_for_progress(record);
    {
      std::lock_guard lock(context_->fault_mutex);
      context_->current_fault = "after " + label(record);
    }
    report_.faults.push_back(record);
    // Paces the faults: a random calm between them.
    std::this_thread::sleep_for(std::chrono::milliseconds(random_between(200, 800)));
  }
  stop_workload();
  summarise();
  audit();
  check_baselines();
  cluster_.reset();  // awlab down
  report_.duration_s = std::chrono::duration<double>(ChaosClock::now() - started).count();
  return report_;
}

void ChaosRun::set_up_cluster() {
  LabOptions lab;
  lab.name = report_.options.cluster_name;
  lab.engine = options_.engine;
  lab.flavour = options_.engine == "pg" ? "aurora" : "multi-az";
  lab.base = report_.options.base;
  lab.nodes = 3;
  lab.sync = true;  // a promoted standby has every acknowledged commit
  // MariaDB refuses a function that writes while binary logging is on, unless told to trust it.
  if (options_.engine != "pg") lab.settings.push_back("log_bin_trust_function_creators=1");
  cluster_.emplace(LabCluster::up(lab));
  const LabStatus status = cluster_->status();

  context_ = std::make_unique<WorkloadContext>();
  context_->engine = options_.engine;
  PropertyMap common{{"failover_timeout_sec", std::to_string(options_.failover_timeout_sec)},
                     {"connect_timeout", std::to_string(kConnectTimeoutSec)},
                     {"failure_detection_time_ms", std::to_string(kDetectionTimeMs)},
                     {"failure_detection_interval_ms", std::to_string(kDetectionIntervalMs)},
                     {"failure_detection_count", std::to_string(kDetectionCount)},
                     {"monitor_disposal_time_ms", "500"},
                     {"cluster_topology_high_refresh_rate_ms", "50"},
                     {"topology_refresh_ms", "1000"}};
  if (options_.engine == "pg") common["cluster_instance_host_pattern"] = status.host_pattern;
  context_->writer_properties = common;
  context_->writer_properties["cluster_endpoint_role"] = "writer";
  context_->reader_properties = common;
  context_->reader_properties["cluster_endpoint_role"] = "reader";
  context_->reader_properties["failover_mode"] = "reader_or_writer";
  const LabNode writer = cluster_->node(status.writer);
  context_->writer_conninfo = cluster_->conninfo(writer.name, status.cluster_endpoint);
  context_->reader_conninfo = cluster_->conninfo(writer.name, status.reader_endpoint);
  {
    auto setup = Connection::open(context_->writer_conninfo, context_->writer_properties);
    setup.execute("DROP TABLE IF EXISTS chaos_rows");
    setup.execute(
        "CREATE TABLE chaos_rows(id BIGINT PRIMARY KEY, txn BIGINT NOT NULL, worker INT NOT "
        "NULL)");
    setup.execute(
        options_.engine == "pg"
            ? "CREATE OR REPLACE FUNCTION chaos_write(p_id bigint, p_worker int) RETURNS bigint "
              "LANGUAGE sql AS 'INSERT INTO chaos_rows(id, txn, worker) VALUES (p_id, -2, "
              "p_worker) RETURNING id'"
            : "CREATE OR REPLACE FUNCTION chaos_write(p_id BIGINT, p_worker INT) RETURNS BIGINT "
              "MODIFIES SQL DATA BEGIN INSERT INTO chaos_rows(id, txn, worker) VALUES (p_id, -2, "
              "p_worker); RETURN p_id; END");
  }
  context_->disguised_writes = options_.disguised_writes;
}

void ChaosRun::start_workload() {
  for (int index = 0; index <= options_.writers; ++index) {
    const bool reader = index == options_.writers;  // the last one reads through the reader
    threads_.push_back(
        std::make_unique<WorkloadThread>(*context_, index, reader, options_.seed * 1000 + index));
  }
  for (auto& thread : threads_) thread->start();
}

void ChaosRun::stop_workload() {
  std::this_thread::sleep_for(500ms);  // paces: the workload runs a moment after the last fault
  context_->stop = true;
  for (auto& thread : threads_) {
    thread->join();
    calls_.insert(calls_.end(), thread->calls().begin(), thread->calls().end());
    for (const auto& violation : thread->violations()) report_.violations.push_back(violation);
  }
  std::sort(calls_.begin(), calls_.end(),
            [](const CallRecord& a, const CallRecord& b) { return a.end_ns < b.end_ns; });
}

Plan ChaosRun::plan_fault(int /*index*/) {
  // Every kind once per round, in a seeded random order: a short run still covers them all.
  if (round_.empty()) {
    round_ = report_.options.kinds;
    std::shuffle(round_.begin(), round_.end(), random_);
  }
  Plan plan;
  plan.kind = round_.back();
  round_.pop_back();
  const LabStatus status = cluster_->status();
  if (plan.kind.rfind("reader_", 0) == 0) {
    std::vector<std::string> readers;
    for (const auto& node : status.nodes) {
      if (!node.is_writer()) readers.push_back(node.name);
    }
    plan.node = readers[std::uniform_int_distribution<std::size_t>(0, readers.size() - 1)(random_)];
  } else {
    plan.node = status.writer;
  }
  return plan;
}

void ChaosRun::inject_and_heal(const Plan& plan, FaultRecord& record) {
  LabCluster& lab = *cluster_;
  const std::int64_t before = chaos_now_ns();
  const std::string& kind = plan.kind;
  auto injected_at = [&](const char* event) {
    const std::int64_t ns = event_ns(lab, event, plan.node, before);
    record.injected_ns = ns != 0 ? ns : before;
  };
  if (kind == "crash" || kind == "stop" || kind == "hang" || kind == "blackhole" ||
      kind == "stall") {
    const int failover_after_ms = random_between(300, 2500);
    record.detail = "failover after " + std::to_string(failover_after_ms) + " ms";
    lab.fault(plan.node, kind, failover_after_ms);
    record.effective_ns = chaos_now_ns();
    injected_at("fault_injected");
    wait_for_failover(lab, before);
    lab.rejoin(plan.node);
  } else if (kind == "stall_long") {
    const int hold_ms = options_.failover_timeout_sec * 1000 + random_between(1000, 4000);
    record.detail = "stalled " + std::to_string(hold_ms) + " ms, no failover";
    lab.fault(plan.node, LabFault::kStall);
    record.effective_ns = chaos_now_ns();
    injected_at("fault_injected");
    std::this_thread::sleep_for(std::chrono::milliseconds(hold_ms));
    lab.heal(plan.node);
  } else if (kind == "switchover") {
    record.detail = "clean switchover";
    lab.switchover();
    record.injected_ns = event_ns(lab, "switchover_started", plan.node, before);
    if (record.injected_ns == 0) record.injected_ns = before;
    // Writes flow on the old writer until its clean stop begins.
    record.effective_ns = event_ns(lab, "node_down", plan.node, before);
    if (record.effective_ns == 0) record.effective_ns = record.injected_ns;
  } else if (kind == "latency") {
    const int delay = random_between(20, 150);
    const int jitter = delay / 4;
    const int hold_ms = random_between(2000, 5000);
    record.detail = "delay " + std::to_string(delay) + "+-" + std::to_string(jitter) + " ms for " +
                    std::to_string(hold_ms) + " ms";
    lab.add_latency(plan.node, delay, jitter, static_cast<int>(options_.seed % 100000));
    record.effective_ns = chaos_now_ns();
    injected_at("fault_injected");
    std::this_thread::sleep_for(std::chrono::milliseconds(hold_ms));
    lab.heal(plan.node);
  } else if (kind == "loss") {
    const int percent = random_between(2, 15);
    const int hold_ms = random_between(2000, 5000);
    record.detail =
        std::to_string(percent) + " % loss each way for " + std::to_string(hold_ms) + " ms";
    lab.add_loss(plan.node, percent);
    record.effective_ns = chaos_now_ns();
    injected_at("fault_injected");
    std::this_thread::sleep_for(std::chrono::milliseconds(hold_ms));
    lab.heal(plan.node);
  } else if (kind.rfind("reader_", 0) == 0) {
    const std::string fault = kind.substr(7);
    const int hold_ms = random_between(1500, 4000);
    record.detail = fault + " for " + std::to_string(hold_ms) + " ms";
    lab.fault(plan.node, fault);
    record.effective_ns = chaos_now_ns();
    injected_at("fault_injected");
    std::this_thread::sleep_for(std::chrono::milliseconds(hold_ms));
    lab.heal(plan.node);
  } else {
    throw LabError("unknown chaos fault kind " + kind);
  }
  log("fault#" + std::to_string(record.index) + " " + kind + " on " + plan.node + " (" +
      record.detail + ")");
}

void ChaosRun::check_cluster_healed(const FaultRecord& record) {
  const LabStatus status = cluster_->status();
  for (const auto& node : status.nodes) {
    if (!node.is_running() || node.latency_ms || node.loss_percent) {
      throw LabError(label(record) + ": the lab did not heal " + node.name + " (" + node.state +
                     ")");
    }
  }
}

void ChaosRun::wait_for_progress(const FaultRecord& record) {
  const std::int64_t healed = chaos_now_ns();
  const auto deadline =
      ChaosClock::now() + std::chrono::milliseconds(static_cast<int>(report_.call_bound_ms)) + 10s;
  while (context_->last_acknowledged_ns.load() < healed) {
    if (ChaosClock::now() > deadline) {
      report_.violations.push_back(label(record) +
                                   ": no write was acknowledged after the fault was healed");
      return;
    }
    std::this_thread::sleep_for(20ms);
  }
}

void ChaosRun::summarise() {
  for (std::size_t i = 0; i < report_.faults.size(); ++i) {
    auto& fault = report_.faults[i];
    fault.window_end_ns = i + 1 < report_.faults.size() ? report_.faults[i + 1].injected_ns
                                                        : std::numeric_limits<std::int64_t>::max();
  }
  for (const auto& call : calls_) {
    const double ms = (call.end_ns - call.start_ns) / 1e6;
    ++report_.outcomes[call.outcome];
    report_.max_call_ms = std::max(report_.max_call_ms, ms);
    if (ms > report_.call_bound_ms) {
      report_.violations.push_back(std::string(call.operation) + " blocked " +
                                   std::to_string(static_cast<int>(ms)) + " ms > bound " +
                                   std::to_string(static_cast<int>(report_.call_bound_ms)) +
                                   " ms (" + call.outcome + ")");
    }
    for (auto& fault : report_.faults) {
      if (call.end_ns < fault.injected_ns || call.end_ns >= fault.window_end_ns) continue;
      ++fault.outcomes[call.outcome];
      fault.max_call_ms = std::max(fault.max_call_ms, ms);
      if (call.write_acknowledged && call.start_ns >= fault.effective_ns &&
          !fault.first_good_write_ms) {
        fault.first_good_write_ms = (call.end_ns - fault.injected_ns) / 1e6;
      }
    }
  }
  report_.calls = calls_.size();
}

void ChaosRun::audit() {
  const LabStatus status = cluster_->status();
  const std::string table = options_.engine == "pg" ? "chaos_rows" : "awrap.chaos_rows";
  std::set<std::int64_t> present;
  for (const auto& row : cluster_->sql_rows(status.writer, "SELECT id FROM " + table)) {
    present.insert(std::stoll(row.at(0)));
  }
  report_.audit = context_->ledger.audit(present);
  for (const auto& finding : report_.audit.findings) {
    report_.violations.push_back("audit: " + finding.kind + " id " + std::to_string(finding.id) +
                                 " (" + finding.context + ")");
  }
}

void ChaosRun::check_baselines() {
  threads_.clear();
  report_.threads_after = wait_for_thread_count(report_.threads_before, 20s);
  if (report_.threads_after != report_.threads_before) {
    report_.violations.push_back("threads: " + std::to_string(report_.threads_after) +
                                 " after the run, " + std::to_string(report_.threads_before) +
                                 " before");
  }
  const std::string sessions =
      options_.engine == "pg"
          ? "SELECT count(*) FROM pg_stat_activity WHERE usename = 'awrap' AND backend_type = "
            "'client backend' AND pid <> pg_backend_pid()"
          : "SELECT count(*) FROM information_schema.processlist WHERE user = 'awrap' AND "
            "command NOT LIKE 'Binlog Dump%'";
  for (const auto& node : cluster_->status().nodes) {
    std::string count;
    const auto deadline = ChaosClock::now() + 15s;
    do {
      const auto rows = cluster_->sql_rows(node.name, sessions);
      count = rows.empty() ? "?" : rows.at(0).at(0);
      if (count == "0") break;
      std::this_thread::sleep_for(200ms);
    } while (ChaosClock::now() < deadline);
    if (count != "0") {
      report_.violations.push_back("sessions: " + count + " awrap sessions still open on " +
                                   node.name + " after every Connection was closed");
    }
  }
}

}  // namespace

ChaosReport run_chaos(const ChaosOptions& options) {
  return ChaosRun(options).run();
}

}  // namespace awrap::internal::testing
