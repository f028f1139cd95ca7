#include "plugin/endpoint_role.hpp"

#include "topology/rds_endpoint.hpp"

namespace awrap::internal {

EndpointRole endpoint_role(const Properties& properties, std::string_view host) {
  std::string role = properties.get_choice("cluster_endpoint_role");
  if (role == "writer") return EndpointRole::kWriter;
  if (role == "reader") return EndpointRole::kReader;
  if (role == "instance") return EndpointRole::kInstance;
  switch (classify_rds_endpoint(host).kind) {
    case RdsEndpointKind::kClusterWriter:
      return EndpointRole::kWriter;
    case RdsEndpointKind::kClusterReader:
      return EndpointRole::kReader;
    default:
      return EndpointRole::kInstance;
  }
}

}  // namespace awrap::internal
