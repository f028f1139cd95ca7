// MySQL / MariaDB flavours: mysql, mariadb, rds-mysql (plain servers), aurora-mysql and
// multi-az-mysql (clusters that report their topology). See docs/mysql.md.
//
// Roles: aurora-mysql reads @@innodb_read_only (1 on an Aurora reader); every other flavour is a
// writer when both @@read_only and @@innodb_read_only are 0 (replicas run with read_only=1).
#pragma once

#include <memory>
#include <string_view>

#include "dialect/dialect.hpp"

namespace awrap {

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

}  // namespace awrap
