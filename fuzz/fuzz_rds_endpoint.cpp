// Fuzzes the RDS host name rules: classify_rds_endpoint, region_from_rds_host, the
// cluster_instance_host_pattern parser and default_cluster_id. The input is one host name or
// pattern per line. Besides crashes it checks:
//  - classification is case-insensitive and ignores one trailing dot;
//  - an RDS name carries a region name and lower-case fields;
//  - the instance host pattern awrap derives from an RDS name parses, and the host it builds
//    for an instance id is an instance endpoint of the same region and domain;
//  - a pattern the parser accepts builds host names without '?' that are not cluster, proxy or
//    IP endpoints; a pattern it rejects gets a ConfigError naming the property;
//  - default_cluster_id never throws, and maps a reader endpoint to its writer endpoint.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "awrap/errors.hpp"
#include "aws/region.hpp"
#include "fuzz_check.hpp"
#include "topology/rds_endpoint.hpp"

namespace {

using awrap::internal::RdsEndpoint;
using awrap::internal::RdsEndpointKind;

bool is_rds_kind(RdsEndpointKind kind) {
  return kind == RdsEndpointKind::kClusterWriter || kind == RdsEndpointKind::kClusterReader ||
         kind == RdsEndpointKind::kClusterCustom || kind == RdsEndpointKind::kProxy ||
         kind == RdsEndpointKind::kInstance;
}

bool same(const RdsEndpoint& a, const RdsEndpoint& b) {
  return a.kind == b.kind && a.cluster_or_instance_name == b.cluster_or_instance_name &&
         a.cluster_id_suffix == b.cluster_id_suffix && a.region == b.region &&
         a.domain_suffix == b.domain_suffix && a.partition_dns == b.partition_dns;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string_view trim(std::string_view s) {
  auto space = [](char c) { return c == ' ' || (c >= '\t' && c <= '\r'); };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

void check_host(std::string_view host) {
  if (host.find('\0') != std::string_view::npos) return;  // C strings end there (inet_pton)
  RdsEndpoint e = awrap::internal::classify_rds_endpoint(host);
  std::string shown = "'" + std::string(host) + "' (" + awrap::internal::to_string(e.kind) + ")";
  FUZZ_CHECK(same(e, awrap::internal::classify_rds_endpoint(upper(host))), shown);
  std::string_view trimmed = trim(host);
  if (!trimmed.empty() && trimmed.back() != '.')
    FUZZ_CHECK(same(e, awrap::internal::classify_rds_endpoint(std::string(trimmed) + ".")), shown);
  if (!is_rds_kind(e.kind)) return;
  FUZZ_CHECK(awrap::internal::aws::looks_like_region(e.region), shown + " region " + e.region);
  for (const std::string* field : {&e.cluster_or_instance_name, &e.cluster_id_suffix, &e.region,
                                   &e.domain_suffix, &e.partition_dns})
    FUZZ_CHECK(lower(*field) == *field && !field->empty(), shown + " " + *field);

  std::string pattern_text = awrap::internal::instance_host_pattern_for(e);
  if (e.kind == RdsEndpointKind::kProxy) {
    FUZZ_CHECK(pattern_text.empty(), shown);
    return;
  }
  awrap::internal::HostPattern pattern;
  try {
    pattern = awrap::internal::parse_host_pattern(pattern_text);
  } catch (const awrap::ConfigError& error) {
    FUZZ_CHECK(false, shown + ": derived pattern '" + pattern_text + "' rejected: " + error.what());
  }
  std::string instance = awrap::internal::apply_host_pattern(pattern, "instance-1");
  RdsEndpoint built = awrap::internal::classify_rds_endpoint(instance);
  FUZZ_CHECK(built.kind == RdsEndpointKind::kInstance && built.region == e.region &&
                 built.domain_suffix == e.domain_suffix,
             shown + " -> " + instance + " (" + awrap::internal::to_string(built.kind) + ")");

  if (e.kind == RdsEndpointKind::kClusterReader) {
    std::string id =
        awrap::internal::default_cluster_id({awrap::HostInfo{.host = std::string(host)}});
    FUZZ_CHECK(awrap::internal::classify_rds_endpoint(id).kind == RdsEndpointKind::kClusterWriter,
               shown + " -> cluster id " + id);
  }
}

void check_pattern(std::string_view text) {
  if (text.find('\0') != std::string_view::npos) return;
  awrap::internal::HostPattern pattern;
  try {
    pattern = awrap::internal::parse_host_pattern(text);
  } catch (const awrap::ConfigError& error) {
    FUZZ_CHECK(error.property() == "cluster_instance_host_pattern", error.what());
    return;
  }
  FUZZ_CHECK(pattern.port >= 0 && pattern.port <= 65535, std::to_string(pattern.port));
  FUZZ_CHECK(awrap::internal::apply_host_pattern(pattern, "").empty(), std::string(text));
  std::string host = awrap::internal::apply_host_pattern(pattern, "db-1");
  FUZZ_CHECK(host.find('?') == std::string::npos, host);
  RdsEndpointKind kind = awrap::internal::classify_rds_endpoint(host).kind;
  FUZZ_CHECK(kind == RdsEndpointKind::kInstance || kind == RdsEndpointKind::kOther,
             "pattern '" + std::string(text) + "' builds " + host + " (" +
                 awrap::internal::to_string(kind) + ")");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<awrap::HostInfo> hosts;
  for (std::size_t start = 0; start < input.size();) {
    std::size_t end = std::min(input.find('\n', start), input.size());
    std::string_view line = input.substr(start, end - start);
    start = end + 1;
    check_host(line);
    check_pattern(line);
    (void)awrap::internal::aws::region_from_rds_host(line);
    awrap::HostInfo h;
    h.host = std::string(line);
    h.port = static_cast<int>(hosts.size() * 1000);
    hosts.push_back(std::move(h));
  }
  (void)awrap::internal::default_cluster_id(hosts);
  return 0;
}
