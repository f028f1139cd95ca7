// One database host as awrap sees it.
#pragma once

#include "awrap/export.hpp"

#include <chrono>
#include <cstdint>
#include <string>

namespace awrap {

enum class HostRole : std::uint8_t { kUnknown, kWriter, kReader };
enum class HostAvailability : std::uint8_t { kAvailable, kUnavailable };

AWRAP_EXPORT const char* to_string(HostRole role) noexcept;
AWRAP_EXPORT const char* to_string(HostAvailability availability) noexcept;

struct AWRAP_EXPORT HostInfo {
  std::string host{};  // DNS name or IP address
  int port = 0;        // 0: the engine's default port
  HostRole role = HostRole::kUnknown;
  HostAvailability availability = HostAvailability::kAvailable;
  std::int64_t weight = 100;  // selection weight among readers; higher is preferred
  std::string host_id{};      // instance identifier (e.g. "instance-1"), empty when unknown
  std::chrono::system_clock::time_point last_update{};

  // "host:port" (or "host" when port is 0); IPv6 literals in brackets.
  std::string endpoint() const;
  // Same host and port (role, availability and the rest ignored).
  bool same_endpoint(const HostInfo& other) const noexcept {
    return port == other.port && host == other.host;
  }
};

}  // namespace awrap
