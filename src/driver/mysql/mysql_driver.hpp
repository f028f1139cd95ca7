// The MySQL/MariaDB TargetDriver (MariaDB Connector/C 3.3).
//
//   std::unique_ptr<awrap::TargetDriver> driver = mysql::make_mysql_driver();
//   auto connection = driver->connect(spec);  // engine "mysql", default port 3306
//
// Stateless: one instance may be shared by all threads.
#pragma once

#include <memory>
#include <string_view>

#include "awrap/ext/target_driver.hpp"

namespace awrap::internal::mysql {

class MysqlDriver final : public TargetDriver {
 public:
  std::string_view engine() const noexcept override { return "mysql"; }
  int default_port() const noexcept override { return 3306; }
  // See MysqlConnection::open.
  std::unique_ptr<TargetConnection> connect(const ConnectSpec& spec) override;
  // Connector/C's non-blocking connect and COM_PING (mysql_probe.hpp). REQUIRES: Connector/C is
  // initialised (a MySQL connection was opened before in this process).
  std::unique_ptr<HostProbe> make_probe(ConnectSpec spec) const override;
};

std::unique_ptr<TargetDriver> make_mysql_driver();

}  // namespace awrap::internal::mysql
