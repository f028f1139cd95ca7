// The one table of connection properties (docs/configuration.md and `awrap --help` are generated
// from it), plus the registry that lets user plugins add their own.
#include <algorithm>
#include <mutex>
#include <vector>

#include "awrap/errors.hpp"
#include "awrap/properties.hpp"
#include "base/thread_annotations.hpp"
#include "core/plugin_registry.hpp"
#include "core/property_table.hpp"

namespace awrap {

// The public API implemented with awrap's internals.
using namespace internal;
namespace {

using T = PropertyType;

// The core's properties and those of the default cluster plugins. A plugin may declare its own
// next to its code (PluginRegistration::properties: iam, aws_secrets_manager); they join this
// table through the plugin registry.
constexpr PropertyDefinition kBuiltinProperties[] = {
    // connection
    {"user", T::kString, "", "Database user name.", "connection"},
    {"password", T::kString, "", "Database password. Never logged.", "connection", 0, 0, {}, true},
    {"dbname", T::kString, "", "Database name.", "connection", 0, 0, {}, false, "database"},
    {"connect_timeout", T::kDecimal, "30",
     "Seconds allowed for opening one physical connection (name resolution, TCP, TLS, login); "
     "fractions allowed; 0 waits forever.",
     "connection", 0, 86400},
    {"socket_timeout", T::kDecimal, "0",
     "Seconds one network read or write may block once connected; 0 waits forever. Expiry "
     "closes the connection (ConnectionLostError).",
     "connection", 0, 86400},
    {"auxiliary_query_timeout_sec", T::kDecimal, "5",
     "Seconds each of awrap's own queries (writer check, dialect detection, topology, instance "
     "id, session-state restore) may wait for an answer, also on the application's connections; "
     "fractions allowed; must be above 0. Failover also cuts it to the time failover_timeout_sec "
     "leaves.",
     "connection", 0, 86400},
    // pipeline
    {"wrapper_plugins",
     T::kList,
     "initial_connection,aurora_connection_tracker,failover,host_monitoring",
     "Comma-separated plugin codes to load, in any order (see auto_sort_wrapper_plugin_order). An "
     "empty value loads none: calls go straight to the native driver. On a single plain server "
     "the default cluster plugins step aside.",
     "pipeline",
     0,
     0,
     {},
     false,
     "plugins"},
    {"auto_sort_wrapper_plugin_order", T::kBoolean, "true",
     "Sort plugins by their built-in weight. false keeps the order given in wrapper_plugins.",
     "pipeline"},
    // cluster and topology
    {"wrapper_dialect", T::kString, "",
     "Cluster flavour: pg, rds-pg, aurora-pg, multi-az-pg (PostgreSQL); mysql, mariadb, rds-mysql, "
     "aurora-mysql, multi-az-mysql (MySQL). Empty: detected after the first connect (cached per "
     "endpoint).",
     "cluster"},
    {"cluster_id", T::kString, "",
     "Name shared by every connection to one cluster, so they share one topology monitor. Empty: "
     "derived from the cluster endpoint (RDS) or the host list.",
     "cluster"},
    {"cluster_instance_host_pattern", T::kString, "",
     "How to reach an instance by its id: '?.suffix[:port]' where '?' becomes the instance id, "
     "e.g. "
     "'?.xyz.us-east-1.rds.amazonaws.com'. Needed for Aurora behind an IP address or custom "
     "domain.",
     "cluster"},
    {"topology_refresh_ms", T::kInteger, "30000",
     "How often the topology monitor re-reads the cluster topology while the writer is healthy.",
     "cluster", 100, 3600000},
    {"cluster_topology_high_refresh_rate_ms", T::kInteger, "100",
     "How often each host is probed ('are you the writer?') while a new writer is being sought.",
     "cluster", 10, 60000},
    {"cluster_topology_unattended_probe_ms", T::kInteger, "10000",
     "How long the topology monitor keeps probing every host at the high rate when no connection "
     "waits for a writer (its probes back off meanwhile); then it tries each host once per "
     "topology_refresh_ms until a writer answers or a connection asks again.",
     "cluster", 0, 3600000},
    {"cluster_endpoint_role", T::kChoice, "auto",
     "What the first host of the connection string stands for: auto (RDS names are recognised: "
     "cluster -> writer, cluster-ro -> reader), writer (a custom domain or CNAME for the writer), "
     "reader, or instance (a fixed server).",
     "cluster", 0, 0, "auto|writer|reader|instance"},
    // failover
    {"failover_mode", T::kChoice, "",
     "Which host failover may move to. Empty: reader_or_writer for an RDS reader endpoint, "
     "strict_writer otherwise.",
     "failover", 0, 0, "strict_writer|reader_or_writer|strict_reader"},
    {"enable_connect_failover", T::kBoolean, "false",
     "When the first connect fails (the cluster endpoint still points at a dead writer), connect "
     "to "
     "the writer the cluster's topology names instead. Needs a topology monitor for the cluster, "
     "i.e. another open Connection to it in this process.",
     "failover"},
    {"failover_timeout_sec", T::kInteger, "300",
     "How long failover may look for a fitting host before FailoverFailedError.", "failover", 1,
     86400},
    {"default_host_availability_strategy", T::kChoice, "exponential_backoff",
     "How long a host marked unavailable (by host-monitoring probes or a failed connect to it; "
     "never by one session's error) is skipped: simple (until it is seen available again) or "
     "exponential_backoff (tried again 2^n x host_availability_strategy_initial_backoff_time "
     "after its n-th consecutive mark, up to host_availability_strategy_max_retries marks).",
     "failover", 0, 0, "simple|exponential_backoff"},
    {"host_availability_strategy_max_retries", T::kInteger, "5",
     "exponential_backoff: consecutive unavailable marks after which a host is skipped until it "
     "is seen available again.",
     "failover", 1, 30},
    {"host_availability_strategy_initial_backoff_time", T::kInteger, "30",
     "exponential_backoff: seconds; a host is tried again 2^n times this after its n-th "
     "consecutive unavailable mark.",
     "failover", 1, 86400},
    {"open_connection_retry_timeout_ms", T::kInteger, "30000",
     "initial_connection: how long to retry when a cluster endpoint leads to an instance of the "
     "wrong "
     "role (stale DNS).",
     "failover", 0, 3600000},
    {"open_connection_retry_interval_ms", T::kInteger, "1000",
     "initial_connection: pause between those retries.", "failover", 10, 60000},
    // host selection (docs/host-selection.md); read_write_splitting's own strategy property is
    // declared in its folder
    {"failover_reader_host_selector_strategy", T::kChoice, "random",
     "failover: how a failover that may move to a reader (failover_mode reader_or_writer or "
     "strict_reader) picks it among the available readers.",
     "host selection", 0, 0,
     "random|round_robin|weighted_random|least_connections|highest_weight|fastest_response"},
    {"reader_initial_connection_host_selector_strategy", T::kChoice, "random",
     "initial_connection: how a connection through a reader endpoint that reached the writer "
     "(stale DNS) picks the reader to move to.",
     "host selection", 0, 0,
     "random|round_robin|weighted_random|least_connections|highest_weight|fastest_response"},
    {"round_robin_default_weight", T::kInteger, "1",
     "round_robin: how many turns in a row a host gets when round_robin_host_weight_pairs does "
     "not name it.",
     "host selection", 1, 1000000},
    {"round_robin_host_weight_pairs", T::kString, "",
     "round_robin: turns in a row per host, as host:weight pairs, e.g. "
     "'instance-1:3,instance-2:1' (host name or instance id; integer weights of at least 1).",
     "host selection"},
    {"weighted_random_default_weight", T::kInteger, "1",
     "weighted_random: weight of a host weighted_random_host_weight_pairs does not name.",
     "host selection", 1, 1000000},
    {"weighted_random_host_weight_pairs", T::kString, "",
     "weighted_random: weights per host, as host:weight pairs, e.g. 'instance-1:3,instance-2:1'; "
     "a host is picked with probability weight / sum of the eligible hosts' weights.",
     "host selection"},
    {"response_measurement_interval_ms", T::kInteger, "30000",
     "fastest_response: how often the response time of each eligible host is measured (SELECT 1 "
     "on a session of its own, in the process's monitor thread) and how long the fastest host "
     "chosen stays chosen; each measurement's deadline is this, at least 1000 ms.",
     "host selection", 10, 3600000},
    // host monitoring (enhanced failure monitoring)
    {"failure_detection_enabled", T::kBoolean, "true",
     "host_monitoring: watch long calls and abort them when their host stops answering.",
     "monitoring"},
    {"failure_detection_time_ms", T::kInteger, "30000",
     "host_monitoring: how long a call runs before its host is probed.", "monitoring", 0, 86400000},
    {"failure_detection_interval_ms", T::kInteger, "5000",
     "host_monitoring: time between probes of a host; also each probe's deadline (connect and "
     "answer).",
     "monitoring", 10, 3600000},
    {"failure_detection_count", T::kInteger, "3",
     "host_monitoring: consecutive failed probes after which the host is marked unavailable and "
     "the "
     "calls stuck on it are aborted (ConnectionLostError).",
     "monitoring", 1, 1000},
    {"monitor_disposal_time_ms", T::kInteger, "60000",
     "host_monitoring: a host monitor unused this long stops and closes its probe connection.",
     "monitoring", 10, 86400000},
    // dev plugin
    {"dev_inject_error_on", T::kChoice, "",
     "dev plugin: method whose next call fails with an injected error.", "dev", 0, 0,
     "connect|execute|prepare|execute_prepared|begin|commit|rollback"},
    {"dev_inject_error_class", T::kChoice, "network", "dev plugin: class of the injected error.",
     "dev", 0, 0, "network|login|query|cancel|read_only|connect"},
    {"dev_inject_error_count", T::kInteger, "1", "dev plugin: how many consecutive calls fail.",
     "dev", 0, 1000000},
};

struct PropertyRegistry {
  Mutex mutex;
  std::vector<PropertyDefinition> user_defined GUARDED_BY(mutex);
};

PropertyRegistry& registry() {
  static PropertyRegistry instance;
  return instance;
}

const PropertyDefinition* find_in(std::span<const PropertyDefinition> defs, std::string_view name) {
  for (const auto& d : defs)
    if (d.name == name || (!d.alias.empty() && d.alias == name)) return &d;
  return nullptr;
}

// This table, then the properties each built-in plugin declares in its own folder (in the order
// of the built-in list). Fixed after first use.
const std::vector<std::span<const PropertyDefinition>>& builtin_groups() {
  static const std::vector<std::span<const PropertyDefinition>> groups = [] {
    std::vector<std::span<const PropertyDefinition>> out{kBuiltinProperties};
    for (auto group : builtin_plugin_property_groups()) out.push_back(group);
    return out;
  }();
  return groups;
}

const PropertyDefinition* find_builtin(std::string_view name) {
  for (auto group : builtin_groups())
    if (const auto* d = find_in(group, name)) return d;
  return nullptr;
}

}  // namespace

std::vector<PropertyDefinition> internal::builtin_property_definitions() {
  std::vector<PropertyDefinition> all;
  for (auto group : builtin_groups()) all.insert(all.end(), group.begin(), group.end());
  return all;
}

std::vector<PropertyDefinition> property_definitions() {
  std::vector<PropertyDefinition> all = builtin_property_definitions();
  MutexLock lock(registry().mutex);
  all.insert(all.end(), registry().user_defined.begin(), registry().user_defined.end());
  return all;
}

const PropertyDefinition* find_property(std::string_view name) {
  if (const auto* d = find_builtin(name)) return d;
  MutexLock lock(registry().mutex);
  // Returned pointers stay valid: user definitions are never removed and the vector never
  // reallocates (capacity is reserved once; register_property refuses to grow past it).
  return find_in(registry().user_defined, name);
}

void register_property(const PropertyDefinition& definition) {
  if (find_property(definition.name) ||
      (!definition.alias.empty() && find_property(definition.alias)))
    throw ConfigError("property '" + std::string(definition.name) + "' is already registered",
                      std::string(definition.name));
  MutexLock lock(registry().mutex);
  auto& defs = registry().user_defined;
  if (defs.capacity() == 0) defs.reserve(256);
  if (defs.size() == defs.capacity())
    throw ConfigError("too many user-registered properties (256 at most)",
                      std::string(definition.name));
  defs.push_back(definition);
}

}  // namespace awrap
