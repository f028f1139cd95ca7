#include "driver/host_probe.hpp"

#include "awrap/errors.hpp"
#include "driver/mysql/mysql_probe.hpp"
#include "driver/pg/pg_probe.hpp"

namespace awrap {

std::unique_ptr<HostProbe> make_host_probe(std::string_view engine, ConnectSpec spec) {
  if (engine == "pg") return pg::make_pg_probe(std::move(spec));
  if (engine == "mysql") return mysql::make_mysql_probe(std::move(spec));
  throw ConfigError("host monitoring does not support the engine '" + std::string(engine) + "'");
}

}  // namespace awrap
