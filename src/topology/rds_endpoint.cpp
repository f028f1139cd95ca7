#include "topology/rds_endpoint.hpp"

#include <algorithm>
#include <array>

#include "awrap/errors.hpp"
#include "base/text.hpp"

namespace awrap::internal {
namespace {

constexpr std::string_view kPatternProperty = "cluster_instance_host_pattern";

// The AWS partitions (botocore's partitions data): DNS suffix and the prefix of their region
// names. A region of one partition under another partition's domain names nothing.
struct Partition {
  std::string_view dns_suffix;
  std::string_view region_prefix;  // empty for the commercial partition: any region not below
};
constexpr std::array<Partition, 8> kPartitions = {{
    {"amazonaws.com.cn", "cn-"},     // aws-cn
    {"amazonaws.eu", "eusc-"},       // aws-eusc
    {"c2s.ic.gov", "us-iso-"},       // aws-iso
    {"sc2s.sgov.gov", "us-isob-"},   // aws-iso-b
    {"cloud.adc-e.uk", "eu-isoe-"},  // aws-iso-e
    {"csp.hci.ic.gov", "us-isof-"},  // aws-iso-f
    {"amazonaws.com", "us-gov-"},    // aws-us-gov
    {"amazonaws.com", ""},           // aws
}};

bool region_fits_partition(std::string_view region, std::string_view dns_suffix) {
  for (const Partition& partition : kPartitions) {
    if (!partition.region_prefix.empty() && region.starts_with(partition.region_prefix))
      return partition.dns_suffix == dns_suffix;
  }
  return dns_suffix == "amazonaws.com";
}

struct EndpointPrefix {
  std::string_view text;
  RdsEndpointKind kind;
};
// Longer prefixes first: "cluster-" is a prefix of the two after it.
constexpr std::array<EndpointPrefix, 5> kEndpointPrefixes = {{
    {"cluster-ro-", RdsEndpointKind::kClusterReader},
    {"cluster-custom-", RdsEndpointKind::kClusterCustom},
    {"cluster-", RdsEndpointKind::kClusterWriter},
    {"proxy-", RdsEndpointKind::kProxy},
    // Aurora Limitless: the shard group endpoint routes to routers, not to instances that a host
    // pattern could name, and no RdsEndpointKind fits it.
    {"shardgrp-", RdsEndpointKind::kOther},
}};

bool is_lower_alnum(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

bool all_of(std::string_view s, bool (*pred)(char) noexcept) {
  return !s.empty() && std::all_of(s.begin(), s.end(), pred);
}

// RFC 1123 label, already lower-cased.
bool is_dns_label(std::string_view label) {
  if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
    return false;
  return std::all_of(label.begin(), label.end(),
                     [](char c) { return is_lower_alnum(c) || c == '-'; });
}

// "us-east-1", "us-gov-west-1", "cn-northwest-1", "eu-isoe-west-1", "eusc-de-east-1". A region
// is one label of the host name, so a DNS label's limits hold for it too.
bool is_region(std::string_view label) {
  if (!is_dns_label(label)) return false;
  const auto parts = text::split(label, '-');
  if (parts.size() < 3 || !all_of(parts.back(), is_digit)) return false;
  return std::all_of(parts.begin(), parts.end() - 1, [](std::string_view part) {
    return all_of(part, [](char c) noexcept { return c >= 'a' && c <= 'z'; });
  });
}

// Lower-cased, surrounding blanks and one trailing dot (fully qualified form) removed.
std::string normalize_host(std::string_view host) {
  std::string out = text::lower(text::trim(host));
  if (!out.empty() && out.back() == '.') out.pop_back();
  return out;
}

bool is_ip_address(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  // An IPv6 zone ("fe80::1%eth0") is not understood by inet_pton.
  if (host.find(':') != std::string_view::npos) host = host.substr(0, host.find('%'));
  return !host.empty() && text::is_ip_literal(host);
}

std::string join(const std::vector<std::string_view>& labels, std::size_t from) {
  std::string out;
  for (std::size_t i = from; i < labels.size(); ++i) {
    if (i > from) out += '.';
    out += labels[i];
  }
  return out;
}

// Fills `endpoint` from an RDS DNS name, or returns false when `host` is not one.
// REQUIRES: host normalized.
bool parse_rds_name(const std::string& host, RdsEndpoint& endpoint) {
  std::string_view partition_suffix;
  for (const Partition& partition : kPartitions) {
    const std::string_view suffix = partition.dns_suffix;
    if (host.size() > suffix.size() + 1 && host.ends_with(suffix) &&
        host[host.size() - suffix.size() - 1] == '.') {
      partition_suffix = suffix;
      break;
    }
  }
  if (partition_suffix.empty()) return false;

  const std::string_view head =
      std::string_view(host).substr(0, host.size() - partition_suffix.size() - 1);
  const auto labels = text::split(head, '.');
  // <name> . <prefix><id> . (<region> . rds | rds . <region>)
  if (labels.size() != 4) return false;
  std::string_view region;
  if (labels[3] == "rds" && is_region(labels[2])) {
    region = labels[2];
  } else if (labels[2] == "rds" && is_region(labels[3])) {
    region = labels[3];
  } else {
    return false;
  }
  if (!region_fits_partition(region, partition_suffix)) return false;
  const std::string_view name = labels[0];
  if (!is_dns_label(name)) return false;

  // The whole second label ("cluster-" and the id) is one DNS label: at most 63 characters.
  if (!is_dns_label(labels[1])) return false;
  std::string_view id = labels[1];
  RdsEndpointKind kind = RdsEndpointKind::kInstance;
  for (const auto& prefix : kEndpointPrefixes) {
    if (id.starts_with(prefix.text)) {
      id.remove_prefix(prefix.text.size());
      kind = prefix.kind;
      break;
    }
  }
  if (id.empty() || !all_of(id, is_lower_alnum)) return false;

  endpoint.kind = kind;
  endpoint.cluster_or_instance_name = std::string(name);
  endpoint.cluster_id_suffix = std::string(id);
  endpoint.region = std::string(region);
  endpoint.domain_suffix =
      std::string(id) + "." + join(labels, 2) + "." + std::string(partition_suffix);
  endpoint.partition_dns = "rds." + std::string(partition_suffix);
  return true;
}

[[noreturn]] void reject_pattern(std::string_view value, const std::string& why) {
  throw ConfigError("invalid " + std::string(kPatternProperty) + " '" + std::string(value) +
                        "': " + why +
                        ". Accepted: '?.<domain>[:port]' where '?' stands for the instance id, "
                        "e.g. '?.xyz.us-east-1.rds.amazonaws.com' or '?.db.example.com:5432'",
                    std::string(kPatternProperty));
}

}  // namespace

const char* to_string(RdsEndpointKind kind) noexcept {
  switch (kind) {
    case RdsEndpointKind::kClusterWriter:
      return "cluster writer endpoint";
    case RdsEndpointKind::kClusterReader:
      return "cluster reader endpoint";
    case RdsEndpointKind::kClusterCustom:
      return "custom cluster endpoint";
    case RdsEndpointKind::kProxy:
      return "proxy endpoint";
    case RdsEndpointKind::kInstance:
      return "instance endpoint";
    case RdsEndpointKind::kIpAddress:
      return "IP address";
    case RdsEndpointKind::kOther:
      return "other host";
  }
  return "other host";
}

RdsEndpoint classify_rds_endpoint(std::string_view host) {
  RdsEndpoint endpoint;
  try {
    const std::string normalized = normalize_host(host);
    if (is_ip_address(normalized)) {
      endpoint.kind = RdsEndpointKind::kIpAddress;
    } else if (!parse_rds_name(normalized, endpoint)) {
      endpoint = RdsEndpoint{};
    }
  } catch (...) {
    // Only std::bad_alloc can get here; classification promises not to throw.
    endpoint = RdsEndpoint{};
  }
  return endpoint;
}

std::string instance_host_pattern_for(const RdsEndpoint& endpoint) {
  switch (endpoint.kind) {
    case RdsEndpointKind::kClusterWriter:
    case RdsEndpointKind::kClusterReader:
    case RdsEndpointKind::kClusterCustom:
    case RdsEndpointKind::kInstance:
      return "?." + endpoint.domain_suffix;
    case RdsEndpointKind::kProxy:
    case RdsEndpointKind::kIpAddress:
    case RdsEndpointKind::kOther:
      return {};
  }
  return {};
}

HostPattern parse_host_pattern(std::string_view pattern) {
  const std::string_view value = text::trim(pattern);
  if (value.empty()) reject_pattern(value, "it is empty");

  const auto question_marks = std::count(value.begin(), value.end(), '?');
  if (question_marks == 0) reject_pattern(value, "it has no '?' where the instance id goes");
  if (question_marks > 1)
    reject_pattern(value,
                   "it has " + std::to_string(question_marks) + " '?'; exactly one is accepted");

  const auto colons = std::count(value.begin(), value.end(), ':');
  if (colons > 1 || value.find('[') != std::string_view::npos)
    reject_pattern(value, "an IPv6 address cannot stand for several instances");

  HostPattern result;
  std::string_view host_part = value;
  if (colons == 1) {
    const std::size_t colon = value.find(':');
    const std::string_view port_text = value.substr(colon + 1);
    int port = 0;
    if (all_of(port_text, is_digit) && port_text.size() <= 5)
      port = std::stoi(std::string(port_text));
    if (port < 1 || port > 65535)
      reject_pattern(value,
                     "the port '" + std::string(port_text) + "' is not a number from 1 to 65535");
    result.port = port;
    host_part = value.substr(0, colon);
  }

  const std::string host = normalize_host(host_part);
  const auto labels = text::split(host, '.');
  const bool looks_like_ipv4 =
      labels.size() == 4 && std::all_of(labels.begin(), labels.end(), [](std::string_view label) {
        return label == "?" || all_of(label, is_digit);
      });
  if (looks_like_ipv4) reject_pattern(value, "an IP address cannot stand for several instances");
  if (labels.empty() || labels.front() != "?")
    reject_pattern(value,
                   "'?' must be the whole first label (the instance id), as in '?.example.com'");
  for (std::size_t i = 1; i < labels.size(); ++i) {
    if (!is_dns_label(labels[i]))
      reject_pattern(value, "'" + std::string(labels[i]) + "' is not a valid DNS label");
  }

  const std::string suffix = host.substr(1);  // ".example.com", or empty for "?" alone
  // The placeholder is a valid instance id, so the name classifies as what it would resolve to.
  const RdsEndpoint as_endpoint = classify_rds_endpoint("instance" + suffix);
  const bool names_a_group =
      as_endpoint.kind != RdsEndpointKind::kInstance && !as_endpoint.partition_dns.empty();
  if (names_a_group) {
    const bool is_cluster = as_endpoint.kind == RdsEndpointKind::kClusterWriter ||
                            as_endpoint.kind == RdsEndpointKind::kClusterReader ||
                            as_endpoint.kind == RdsEndpointKind::kClusterCustom;
    reject_pattern(value,
                   std::string("it is an RDS ") +
                       (as_endpoint.kind == RdsEndpointKind::kOther ? "shard group endpoint"
                                                                    : to_string(as_endpoint.kind)) +
                       ", which names a group of instances, not one" +
                       (is_cluster ? " (the instance form is '?." + as_endpoint.domain_suffix + "')"
                                   : std::string()));
  }

  // Under an AWS partition domain with an "rds" label, the only names that exist are the forms
  // parse_rds_name knows; anything else would build host names that never resolve.
  const bool under_rds_domain =
      host.find(".rds.") != std::string::npos &&
      std::any_of(kPartitions.begin(), kPartitions.end(), [&](const Partition& partition) {
        return host.ends_with("." + std::string(partition.dns_suffix));
      });
  if (under_rds_domain && as_endpoint.kind != RdsEndpointKind::kInstance)
    reject_pattern(value,
                   "it ends in an RDS domain but is not an RDS instance name "
                   "'?.<id>.<region>.rds.<partition domain>'");

  result.suffix = suffix;
  return result;
}

std::string apply_host_pattern(const HostPattern& pattern, std::string_view instance_id) {
  if (instance_id.empty()) return {};
  return pattern.prefix + text::lower(instance_id) + pattern.suffix;
}

std::string default_cluster_id(const std::vector<HostInfo>& hosts) {
  for (const HostInfo& host : hosts) {
    const RdsEndpoint endpoint = classify_rds_endpoint(host.host);
    if (endpoint.kind == RdsEndpointKind::kClusterWriter ||
        endpoint.kind == RdsEndpointKind::kClusterReader) {
      return endpoint.cluster_or_instance_name + ".cluster-" + endpoint.domain_suffix;
    }
  }
  std::string joined;
  for (const HostInfo& host : hosts) {
    if (!joined.empty()) joined += ',';
    HostInfo normalized;
    normalized.host = normalize_host(host.host);
    normalized.port = host.port;
    joined += normalized.endpoint();
  }
  return joined;
}

}  // namespace awrap::internal
