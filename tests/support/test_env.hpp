// Where the integration tests find their servers (set by CTest from tests/CMakeLists.txt).
#pragma once

#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

namespace awrap::testing {

// The conninfo of the single PostgreSQL server the lab starts for the integration suite.
inline std::string pg_conninfo() {
  const char* v = std::getenv("AWRAP_TEST_PG_CONNINFO");
  return v ? v : "host=127.0.0.40 port=5432 user=awrap password=awrap-lab-password dbname=awrap";
}

inline std::string mariadb_conninfo() {
  const char* v = std::getenv("AWRAP_TEST_MARIADB_CONNINFO");
  return v ? v : "mysql://awrap:awrap-lab-password@127.0.0.41:3306/awrap";
}

}  // namespace awrap::testing
