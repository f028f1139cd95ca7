#include "host_selection/host_weights.hpp"

#include <charconv>

#include "awrap/errors.hpp"
#include "base/text.hpp"

namespace awrap::internal {
namespace {

[[noreturn]] void reject(std::string_view value, std::string_view property, std::string_view pair,
                         std::string_view why) {
  throw ConfigError("invalid value '" + std::string(value) + "' for property '" +
                        std::string(property) + "': pair '" + std::string(pair) + "' " +
                        std::string(why) +
                        "; expected comma-separated host:weight pairs with integer weights of "
                        "at least 1, e.g. 'instance-1:3,instance-2:1'",
                    std::string(property));
}

}  // namespace

HostWeights parse_host_weight_pairs(std::string_view value, std::string_view property) {
  HostWeights weights;
  if (text::trim(value).empty()) return weights;
  for (std::string_view item : text::split(value, ',')) {
    std::string_view pair = text::trim(item);
    auto colon = pair.rfind(':');
    if (colon == std::string_view::npos) reject(value, property, pair, "has no ':'");
    std::string_view host = text::trim(pair.substr(0, colon));
    std::string_view weight_text = text::trim(pair.substr(colon + 1));
    if (host.empty()) reject(value, property, pair, "names no host");
    std::int64_t weight = 0;
    const char* last = weight_text.data() + weight_text.size();
    auto [end, error] = std::from_chars(weight_text.data(), last, weight);
    if (weight_text.empty() || error != std::errc() || end != last)
      reject(value, property, pair, "has a weight that is not an integer");
    if (weight < 1) reject(value, property, pair, "has a weight below 1");
    weights[std::string(host)] = weight;
  }
  return weights;
}

std::int64_t weight_of(const HostInfo& host, const HostWeights& weights,
                       std::int64_t default_weight) {
  if (auto it = weights.find(host.host); it != weights.end()) return it->second;
  if (!host.host_id.empty())
    if (auto it = weights.find(host.host_id); it != weights.end()) return it->second;
  return default_weight;
}

}  // namespace awrap::internal
