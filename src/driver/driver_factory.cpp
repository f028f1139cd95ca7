#include "driver/driver_factory.hpp"

#include "awrap/errors.hpp"

#if __has_include("driver/pg/pg_driver.hpp")
#include "driver/pg/pg_driver.hpp"
#define AWRAP_HAVE_PG_DRIVER 1
#endif
#if __has_include("driver/mysql/mysql_driver.hpp")
#include "driver/mysql/mysql_driver.hpp"
#define AWRAP_HAVE_MYSQL_DRIVER 1
#endif

namespace awrap {

std::shared_ptr<TargetDriver> make_driver(std::string_view engine) {
#ifdef AWRAP_HAVE_PG_DRIVER
  if (engine == "pg") return pg::make_pg_driver();
#endif
#ifdef AWRAP_HAVE_MYSQL_DRIVER
  if (engine == "mysql") return mysql::make_mysql_driver();
#endif
  throw ConfigError("no driver for engine '" + std::string(engine) + "'", "conninfo");
}

}  // namespace awrap
