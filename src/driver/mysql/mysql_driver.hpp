// The MySQL/MariaDB TargetDriver (MariaDB Connector/C 3.3).
//
//   std::unique_ptr<awrap::TargetDriver> driver = awrap::mysql::make_mysql_driver();
//   auto connection = driver->connect(spec);  // engine "mysql", default port 3306
//
// Stateless: one instance may be shared by all threads.
#pragma once

#include <memory>
#include <string_view>

#include "awrap/ext/target_driver.hpp"

namespace awrap::mysql {

class MysqlDriver final : public TargetDriver {
 public:
  std::string_view engine() const noexcept override { return "mysql"; }
  int default_port() const noexcept override { return 3306; }
  // See MysqlConnection::open.
  std::unique_ptr<TargetConnection> connect(const ConnectSpec& spec) override;
};

std::unique_ptr<TargetDriver> make_mysql_driver();

}  // namespace awrap::mysql
