// The srw plugin's settings, read and checked once when a Connection is opened.
//
//   SrwConfig config = srw_config_from(properties, /*default_port=*/5432);
//   config.read_endpoint.endpoint();   // "replica.example.com:5432"
//
// Pure: no I/O. Throws ConfigError naming the property, its value and what is accepted.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "awrap/host_info.hpp"
#include "awrap/properties.hpp"

namespace awrap::internal::plugin::srw {

struct SrwConfig {
  HostInfo read_endpoint;   // role kReader
  HostInfo write_endpoint;  // role kWriter
  bool verify_new_connections = true;
  std::optional<HostRole> verify_initial_connection_type;  // unset: RDS cluster endpoints only
  std::chrono::milliseconds connect_retry_timeout{6000};
  std::chrono::milliseconds connect_retry_interval{100};
};

// One endpoint property: "host", "host:port", "[ipv6]" or "[ipv6]:port" (spaces around are
// ignored). `default_port` applies when none is given. Throws ConfigError when the value is
// empty (the property is required) or the host or port is malformed.
HostInfo parse_srw_endpoint(std::string_view property, std::string_view value, int default_port,
                            HostRole role);

SrwConfig srw_config_from(const Properties& properties, int default_port);

}  // namespace awrap::internal::plugin::srw
