#include "dialect/pg_dialects.hpp"

#include <ctime>

#include "awrap/errors.hpp"
#include "base/logging.hpp"

namespace awrap::internal {
namespace {

std::optional<std::string> single_value(TargetConnection& c, std::string_view sql) {
  auto r = c.execute(sql, {});
  if (!r || r->row_count() == 0 || r->column_count() == 0 || r->is_null(0, 0)) return std::nullopt;
  return std::string(r->value(0, 0));
}

bool pg_bool(std::string_view v) {
  return v == "t" || v == "true";
}

// "2024-05-01 10:11:12.345+00" (timestamptz text in UTC session) -> time_point; nullopt if odd.
std::optional<std::chrono::system_clock::time_point> parse_timestamp(std::string_view text) {
  auto t = parse_server_utc_time(text);
  if (!t) return std::nullopt;
  int offset_hours = 0;
  auto plus = text.find_last_of("+-");
  if (plus != std::string_view::npos && plus > 18)
    offset_hours = std::atoi(std::string(text.substr(plus, 4)).c_str());
  if (offset_hours < -15 || offset_hours > 15) return std::nullopt;  // UTC-12 to UTC+14
  return *t - std::chrono::hours(offset_hours);
}

// Every PostgreSQL flavour tells a writer from a reader the same way.
class PgDialect : public Dialect {
 public:
  bool is_writer(TargetConnection& c) const override {
    return !pg_bool(single_value(c, "SELECT pg_catalog.pg_is_in_recovery()").value_or("t"));
  }
};

class PlainPgDialect final : public PgDialect {
 public:
  explicit PlainPgDialect(std::string code) : code_(std::move(code)) {}
  std::string_view code() const noexcept override { return code_; }
  bool reports_topology() const noexcept override { return false; }
  std::vector<TopologyEntry> query_topology(TargetConnection&) const override { return {}; }
  std::string instance_id(TargetConnection&) const override { return {}; }

 private:
  std::string code_;
};

class AuroraPgDialect final : public PgDialect {
 public:
  std::string_view code() const noexcept override { return "aurora-pg"; }
  bool reports_topology() const noexcept override { return true; }
  std::vector<TopologyEntry> query_topology(TargetConnection& c) const override {
    // Readers whose status is older than 5 minutes are dead instances Aurora still lists.
    auto r = c.execute(
        "SELECT server_id, session_id = 'MASTER_SESSION_ID', COALESCE(replica_lag_in_msec, 0), "
        "to_char(last_update_timestamp AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') "
        "FROM pg_catalog.aurora_replica_status() "
        "WHERE session_id = 'MASTER_SESSION_ID' OR last_update_timestamp IS NULL "
        "OR EXTRACT(EPOCH FROM (pg_catalog.now() - last_update_timestamp)) <= 300",
        {});
    return r ? aurora_pg_topology_from_rows(*r) : std::vector<TopologyEntry>{};
  }
  std::string instance_id(TargetConnection& c) const override {
    return single_value(c, "SELECT pg_catalog.aurora_db_instance_identifier()").value_or("");
  }
};

class MultiAzPgDialect final : public PgDialect {
 public:
  std::string_view code() const noexcept override { return "multi-az-pg"; }
  bool reports_topology() const noexcept override { return true; }
  std::vector<TopologyEntry> query_topology(TargetConnection& c) const override {
    auto r = c.execute(
        "SELECT t.id, t.endpoint, t.port, "
        "t.id = COALESCE(rds_tools.multi_az_db_cluster_source_dbi_resource_id(), "
        "rds_tools.dbi_resource_id()) "
        "FROM rds_tools.show_topology('awrap') t",
        {});
    return r ? multi_az_pg_topology_from_rows(*r) : std::vector<TopologyEntry>{};
  }
  std::string instance_id(TargetConnection& c) const override {
    return single_value(c, "SELECT rds_tools.dbi_resource_id()").value_or("");
  }
};

}  // namespace

namespace {

// A row naming no instance (or, on Multi-AZ, no endpoint) cannot be connected to: it is skipped,
// never turned into an empty host name (which libpq reads as "localhost").
bool usable_row(const ResultData& r, std::size_t row, std::initializer_list<std::size_t> columns) {
  for (std::size_t col : columns) {
    if (r.is_null(row, col) || r.value(row, col).empty()) {
      AWRAP_LOG(kWarning) << "topology row " << row << " has no " << r.column_name(col)
                          << "; skipped";
      return false;
    }
  }
  return true;
}

}  // namespace

std::vector<TopologyEntry> aurora_pg_topology_from_rows(const ResultData& r) {
  std::vector<TopologyEntry> out;
  for (std::size_t i = 0; i < r.row_count(); ++i) {
    if (!usable_row(r, i, {0})) continue;
    TopologyEntry e;
    e.instance_id = std::string(r.value(i, 0));
    e.is_writer = pg_bool(r.value(i, 1));
    e.replica_lag_ms = std::atof(std::string(r.value(i, 2)).c_str());
    if (!r.is_null(i, 3)) e.last_update = parse_timestamp(r.value(i, 3));
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<TopologyEntry> multi_az_pg_topology_from_rows(const ResultData& r) {
  std::vector<TopologyEntry> out;
  for (std::size_t i = 0; i < r.row_count(); ++i) {
    if (!usable_row(r, i, {0, 1})) continue;
    TopologyEntry e;
    e.instance_id = std::string(r.value(i, 0));
    e.endpoint = std::string(r.value(i, 1));
    e.port = std::atoi(std::string(r.value(i, 2)).c_str());
    e.is_writer = pg_bool(r.value(i, 3));
    out.push_back(std::move(e));
  }
  return out;
}

std::unique_ptr<Dialect> make_plain_pg_dialect(std::string_view code) {
  return std::make_unique<PlainPgDialect>(std::string(code));
}
std::unique_ptr<Dialect> make_aurora_pg_dialect() {
  return std::make_unique<AuroraPgDialect>();
}
std::unique_ptr<Dialect> make_multi_az_pg_dialect() {
  return std::make_unique<MultiAzPgDialect>();
}

std::unique_ptr<Dialect> detect_pg_dialect(TargetConnection& c) {
  auto extensions = single_value(c, "SELECT pg_catalog.current_setting('rds.extensions', true)");
  if (!extensions || extensions->empty()) return make_plain_pg_dialect("pg");
  try {
    if (extensions->find("aurora_stat_utils") != std::string::npos &&
        single_value(c, "SELECT count(*) FROM pg_catalog.aurora_replica_status()").value_or("0") !=
            "0")
      return make_aurora_pg_dialect();
    if (extensions->find("rds_tools") != std::string::npos &&
        single_value(c, "SELECT count(*) FROM rds_tools.show_topology('awrap')").value_or("0") !=
            "0")
      return make_multi_az_pg_dialect();
  } catch (const QueryError& e) {
    // The setting is there but the functions are not: an RDS instance, not a cluster.
    AWRAP_LOG(kDebug) << "dialect detection: " << e.what();
  }
  return make_plain_pg_dialect("rds-pg");
}

}  // namespace awrap::internal
