// Host weight pairs ("instance-1:3,instance-2:1"), the syntax of round_robin_host_weight_pairs
// and weighted_random_host_weight_pairs.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "awrap/host_info.hpp"

namespace awrap::internal {

// host name (or instance id) -> weight, at least 1.
using HostWeights = std::map<std::string, std::int64_t, std::less<>>;

// Parses comma-separated `host:weight` pairs (spaces around items ignored; empty -> none).
// Throws ConfigError naming `property`, the value and the accepted form when a pair has no host,
// no ':' or a weight that is not an integer of at least 1.
HostWeights parse_host_weight_pairs(std::string_view value, std::string_view property);

// The weight of `host`: a pair naming its host name or its instance id, else `default_weight`.
std::int64_t weight_of(const HostInfo& host, const HostWeights& weights,
                       std::int64_t default_weight);

}  // namespace awrap::internal
