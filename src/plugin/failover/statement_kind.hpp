// Whether a statement can change data, for deciding what a failover may have lost.
#pragma once

#include <string_view>

namespace awrap {

// True for statements that cannot change data (SELECT, SHOW, VALUES, EXPLAIN without ANALYZE,
// SET, BEGIN, ROLLBACK, FETCH): failing over during one loses nothing. Anything else — INSERT,
// UPDATE, DELETE, DDL, CALL, WITH (which may hold DML), EXPLAIN ANALYZE — counts as a write.
// A SELECT that calls a function with side effects is not detected.
bool is_read_only_sql(std::string_view sql);

}  // namespace awrap
