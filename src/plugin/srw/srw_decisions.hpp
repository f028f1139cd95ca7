// The srw plugin's decisions, as pure functions of what the plugin knows (tested from tables in
// tests/unit/srw_decisions_test.cpp).
#pragma once

#include <cstdint>
#include <optional>

#include "awrap/host_info.hpp"
#include "plugin/srw/srw_config.hpp"

namespace awrap::internal::plugin::srw {

// Which endpoint a physical connection was opened to.
enum class Side : std::uint8_t {
  kWriter,  // srw_write_endpoint
  kReader,  // srw_read_endpoint
  kOther,   // neither (e.g. the connection string names another host, or failover moved it)
};

const char* to_string(Side side) noexcept;

// The side of `host`: its name compared case-insensitively, and its port, with each endpoint
// (the write endpoint first, when both are the same).
Side side_of(const HostInfo& host, const SrwConfig& config);

enum class Switch : std::uint8_t {
  kStay,                // already on the wanted side: only the read-only setting changes
  kToReader,            // park the current connection (if it can be kept), use the reader
  kToWriter,            // park the current connection (if it can be kept), use the writer
  kRefuseInTransaction  // ReadWriteSplittingError: the transaction must end first
};

const char* to_string(Switch decision) noexcept;

struct SwitchInput {
  bool read_only = false;       // the argument of set_read_only
  Side current = Side::kOther;  // where the current connection is
  bool in_transaction = false;  // BEGIN (or autocommit off and a statement) not yet ended
  bool current_broken = false;  // the current connection is lost or closed
};

// set_read_only(true) moves to the reader unless already there; set_read_only(false) moves to
// the writer unless already there. A switch inside a transaction is refused (the transaction's
// work would be left behind on the other connection). A broken connection holds no live
// transaction: switching away from it is allowed, and a broken reader is replaced by a new one
// (a read-only session has nothing to lose); a broken writer is left for the application (or
// failover) to see, never silently replaced.
Switch decide_switch(const SwitchInput& input);

// The role the first connection must be verified to have, or none: only with
// srw_verify_new_connections, then srw_verify_initial_connection_type if set, else the kind of
// RDS endpoint `host` is (cluster: writer, cluster-ro: reader).
std::optional<HostRole> initial_verification_role(const SrwConfig& config, const HostInfo& host);

}  // namespace awrap::internal::plugin::srw
