#include "dialect/mysql_dialects.hpp"

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <string>

#include "awrap/errors.hpp"
#include "base/logging.hpp"

namespace awrap::internal {
namespace {

// Aurora lists instances it has not heard from for a while; older than this they are dead.
constexpr long kStaleReaderSeconds = 300;

std::optional<std::string> single_value(TargetConnection& c, std::string_view sql) {
  auto r = c.execute(sql, {});
  if (!r || r->row_count() == 0 || r->column_count() == 0 || r->is_null(0, 0)) return std::nullopt;
  return std::string(r->value(0, 0));
}

// A detection query: a QueryError (no such table or variable, no privilege) means "no".
std::optional<std::string> single_value_or_none(TargetConnection& c, std::string_view sql) {
  try {
    return single_value(c, sql);
  } catch (const QueryError& e) {
    AWRAP_LOG(kDebug) << "dialect detection: " << e.what();
    return std::nullopt;
  }
}

bool truthy(std::string_view v) {
  return v == "1" || v == "ON" || v == "on" || v == "true";
}

double to_double(std::string_view v) {
  return std::atof(std::string(v).c_str());
}

// Writer unless the server refuses writes: read_only (replicas, super_read_only) or
// innodb_read_only (a read-only engine). Both exist on MySQL and MariaDB.
bool writable(TargetConnection& c) {
  auto r = c.execute("SELECT @@read_only, @@innodb_read_only", {});
  if (!r || r->row_count() == 0 || r->column_count() < 2) return false;
  return !truthy(r->value(0, 0)) && !truthy(r->value(0, 1));
}

// During a failover two rows may claim the writer's session for a moment: the one updated last
// is the writer.
void keep_latest_writer(std::vector<TopologyEntry>& entries) {
  TopologyEntry* latest = nullptr;
  for (auto& e : entries) {
    if (!e.is_writer) continue;
    if (!latest ||
        (e.last_update && (!latest->last_update || *e.last_update > *latest->last_update)))
      latest = &e;
  }
  for (auto& e : entries) e.is_writer = (&e == latest);
}

class PlainMysqlDialect final : public Dialect {
 public:
  explicit PlainMysqlDialect(std::string code) : code_(std::move(code)) {}
  std::string_view code() const noexcept override { return code_; }
  bool reports_topology() const noexcept override { return false; }
  std::vector<TopologyEntry> query_topology(TargetConnection&) const override { return {}; }
  std::string instance_id(TargetConnection&) const override { return {}; }
  bool is_writer(TargetConnection& c) const override { return writable(c); }

 private:
  std::string code_;
};

class AuroraMysqlDialect final : public Dialect {
 public:
  std::string_view code() const noexcept override { return "aurora-mysql"; }
  bool reports_topology() const noexcept override { return true; }
  std::vector<TopologyEntry> query_topology(TargetConnection& c) const override {
    // The age is computed by the server against its own clock (client clocks may be off); the
    // stale rows are dropped here so the rule does not depend on the column's time zone type.
    auto r = c.execute(
        "SELECT server_id, IF(session_id = 'MASTER_SESSION_ID', 1, 0), "
        "COALESCE(replica_lag_in_milliseconds, 0), "
        "DATE_FORMAT(last_update_timestamp, '%Y-%m-%d %H:%i:%s'), "
        "TIMESTAMPDIFF(SECOND, last_update_timestamp, NOW()) "
        "FROM information_schema.replica_host_status",
        {});
    return r ? aurora_mysql_topology_from_rows(*r) : std::vector<TopologyEntry>{};
  }
  std::string instance_id(TargetConnection& c) const override {
    return single_value(c, "SELECT @@aurora_server_id").value_or("");
  }
  bool is_writer(TargetConnection& c) const override {
    return !truthy(single_value(c, "SELECT @@innodb_read_only").value_or("1"));
  }
};

class MultiAzMysqlDialect final : public Dialect {
 public:
  std::string_view code() const noexcept override { return "multi-az-mysql"; }
  bool reports_topology() const noexcept override { return true; }
  std::vector<TopologyEntry> query_topology(TargetConnection& c) const override {
    auto r = c.execute("SELECT id, endpoint, port FROM mysql.rds_topology", {});
    std::string writer_id = writer_server_id(c);
    return r ? multi_az_mysql_topology_from_rows(*r, writer_id) : std::vector<TopologyEntry>{};
  }
  std::string instance_id(TargetConnection& c) const override {
    return single_value(c, "SELECT @@server_id").value_or("");
  }
  bool is_writer(TargetConnection& c) const override { return writable(c); }

