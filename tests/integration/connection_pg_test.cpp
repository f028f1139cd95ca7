// What the Connection API shows only on PostgreSQL 15 (the lab's single server); the contract
// both engines keep is tests/integration/connection_contract_test.cpp.
#include <gtest/gtest.h>

#include <stdexcept>

#include "awrap/awrap.hpp"
#include "support/test_env.hpp"

namespace awrap::internal {
namespace {

using testing::pg_conninfo;

class ConnectionPg : public ::testing::Test {
 protected:
  Connection open(const PropertyMap& props = {}) { return Connection::open(pg_conninfo(), props); }
};

TEST_F(ConnectionPg, ColumnTypesAreTheServersOids) {
  auto c = open();
  Result r = c.execute("SELECT 1::int4, 'x'::text, 1.5::numeric(10,2), $1::bytea", {"\\x00"});
  ASSERT_EQ(r.column_count(), 4u);
  EXPECT_TRUE(r.column_type(0).known);
  EXPECT_EQ(r.column_type(0).native_type, 23u);    // int4
  EXPECT_EQ(r.column_type(1).native_type, 25u);    // text
  EXPECT_EQ(r.column_type(2).native_type, 1700u);  // numeric
  EXPECT_EQ(r.column_type(2).modifier, ((10 << 16) | 2) + 4);
  EXPECT_EQ(r.column_type(3).native_type, 17u);  // bytea
  EXPECT_THROW(r.column_type(4), std::out_of_range);
  EXPECT_EQ(c.execute("SET search_path = public").column_count(), 0u);
  EXPECT_FALSE(Result().column_type(0).known);  // no data: nothing known
}

}  // namespace
}  // namespace awrap::internal
