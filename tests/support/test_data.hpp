// What the unit suite reads from tests/data/ (scenario tables, test vectors), and the host the
// tables name by a bare name. In the repository, so a clone passes its own tests.
#pragma once

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "awrap/host_info.hpp"

namespace awrap::internal::testing {

// tests/data/<relative>, parsed; throws naming the file when it cannot be read.
inline nlohmann::json load_test_json(const std::string& relative) {
  std::ifstream in(std::filesystem::path(AWRAP_TEST_DATA_DIR) / relative);
  if (!in) throw std::runtime_error("cannot read tests/data/" + relative);
  return nlohmann::json::parse(in);
}

// A host as the tables write it: a name, on PostgreSQL's port.
inline HostInfo host_named(const std::string& name, HostRole role = HostRole::kUnknown) {
  HostInfo h;
  h.host = name;
  h.port = 5432;
  h.role = role;
  return h;
}

}  // namespace awrap::internal::testing
