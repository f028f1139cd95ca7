#include "topology/topology_monitor.hpp"

#include "awrap/errors.hpp"

#include <algorithm>
#include <map>

#include "base/logging.hpp"
#include "base/thread_annotations.hpp"
#include "topology/probe_schedule.hpp"
#include "topology/topology_update.hpp"

namespace awrap::internal {
namespace {

// Sleeps up to `interval`, waking early when `stop` is requested or `wake()` holds.
template <typename Predicate>
void wait_interval(std::condition_variable_any& cv, MutexLock& lock, std::stop_token stop,
                   std::chrono::milliseconds interval, Predicate wake) {
  cv.wait_for(lock, stop, interval, wake);
}

}  // namespace

TopologyMonitor::TopologyMonitor(TopologyMonitorConfig config, internal::TimeSource& time)
    : config_(std::move(config)), time_(time), spec_(config_.spec) {
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

TopologyMonitor::~TopologyMonitor() {
  {
    MutexLock lock(mutex_);
    shutting_down_ = true;
    for (TargetConnection* c : in_flight_) c->abort();
  }
  thread_.request_stop();
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

TopologyPtr TopologyMonitor::topology() const {
  MutexLock lock(mutex_);
  return topology_;
}

int TopologyMonitor::running_threads() const {
  MutexLock lock(mutex_);
  return running_threads_;
}

ConnectSpec TopologyMonitor::spec_copy() const {
  MutexLock lock(mutex_);
  return spec_;
}

void TopologyMonitor::update_spec(const ConnectSpec& spec) {
  MutexLock lock(mutex_);
  spec_.user = spec.user;
  spec_.password = spec.password;
}

TopologyPtr TopologyMonitor::build_topology(const std::vector<TopologyEntry>& entries,
                                            const HostInfo* confirmed_writer) const {
  // Through topology(): probers build topologies while the monitor thread publishes.
  TopologyPtr current = this->topology();
  BuiltTopology built = internal::build_topology(
      {config_.dialect->reports_topology(), config_.map_entry, config_.seed_hosts}, entries,
      confirmed_writer, current.get());
  if (built.writer_rows > 1) {
    auto writer = built.topology.writer();
    AWRAP_LOG(kWarning) << "cluster " << config_.cluster_id << " reported " << built.writer_rows
                        << " writers; the newest row wins: "
                        << (writer ? writer->endpoint() : std::string("none"));
  }
  return std::make_shared<Topology>(std::move(built.topology));
}

std::unique_ptr<TopologySubscription> TopologyMonitor::subscribe_writer_replaced(
    WriterReplacedListener listener) {
  return std::make_unique<WriterReplacedSubscription>(writer_listeners_,
                                                      writer_listeners_->add(std::move(listener)));
}

void TopologyMonitor::publish(TopologyPtr fresh, bool writer_confirmed,
                              Clock::time_point check_began) {
  std::optional<HostInfo> replaced_writer;
  HostInfo new_writer;
  {
    MutexLock lock(mutex_);
    TopologyUpdate update =
        next_topology(topology_.get(), *fresh, writer_confirmed, check_began, time_.now());
    switch (update.action) {
      case TopologyUpdate::Action::kIgnore:
        return;  // nothing new: wake nobody
      case TopologyUpdate::Action::kProbe:
        high_rate_ = true;
        changed_.notify_all();
        return;
      case TopologyUpdate::Action::kPublish:
        break;
    }
    replaced_writer = update.replaced_writer;
    bool settled = writer_confirmed && update.next.writer();
    topology_ = std::make_shared<Topology>(std::move(update.next));
    if (auto writer = topology_->writer()) new_writer = *writer;
    if (settled) {
      high_rate_ = false;
      probing_abandoned_ = false;
    }
  }
  changed_.notify_all();
  if (replaced_writer) {
    AWRAP_LOG(kInfo) << "cluster " << config_.cluster_id << ": writer changed from "
                     << replaced_writer->endpoint();
    writer_listeners_->publish({config_.cluster_id, *replaced_writer, new_writer});
  }
}

TopologyPtr TopologyMonitor::refresh_using(TargetConnection& connection) {
  const Clock::time_point check_began = time_.now();
  std::vector<TopologyEntry> entries;
  if (config_.dialect->reports_topology()) entries = config_.dialect->query_topology(connection);
  bool writer = config_.dialect->is_writer(connection);
  HostInfo here = connection.host();
  // On a topology-reporting cluster the instance we are on is known by its row; for a plain
  // cluster the connection's own host is the only one whose role we just learned.
  if (config_.dialect->reports_topology()) {
    publish(build_topology(entries, nullptr), false, check_began);
  } else if (writer) {
    publish(build_topology(entries, &here), true, check_began);
  }
  return topology();
}

TopologyPtr TopologyMonitor::wait_for_writer(Clock::time_point deadline) {
  MutexLock lock(mutex_);
  auto start = time_.now();
  ++waiters_;
  if (!high_rate_ && monitoring_connection_raw_) monitoring_connection_raw_->abort();
  probing_abandoned_ = false;
  high_rate_ = true;
  changed_.notify_all();
  bool ok = time_.wait_until(changed_, lock, deadline, [&] {
    mutex_.assert_held();  // predicates run with the lock held
    return topology_ && topology_->writer() && topology_->writer_confirmed_at >= start;
  });
  --waiters_;
  changed_.notify_all();  // a high-rate round may now be unattended
  return ok ? topology_ : nullptr;
}

std::unique_ptr<TargetConnection> TopologyMonitor::connect_tracked(const HostInfo& host) {
  ConnectSpec spec = spec_copy();
  spec.host = host;
  // Fresh credentials through the authentication plugins: the last login's token may have
  // expired and its password may have been rotated since.
  if (config_.credentials) config_.credentials->apply(spec);
  std::unique_ptr<TargetConnection> conn;
  try {
    conn = config_.driver->connect(spec);
  } catch (const AuthError&) {
    if (config_.credentials) config_.credentials->refused(spec);
    throw;
  }
  MutexLock lock(mutex_);
  if (shutting_down_) conn->abort();
  in_flight_.insert(conn.get());
  return conn;
}

void TopologyMonitor::untrack(TargetConnection* connection) {
  MutexLock lock(mutex_);
  in_flight_.erase(connection);
  if (monitoring_connection_raw_ == connection) monitoring_connection_raw_ = nullptr;
}

std::vector<HostInfo> TopologyMonitor::probe_candidates() const {
  std::vector<HostInfo> out;
  TopologyPtr t = topology();
  if (t && config_.dialect->reports_topology() && !t->hosts.empty()) return t->hosts;
  return config_.seed_hosts;
}

void TopologyMonitor::run(std::stop_token stop) {
  {
    MutexLock lock(mutex_);
    ++running_threads_;
  }
  while (!stop.stop_requested()) {
    try {
      bool high;
      {
        MutexLock lock(mutex_);
        high = high_rate_;
      }
      if (high) {
        high_rate_round(stop);
      } else {
        refresh_once(stop);
        MutexLock lock(mutex_);
        wait_interval(changed_, lock, stop, config_.refresh_interval, [&] {
          mutex_.assert_held();
          return high_rate_;
        });
      }
    } catch (const std::exception& e) {
      // Supervision: never die silently, never spin.
      AWRAP_LOG(kWarning) << "topology monitor for " << config_.cluster_id << " failed ("
                          << e.what() << "); restarting";
      MutexLock lock(mutex_);
      wait_interval(changed_, lock, stop, config_.high_rate_interval, [] { return false; });
    }
  }
  if (monitoring_connection_) {
    untrack(monitoring_connection_.get());
    monitoring_connection_->close();
    monitoring_connection_.reset();
  }
  MutexLock lock(mutex_);
  --running_threads_;
}

void TopologyMonitor::refresh_once(std::stop_token stop) {
  auto drop_connection = [&] {
    if (!monitoring_connection_) return;
    untrack(monitoring_connection_.get());
    monitoring_connection_->abort();
    monitoring_connection_.reset();
  };
  if (!monitoring_connection_) {
    std::vector<HostInfo> candidates;
    if (auto t = topology(); t && t->writer()) candidates.push_back(*t->writer());
    for (const auto& h : probe_candidates()) candidates.push_back(h);
    for (const auto& h : candidates) {
      if (stop.stop_requested()) return;
      try {
        monitoring_connection_ = connect_tracked(h);
        MutexLock lock(mutex_);
        monitoring_connection_raw_ = monitoring_connection_.get();
        break;
      } catch (const std::exception& e) {
        AWRAP_LOG(kDebug) << "topology monitor " << config_.cluster_id << ": " << h.endpoint()
                          << ": " << e.what();
      }
    }
    if (!monitoring_connection_) {
      MutexLock lock(mutex_);
      request_high_rate();
      return;
    }
  }
  try {
    const Clock::time_point check_began = time_.now();
    if (config_.dialect->reports_topology()) {
      auto topo = build_topology(config_.dialect->query_topology(*monitoring_connection_), nullptr);
      bool has_writer = topo->writer().has_value();
      publish(topo, false, check_began);
      MutexLock lock(mutex_);
      if (has_writer)
        probing_abandoned_ = false;
      else
        request_high_rate();
    } else if (config_.dialect->is_writer(*monitoring_connection_)) {
      HostInfo here = monitoring_connection_->host();
      publish(build_topology({}, &here), true, check_began);
    } else {
      drop_connection();  // not the writer: look for it
      MutexLock lock(mutex_);
      request_high_rate();
    }
  } catch (const std::exception& e) {
    AWRAP_LOG(kInfo) << "topology monitor " << config_.cluster_id
                     << " lost its connection: " << e.what();
    drop_connection();
    MutexLock lock(mutex_);
    request_high_rate();
  }
}

void TopologyMonitor::request_high_rate() {
  if (starts_probing(probing_abandoned_, waiters_ > 0)) high_rate_ = true;
}

void TopologyMonitor::on_probe_result(const HostInfo& host, TargetConnection& connection,
                                      Clock::time_point check_began) {
  std::vector<TopologyEntry> entries;
  if (config_.dialect->reports_topology()) entries = config_.dialect->query_topology(connection);
  publish(build_topology(entries, &host), true, check_began);
}

void TopologyMonitor::high_rate_round(std::stop_token stop) {
  auto round_start = time_.now();
  // The monitoring connection may point at the failed writer; start afresh afterwards.
  if (monitoring_connection_) {
    untrack(monitoring_connection_.get());
    monitoring_connection_->abort();
    monitoring_connection_.reset();
  }
  std::stop_source probers_stop;
  std::stop_callback forward(stop, [&] { probers_stop.request_stop(); });
  std::vector<std::jthread> probers;
  for (const HostInfo& host : probe_candidates()) {
    probers.emplace_back([this, host, token = probers_stop.get_token()] {
      {
        MutexLock lock(mutex_);
        ++running_threads_;
      }
      std::unique_ptr<TargetConnection> conn;
      int fruitless = 0;
      while (!token.stop_requested()) {
        try {
          if (!conn) conn = connect_tracked(host);
          const Clock::time_point check_began = time_.now();
          if (config_.dialect->is_writer(*conn)) on_probe_result(host, *conn, check_began);
        } catch (const std::exception& e) {
          AWRAP_LOG(kDebug) << "probe of " << host.endpoint() << ": " << e.what();
          if (conn) {
            untrack(conn.get());
            conn.reset();
          }
        }
        ++fruitless;  // a writer found ends the round, and this thread with it
        MutexLock lock(mutex_);
        auto pause = probe_pause(config_.high_rate_interval, waiters_ > 0, fruitless);
        bool backing_off = pause > config_.high_rate_interval;
        // A Connection starting to wait cuts a backed-off pause short.
        changed_.wait_for(lock, token, pause, [&] {
          mutex_.assert_held();
          return backing_off && waiters_ > 0;
        });
        if (waiters_ > 0) fruitless = 0;
      }
      if (conn) {
        untrack(conn.get());
        conn->close();
      }
      MutexLock lock(mutex_);
      --running_threads_;
    });
  }
  {
    MutexLock lock(mutex_);
    // Ends when a probe confirms a writer, or when nobody has waited for one for
    // unattended_probe_time (a cluster without a reachable writer is not probed forever).
    auto writer_found = [&] {
      mutex_.assert_held();
      return topology_ && topology_->writer() && topology_->writer_confirmed_at >= round_start;
    };
    bool found = false;
    while (!stop.stop_requested() && !(found = writer_found())) {
      if (waiters_ > 0) {
        changed_.wait(lock, stop, [&] {
          mutex_.assert_held();
          return writer_found() || waiters_ == 0;
        });
        continue;
      }
      bool woken = changed_.wait_for(lock, stop, config_.unattended_probe_time, [&] {
        mutex_.assert_held();
        return writer_found() || waiters_ > 0;
      });
      if (!woken) break;
    }
    probing_abandoned_ = !found && !stop.stop_requested();
    if (probing_abandoned_) {
      AWRAP_LOG(kInfo) << "topology monitor " << config_.cluster_id << ": no writer after "
                       << std::chrono::duration_cast<std::chrono::milliseconds>(time_.now() -
                                                                                round_start)
                              .count()
                       << " ms of probing and nobody waiting; probing once per refresh interval";
    }
    high_rate_ = false;
  }
  probers_stop.request_stop();
  changed_.notify_all();
  // Probers stuck in a connect to a dead host finish at their connect deadline; joined here.
}

}  // namespace awrap::internal
