// Parsing of connection strings: URLs (postgresql://, postgres://, mysql://, mariadb://) and
// libpq keyword strings ("host=a,b port=5432 dbname=app").
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "awrap/host_info.hpp"
#include "awrap/properties.hpp"

namespace awrap::internal {

struct ConnInfo {
  std::string engine;           // "pg" or "mysql"
  std::vector<HostInfo> hosts;  // in the order given; port 0 when not given
  PropertyMap options;          // user, password, dbname and every other key or URL parameter
};

// Throws ConfigError naming the problem (never echoing a password).
ConnInfo parse_conninfo(std::string_view text);

}  // namespace awrap::internal
