#include "plugin/srw/srw_config.hpp"

#include <charconv>

#include "awrap/errors.hpp"
#include "base/text.hpp"
#include "plugin/srw/srw_properties.hpp"

namespace awrap::internal::plugin::srw {
namespace {

constexpr std::string_view kAccepted =
    "expected 'host' or 'host:port' (IPv6 as '[address]' or '[address]:port'), port 1-65535";

[[noreturn]] void reject(std::string_view property, std::string_view value, std::string_view why) {
  throw ConfigError("invalid value '" + std::string(value) + "' for property '" +
                        std::string(property) + "': " + std::string(why) + "; " +
                        std::string(kAccepted),
                    std::string(property));
}

int parse_port(std::string_view property, std::string_view value, std::string_view digits) {
  int port = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || port < 1 ||
      port > 65535)
    reject(property, value, "the port '" + std::string(digits) + "' is not a number in 1-65535");
  return port;
}

bool has_space(std::string_view text) {
  return text.find_first_of(" \t\r\n") != std::string_view::npos;
}

}  // namespace

HostInfo parse_srw_endpoint(std::string_view property, std::string_view value, int default_port,
                            HostRole role) {
  std::string_view text = text::trim(value);
  if (text.empty())
    throw ConfigError("property '" + std::string(property) + "' is required by the srw plugin (" +
                          std::string(kAccepted) + ")",
                      std::string(property));
  HostInfo endpoint;
  endpoint.role = role;
  endpoint.port = default_port;
  if (text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close == 1)
      reject(property, value, "an IPv6 address needs its closing ']'");
    endpoint.host = std::string(text.substr(1, close - 1));
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') reject(property, value, "only ':port' may follow ']'");
      endpoint.port = parse_port(property, value, rest.substr(1));
    }
  } else {
    auto colon = text.rfind(':');
    if (colon != std::string_view::npos && text.find(':') != colon)
      reject(property, value, "an IPv6 address must be written in brackets");
    endpoint.host = std::string(text.substr(0, colon));
    if (colon != std::string_view::npos)
      endpoint.port = parse_port(property, value, text.substr(colon + 1));
  }
  if (endpoint.host.empty() || has_space(endpoint.host) ||
      endpoint.host.find_first_of("/?#@,[]") != std::string::npos)
    reject(property, value, "the host name is empty or contains a character a host cannot have");
  return endpoint;
}

SrwConfig srw_config_from(const Properties& properties, int default_port) {
  SrwConfig config;
  config.read_endpoint = parse_srw_endpoint(kReadEndpoint, properties.get_string(kReadEndpoint),
                                            default_port, HostRole::kReader);
  config.write_endpoint = parse_srw_endpoint(kWriteEndpoint, properties.get_string(kWriteEndpoint),
                                             default_port, HostRole::kWriter);
  config.verify_new_connections = properties.get_bool(kVerifyNewConnections);
  std::string type = properties.get_choice(kVerifyInitialConnectionType);
  if (type == "writer") config.verify_initial_connection_type = HostRole::kWriter;
  if (type == "reader") config.verify_initial_connection_type = HostRole::kReader;
  config.connect_retry_timeout =
      std::chrono::milliseconds(properties.get_int(kConnectRetryTimeoutMs));
  config.connect_retry_interval =
      std::chrono::milliseconds(properties.get_int(kConnectRetryIntervalMs));
  return config;
}

}  // namespace awrap::internal::plugin::srw
