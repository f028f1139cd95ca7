// MySQL / MariaDB flavours: mysql, mariadb, rds-mysql (plain servers), aurora-mysql and
// multi-az-mysql (clusters that report their topology). See docs/mysql.md.
//
// Roles: aurora-mysql reads @@innodb_read_only (1 on an Aurora reader); every other flavour is a
// writer when both @@read_only and @@innodb_read_only are 0 (replicas run with read_only=1).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dialect/dialect.hpp"

namespace awrap::internal {

// "mysql", "mariadb" or "rds-mysql": no topology of their own.
std::unique_ptr<Dialect> make_plain_mysql_dialect(std::string_view code);
// information_schema.replica_host_status, @@aurora_server_id.
std::unique_ptr<Dialect> make_aurora_mysql_dialect();
// mysql.rds_topology, @@server_id, the writer's id from SHOW REPLICA STATUS.
std::unique_ptr<Dialect> make_multi_az_mysql_dialect();

// Detection, first match wins:
//   aurora-mysql    SHOW VARIABLES LIKE 'aurora_version' returns a row and
//                   information_schema.replica_host_status has a row;
//   multi-az-mysql  mysql.rds_topology exists, is readable and has a row;
//   rds-mysql       @@basedir starts with /rdsdbbin/ (where RDS installs MySQL and MariaDB);
//   mariadb         SELECT VERSION() contains "MariaDB";
//   mysql           otherwise.
// Statements that fail with a QueryError (missing table, no privilege) count as "no"; a lost
// connection propagates.
std::unique_ptr<Dialect> detect_mysql_dialect(TargetConnection& connection);

// The rows of each flavour's topology query turned into entries: pure, so unit tests and the
// fuzzer (fuzz/fuzz_topology_rows.cpp) can feed them any rows a server might send.
// aurora-mysql: server_id, is_writer (1/0), replica lag ms, last update ('YYYY-MM-DD HH:MM:SS'),
// seconds since the last update. Stale readers are dropped; at most one writer is kept.
std::vector<TopologyEntry> aurora_mysql_topology_from_rows(const ResultData& rows);
// multi-az-mysql: id, endpoint, port; the writer is the row whose id is `writer_id`.
std::vector<TopologyEntry> multi_az_mysql_topology_from_rows(const ResultData& rows,
                                                             std::string_view writer_id);
// The writer's server id from one SHOW REPLICA STATUS (or SHOW SLAVE STATUS) row; "" when the
// replica has not reached its source or the columns are missing. REQUIRES: a row.
std::string source_server_id_from_replica_status(const ResultData& status);

}  // namespace awrap::internal
