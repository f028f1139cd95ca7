// The result of one PostgreSQL statement: owns the libpq PGresult.
//
// Immutable after construction; libpq's accessors on a PGresult only read, so several threads may
// read one PgResult at once. Values are in PostgreSQL's text output format.
#pragma once

#include <string_view>

#include "awrap/result.hpp"
#include "driver/pg/pg_handles.hpp"

namespace awrap::internal::pg {

class PgResult final : public ResultData {
 public:
  // REQUIRES: result is not null.
  explicit PgResult(PgResultHandle result);

  std::size_t row_count() const noexcept override;
  std::size_t column_count() const noexcept override;
  // Throw std::out_of_range for a row or column that does not exist.
  std::string_view column_name(std::size_t column) const override;
  bool is_null(std::size_t row, std::size_t column) const override;
  std::string_view value(std::size_t row, std::size_t column) const override;
  // From PQcmdTuples; 0 for SELECT and FETCH, which return rows instead.
  std::int64_t affected_rows() const noexcept override;
  // The column's type OID and modifier (PQftype, PQfmod).
  ColumnType column_type(std::size_t column) const override;

  // The command tag ("INSERT 0 1", "COMMIT", "ROLLBACK" …).
  std::string_view command_tag() const noexcept;

 private:
  void check_cell(std::size_t row, std::size_t column) const;

  PgResultHandle result_;
  std::int64_t affected_rows_ = 0;
};

}  // namespace awrap::internal::pg
