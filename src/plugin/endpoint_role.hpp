// What the first host of a connection string stands for (cluster_endpoint_role).
#pragma once

#include <string_view>

#include "awrap/properties.hpp"

namespace awrap::internal {

enum class EndpointRole { kWriter, kReader, kInstance };

// cluster_endpoint_role, with "auto" resolved from the RDS name of `host`.
EndpointRole endpoint_role(const Properties& properties, std::string_view host);

}  // namespace awrap::internal