 private:
  // The writer's server id as this instance knows it; "" when it cannot tell (a replica not yet
  // connected to its source, or an instance between roles).
  static std::string writer_server_id(TargetConnection& c) {
    std::shared_ptr<const ResultData> status;
    try {
      status = c.execute("SHOW REPLICA STATUS", {});
    } catch (const QueryError&) {
      status = c.execute("SHOW SLAVE STATUS", {});  // MySQL before 8.0.22
    }
    if (!status || status->row_count() == 0) {
      // No replication configured: this instance is the writer, if it takes writes.
      if (!writable(c)) return {};
      return single_value(c, "SELECT @@server_id").value_or("");
    }
    return source_server_id_from_replica_status(*status);
  }
};

}  // namespace

std::vector<TopologyEntry> aurora_mysql_topology_from_rows(const ResultData& r) {
  std::vector<TopologyEntry> out;
  for (std::size_t i = 0; i < r.row_count(); ++i) {
    if (r.is_null(i, 0) || r.value(i, 0).empty()) continue;  // no instance to connect to
    TopologyEntry e;
    e.instance_id = std::string(r.value(i, 0));
    e.is_writer = truthy(r.value(i, 1));
    bool stale =
        !r.is_null(i, 4) && std::atol(std::string(r.value(i, 4)).c_str()) > kStaleReaderSeconds;
    if (stale && !e.is_writer) continue;
    e.replica_lag_ms = r.is_null(i, 2) ? 0 : to_double(r.value(i, 2));
    if (!r.is_null(i, 3)) e.last_update = parse_server_utc_time(r.value(i, 3));  // UTC on Aurora
    out.push_back(std::move(e));
  }
  keep_latest_writer(out);
  return out;
}

std::vector<TopologyEntry> multi_az_mysql_topology_from_rows(const ResultData& r,
                                                             std::string_view writer_id) {
  std::vector<TopologyEntry> out;
  for (std::size_t i = 0; i < r.row_count(); ++i) {
    if (r.is_null(i, 0) || r.value(i, 0).empty()) continue;  // no instance to connect to
    TopologyEntry e;
    e.instance_id = std::string(r.value(i, 0));
    if (!r.is_null(i, 1)) e.endpoint = std::string(r.value(i, 1));
    if (!r.is_null(i, 2)) e.port = std::atoi(std::string(r.value(i, 2)).c_str());
    e.is_writer = !writer_id.empty() && e.instance_id == writer_id;
    out.push_back(std::move(e));
  }
  return out;
}

std::string source_server_id_from_replica_status(const ResultData& status) {
  // Positions differ between MySQL and MariaDB: read the column by name.
  for (std::size_t col = 0; col < status.column_count(); ++col) {
    auto name = status.column_name(col);
    if (name != "Source_Server_Id" && name != "Master_Server_Id") continue;
    if (status.is_null(0, col)) return {};
    std::string id(status.value(0, col));
    return id == "0" ? std::string() : id;  // 0: the replica has not reached its source yet
  }
  AWRAP_LOG(kWarning) << "SHOW REPLICA STATUS has neither Source_Server_Id nor Master_Server_Id";
  return {};
}

std::unique_ptr<Dialect> make_plain_mysql_dialect(std::string_view code) {
  return std::make_unique<PlainMysqlDialect>(std::string(code));
}
std::unique_ptr<Dialect> make_aurora_mysql_dialect() {
  return std::make_unique<AuroraMysqlDialect>();
}
std::unique_ptr<Dialect> make_multi_az_mysql_dialect() {
  return std::make_unique<MultiAzMysqlDialect>();
}

std::unique_ptr<Dialect> detect_mysql_dialect(TargetConnection& c) {
  auto exists = [&](std::string_view sql) {
    auto count = single_value_or_none(c, sql);
    return count && *count != "0";
  };
  bool aurora = false;
  try {
    auto r = c.execute("SHOW VARIABLES LIKE 'aurora\\_version'", {});
    aurora = r && r->row_count() > 0;
  } catch (const QueryError& e) {
    AWRAP_LOG(kDebug) << "dialect detection: " << e.what();
  }
  if (aurora && exists("SELECT COUNT(*) FROM information_schema.replica_host_status"))
    return make_aurora_mysql_dialect();
  if (exists("SELECT COUNT(*) FROM mysql.rds_topology")) return make_multi_az_mysql_dialect();
  if (single_value_or_none(c, "SELECT @@basedir").value_or("").starts_with("/rdsdbbin/"))
    return make_plain_mysql_dialect("rds-mysql");
  if (single_value_or_none(c, "SELECT VERSION()").value_or("").find("MariaDB") != std::string::npos)
    return make_plain_mysql_dialect("mariadb");
  return make_plain_mysql_dialect("mysql");
}

}  // namespace awrap::internal
