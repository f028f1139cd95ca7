#include "driver/mysql/mysql_driver.hpp"

#include "driver/mysql/mysql_connection.hpp"
#include "driver/mysql/mysql_probe.hpp"

namespace awrap::internal::mysql {

std::unique_ptr<TargetConnection> MysqlDriver::connect(const ConnectSpec& spec) {
  return MysqlConnection::open(spec);
}

std::unique_ptr<HostProbe> MysqlDriver::make_probe(ConnectSpec spec) const {
  return make_mysql_probe(std::move(spec));
}

std::unique_ptr<TargetDriver> make_mysql_driver() {
  return std::make_unique<MysqlDriver>();
}

}  // namespace awrap::internal::mysql
