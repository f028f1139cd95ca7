// The one list of built-in drivers (make_builtin_driver is declared in
// awrap/ext/target_driver.hpp).
#include "awrap/errors.hpp"
#include "awrap/ext/target_driver.hpp"
#include "driver/mysql/mysql_driver.hpp"
#include "driver/pg/pg_driver.hpp"

namespace awrap {

std::shared_ptr<TargetDriver> make_builtin_driver(std::string_view engine) {
  if (engine == "pg") return internal::pg::make_pg_driver();
  if (engine == "mysql") return internal::mysql::make_mysql_driver();
  throw ConfigError("no driver for engine '" + std::string(engine) + "' (expected pg or mysql)",
                    "conninfo");
}

}  // namespace awrap
