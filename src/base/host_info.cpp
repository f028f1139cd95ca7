#include "awrap/host_info.hpp"

namespace awrap {

const char* to_string(HostRole role) noexcept {
  switch (role) {
    case HostRole::kWriter:
      return "writer";
    case HostRole::kReader:
      return "reader";
    case HostRole::kUnknown:
      break;
  }
  return "unknown";
}

const char* to_string(HostAvailability availability) noexcept {
  return availability == HostAvailability::kAvailable ? "available" : "unavailable";
}

std::string HostInfo::endpoint() const {
  std::string out;
  bool ipv6 = host.find(':') != std::string::npos;
  if (ipv6) out += '[';
  out += host;
  if (ipv6) out += ']';
  if (port != 0) {
    out += ':';
    out += std::to_string(port);
  }
  return out;
}

}  // namespace awrap
