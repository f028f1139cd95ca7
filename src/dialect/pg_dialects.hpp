// PostgreSQL flavours: pg (plain), rds-pg, aurora-pg, multi-az-pg.
#pragma once

#include <memory>

#include "dialect/dialect.hpp"

namespace awrap {

std::unique_ptr<Dialect> make_plain_pg_dialect(std::string_view code);  // "pg" or "rds-pg"
std::unique_ptr<Dialect> make_aurora_pg_dialect();
std::unique_ptr<Dialect> make_multi_az_pg_dialect();
// Detection: aurora-pg, then multi-az-pg, then rds-pg, then pg.
std::unique_ptr<Dialect> detect_pg_dialect(TargetConnection& connection);

}  // namespace awrap
