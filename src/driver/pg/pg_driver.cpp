#include "driver/pg/pg_driver.hpp"

#include "driver/pg/pg_connect.hpp"
#include "driver/pg/pg_connection.hpp"
#include "driver/pg/pg_probe.hpp"

namespace awrap::pg {

int PgDriver::default_port() const noexcept {
  return kPgDefaultPort;
}

std::unique_ptr<TargetConnection> PgDriver::connect(const ConnectSpec& spec) {
  return std::make_unique<PgConnection>(open_pg_connection(spec), spec);
}

std::unique_ptr<HostProbe> PgDriver::make_probe(ConnectSpec spec) const {
  return make_pg_probe(std::move(spec));
}

std::unique_ptr<TargetDriver> make_pg_driver() {
  return std::make_unique<PgDriver>();
}

}  // namespace awrap::pg
