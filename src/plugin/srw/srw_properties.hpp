// Properties of the srw plugin (simple read/write splitting), registered with the plugin (its
// PluginRegistration::properties). Names, defaults and meaning follow the AWS Advanced Python
// Wrapper's SimpleReadWriteSplittingPlugin.
#pragma once

#include <array>

#include "awrap/properties.hpp"

namespace awrap::internal::plugin::srw {

inline constexpr std::string_view kReadEndpoint = "srw_read_endpoint";
inline constexpr std::string_view kWriteEndpoint = "srw_write_endpoint";
inline constexpr std::string_view kVerifyNewConnections = "srw_verify_new_connections";
inline constexpr std::string_view kVerifyInitialConnectionType =
    "srw_verify_initial_connection_type";
inline constexpr std::string_view kConnectRetryTimeoutMs = "srw_connect_retry_timeout_ms";
inline constexpr std::string_view kConnectRetryIntervalMs = "srw_connect_retry_interval_ms";

inline constexpr std::array<PropertyDefinition, 6> kSrwProperties{{
    {.name = kReadEndpoint,
     .type = PropertyType::kString,
     .default_value = "",
     .help = "srw: required. Endpoint set_read_only(true) moves the connection to: 'host' or "
             "'host:port' (port: the connection's, else the engine's default), e.g. an RDS "
             "Proxy read-only endpoint or a cluster-ro endpoint",
     .group = "srw"},
    {.name = kWriteEndpoint,
     .type = PropertyType::kString,
     .default_value = "",
     .help = "srw: required. Endpoint set_read_only(false) moves the connection back to: "
             "'host' or 'host:port', e.g. an RDS Proxy or cluster endpoint",
     .group = "srw"},
    {.name = kVerifyNewConnections,
     .type = PropertyType::kBoolean,
     .default_value = "true",
     .help = "srw: check the role (writer/reader) of every connection the plugin opens and "
             "retry until it fits, within srw_connect_retry_timeout_ms. false trusts the "
             "endpoints (needed where the role cannot be read, e.g. a balancer that mixes roles)",
     .group = "srw"},
    {.name = kVerifyInitialConnectionType,
     .type = PropertyType::kChoice,
     .default_value = "",
     .help = "srw: the role the first connection must have (writer or reader), verified like "
             "the plugin's own connections; empty: only RDS cluster (writer) and cluster-ro "
             "(reader) endpoints are verified. Used when srw_verify_new_connections is true",
     .group = "srw",
     .choices = "writer|reader"},
    {.name = kConnectRetryTimeoutMs,
     .type = PropertyType::kInteger,
     .default_value = "6000",
     .help = "srw: milliseconds allowed for opening a connection of the right role, every "
             "connect and role check included (a hard bound). Used when "
             "srw_verify_new_connections is true",
     .group = "srw",
     .min = 1,
     .max = 3600000},
    {.name = kConnectRetryIntervalMs,
     .type = PropertyType::kInteger,
     .default_value = "100",
     .help = "srw: milliseconds between two attempts to open a connection of the right role. "
             "Used when srw_verify_new_connections is true",
     .group = "srw",
     .min = 1,
     .max = 3600000},
}};

}  // namespace awrap::internal::plugin::srw
