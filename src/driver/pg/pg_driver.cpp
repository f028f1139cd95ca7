#include "driver/pg/pg_driver.hpp"

#include "driver/pg/pg_connect.hpp"
#include "driver/pg/pg_connection.hpp"

namespace awrap::pg {

int PgDriver::default_port() const noexcept {
  return kPgDefaultPort;
}

std::unique_ptr<TargetConnection> PgDriver::connect(const ConnectSpec& spec) {
  return std::make_unique<PgConnection>(open_pg_connection(spec), spec);
}

std::unique_ptr<TargetDriver> make_pg_driver() {
  return std::make_unique<PgDriver>();
}

}  // namespace awrap::pg
