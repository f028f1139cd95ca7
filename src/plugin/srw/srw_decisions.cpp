#include "plugin/srw/srw_decisions.hpp"

#include "base/text.hpp"
#include "topology/rds_endpoint.hpp"

namespace awrap::internal::plugin::srw {
namespace {

bool same_endpoint(const HostInfo& host, const HostInfo& endpoint) {
  return host.port == endpoint.port && text::lower(host.host) == text::lower(endpoint.host);
}

}  // namespace

const char* to_string(Side side) noexcept {
  switch (side) {
    case Side::kWriter:
      return "writer";
    case Side::kReader:
      return "reader";
    case Side::kOther:
      break;
  }
  return "other";
}

const char* to_string(Switch decision) noexcept {
  switch (decision) {
    case Switch::kStay:
      return "stay";
    case Switch::kToReader:
      return "to_reader";
    case Switch::kToWriter:
      return "to_writer";
    case Switch::kRefuseInTransaction:
      break;
  }
  return "refuse_in_transaction";
}

Side side_of(const HostInfo& host, const SrwConfig& config) {
  if (same_endpoint(host, config.write_endpoint)) return Side::kWriter;
  if (same_endpoint(host, config.read_endpoint)) return Side::kReader;
  return Side::kOther;
}

Switch decide_switch(const SwitchInput& input) {
  const Side wanted = input.read_only ? Side::kReader : Side::kWriter;
  const Switch move = input.read_only ? Switch::kToReader : Switch::kToWriter;
  if (input.current == wanted) {
    // A lost reader session held only reads: a new one is as good. A lost writer is not
    // replaced behind the application's back (it may believe a transaction is still open).
    return input.current_broken && wanted == Side::kReader ? move : Switch::kStay;
  }
  if (input.in_transaction && !input.current_broken) return Switch::kRefuseInTransaction;
  return move;
}

std::optional<HostRole> initial_verification_role(const SrwConfig& config, const HostInfo& host) {
  if (!config.verify_new_connections) return std::nullopt;
  if (config.verify_initial_connection_type) return config.verify_initial_connection_type;
  switch (classify_rds_endpoint(host.host).kind) {
    case RdsEndpointKind::kClusterWriter:
      return HostRole::kWriter;
    case RdsEndpointKind::kClusterReader:
      return HostRole::kReader;
    default:
      return std::nullopt;
  }
}

}  // namespace awrap::internal::plugin::srw
