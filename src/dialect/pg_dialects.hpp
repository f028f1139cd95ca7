// PostgreSQL flavours: pg (plain), rds-pg, aurora-pg, multi-az-pg.
#pragma once

#include <memory>
#include <vector>

#include "dialect/dialect.hpp"

namespace awrap::internal {

std::unique_ptr<Dialect> make_plain_pg_dialect(std::string_view code);  // "pg" or "rds-pg"
std::unique_ptr<Dialect> make_aurora_pg_dialect();
std::unique_ptr<Dialect> make_multi_az_pg_dialect();
// Detection: aurora-pg, then multi-az-pg, then rds-pg, then pg.
std::unique_ptr<Dialect> detect_pg_dialect(TargetConnection& connection);

// The rows of each flavour's topology query turned into entries: pure, so unit tests and the
// fuzzer (fuzz/fuzz_topology_rows.cpp) can feed them any rows a server might send.
// aurora-pg: server_id, is_writer (t/f), replica lag ms, last update ('YYYY-MM-DD HH:MI:SS').
std::vector<TopologyEntry> aurora_pg_topology_from_rows(const ResultData& rows);
// multi-az-pg: id, endpoint, port, is_writer (t/f).
std::vector<TopologyEntry> multi_az_pg_topology_from_rows(const ResultData& rows);

}  // namespace awrap::internal
