// What kind of database endpoint a host name is (RDS cluster writer/reader, custom, proxy,
// instance, IP address, anything else) and how instance host names are built from
// `cluster_instance_host_pattern`.
//
//   RdsEndpoint e =
//   classify_rds_endpoint("mydb.cluster-ro-c9akciq32lgf.us-east-1.rds.amazonaws.com");
//   // e.kind == RdsEndpointKind::kClusterReader, e.region == "us-east-1"
//   HostPattern p = parse_host_pattern(instance_host_pattern_for(e));
//   apply_host_pattern(p, "instance-2");  // "instance-2.c9akciq32lgf.us-east-1.rds.amazonaws.com"
//
// RDS endpoint names, per partition (<prefix> is empty for an instance, else "cluster-",
// "cluster-ro-", "cluster-custom-", "proxy-" or "shardgrp-"; <id> is the account/region unique
// id, letters and digits):
//   <name>.<prefix><id>.<region>.rds.<dns>      standard, GovCloud, ISO, old China form
//   <name>.<prefix><id>.rds.<region>.<dns>      China (current form), also accepted elsewhere
// where <dns> is the partition's DNS suffix: amazonaws.com (aws, aws-us-gov), amazonaws.com.cn
// (aws-cn), c2s.ic.gov (aws-iso), sc2s.sgov.gov (aws-iso-b), cloud.adc-e.uk (aws-iso-e),
// csp.hci.ic.gov (aws-iso-f), amazonaws.eu (aws-eusc). The region must belong to the partition
// (cn-* under amazonaws.com.cn, us-iso-* under c2s.ic.gov, ...); a mismatch is kOther.
//
// Everything here is pure: no DNS lookups, no I/O, no shared state. All functions are
// thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "awrap/host_info.hpp"

namespace awrap::internal {

enum class RdsEndpointKind : std::uint8_t {
  kClusterWriter,  // <name>.cluster-<id>...: always resolves to the current writer
  kClusterReader,  // <name>.cluster-ro-<id>...: resolves to one of the readers
  kClusterCustom,  // <name>.cluster-custom-<id>...: a user-chosen subset of instances
  kProxy,          // <name>.proxy-<id>...: RDS Proxy, hides the instances behind it
  kInstance,       // <instance-id>.<id>...: one DB instance
  kIpAddress,      // IPv4 or IPv6 literal (brackets and an IPv6 zone are accepted)
  kOther,          // custom domain, CNAME, localhost, lab names, Aurora Limitless shard groups
};

const char* to_string(RdsEndpointKind kind) noexcept;

struct RdsEndpoint {
  RdsEndpointKind kind = RdsEndpointKind::kOther;
  // The fields below are lower-cased and filled for RDS names only (empty otherwise; an Aurora
  // Limitless shard group is kOther but has them filled, for information).
  std::string cluster_or_instance_name{};  // first label: "mydb" of mydb.cluster-xyz...
  std::string cluster_id_suffix{};  // "xyz": the unique id after cluster-/cluster-ro-/proxy-/...
  std::string region{};             // "us-east-1"
  std::string domain_suffix{};      // "xyz.us-east-1.rds.amazonaws.com": instance = <id>.<suffix>
  std::string partition_dns{};      // "rds.amazonaws.com", "rds.amazonaws.com.cn", "rds.c2s.ic.gov"
};

// Classifies one host name (no port). Case-insensitive; a trailing dot is ignored. Never throws
// on any input: what is not recognised is kOther.
RdsEndpoint classify_rds_endpoint(std::string_view host);

// "?.<domain_suffix>" for a cluster writer, reader or custom endpoint or an instance endpoint;
// empty for a proxy (its instances are not reachable by name through it), an IP address and
// anything else (the user must set cluster_instance_host_pattern).
std::string instance_host_pattern_for(const RdsEndpoint& endpoint);

// A parsed cluster_instance_host_pattern "?.suffix[:port]": host = prefix + instance id + suffix.
// prefix is always empty under the current rules ('?' must be the whole first label) and is kept
// so that a looser rule would not change the type.
struct HostPattern {
  std::string prefix{};
  std::string suffix{};  // ".xyz.us-east-1.rds.amazonaws.com", lower-cased, no trailing dot
  int port = 0;          // 0: not given, use the port of the endpoint the user connected to
};

// Parses a cluster_instance_host_pattern value. Accepted: "?" alone or "?.<dns name>", with an
// optional ":<port>" (1..65535). Throws ConfigError (property "cluster_instance_host_pattern";
// the message names the value and what is accepted) when there is no '?' or more than one, when
// '?' is not the whole first label, when a label is not a valid DNS label, when the port is bad,
// when the pattern is an IP address, when it is itself an RDS cluster, reader, custom, proxy or
// shard group endpoint (those name a group of instances, not one instance), or when it ends in an
// RDS domain but is not shaped like an RDS instance name ("?.<id>.<region>.rds.<dns>").
HostPattern parse_host_pattern(std::string_view pattern);

// The host name of instance `instance_id` (lower-cased). Empty when instance_id is empty.
std::string apply_host_pattern(const HostPattern& pattern, std::string_view instance_id);

// The cluster_id to use when the user sets none. When the list holds an RDS cluster writer or
// reader endpoint (the first such one counts) it is the writer endpoint's DNS name, so that the
// writer and reader endpoints of one cluster share one id (and one topology monitor):
//   "mydb.cluster-ro-xyz.us-east-1.rds.amazonaws.com" ->
//   "mydb.cluster-xyz.us-east-1.rds.amazonaws.com"
// Otherwise the host list as "h1:p1,h2:p2" (host lower-cased, no trailing dot; "h" when the port
// is 0; IPv6 in brackets). Empty for an empty list.
std::string default_cluster_id(const std::vector<HostInfo>& hosts);

}  // namespace awrap::internal
