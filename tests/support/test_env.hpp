// Where the integration tests find their servers (set by CTest from tests/CMakeLists.txt).
#pragma once

#include <chrono>
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "awrap/ext/target_driver.hpp"
#include "core/conninfo.hpp"

namespace awrap::internal::testing {

// The conninfo of the single PostgreSQL server the lab starts for the integration suite.
inline std::string pg_conninfo() {
  const char* v = std::getenv("AWRAP_TEST_PG_CONNINFO");
  return v ? v : "host=127.0.0.40 port=5432 user=awrap password=awrap-lab-password dbname=awrap";
}

inline std::string mariadb_conninfo() {
  const char* v = std::getenv("AWRAP_TEST_MARIADB_CONNINFO");
  return v ? v : "mysql://awrap:awrap-lab-password@127.0.0.41:3306/awrap";
}

// The test server's address and login as a driver-level ConnectSpec (the first host of
// `conninfo`; every option other than user, password and dbname is a native option).
inline ConnectSpec connect_spec(const std::string& conninfo) {
  ConnInfo parsed = parse_conninfo(conninfo);
  ConnectSpec spec;
  spec.host = parsed.hosts.at(0);
  if (spec.host.port == 0) spec.host.port = parsed.engine == "pg" ? 5432 : 3306;
  for (auto& [key, value] : parsed.options) {
    if (key == "user") {
      spec.user = value;
    } else if (key == "password") {
      spec.password = value;
    } else if (key == "dbname") {
      spec.database = value;
    } else {
      spec.native_options[key] = value;
    }
  }
  spec.connect_timeout = std::chrono::seconds(5);
  return spec;
}

}  // namespace awrap::internal::testing
