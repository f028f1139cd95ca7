#include "topology/rds_endpoint.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "awrap/errors.hpp"

namespace awrap::internal {
namespace {

using Kind = RdsEndpointKind;

struct ClassifyRow {
  const char* host;
  Kind kind;
  const char* name = "";
  const char* id = "";
  const char* region = "";
  const char* domain_suffix = "";
  const char* partition_dns = "";
};

// Real-looking endpoints of every kind and partition. The RDS forms are
// <name>.<prefix><id>.<region>.rds.<dns> and <name>.<prefix><id>.rds.<region>.<dns>.
const std::vector<ClassifyRow> kClassifyRows = {
    // Commercial partition.
    {"mydb.cluster-c9akciq32lgf.us-east-1.rds.amazonaws.com", Kind::kClusterWriter, "mydb",
     "c9akciq32lgf", "us-east-1", "c9akciq32lgf.us-east-1.rds.amazonaws.com", "rds.amazonaws.com"},
    {"mydb.cluster-ro-c9akciq32lgf.us-east-1.rds.amazonaws.com", Kind::kClusterReader, "mydb",
     "c9akciq32lgf", "us-east-1", "c9akciq32lgf.us-east-1.rds.amazonaws.com", "rds.amazonaws.com"},
    {"analytics.cluster-custom-c9akciq32lgf.us-east-1.rds.amazonaws.com", Kind::kClusterCustom,
     "analytics", "c9akciq32lgf", "us-east-1", "c9akciq32lgf.us-east-1.rds.amazonaws.com",
     "rds.amazonaws.com"},
    {"myproxy.proxy-c9akciq32lgf.us-east-1.rds.amazonaws.com", Kind::kProxy, "myproxy",
     "c9akciq32lgf", "us-east-1", "c9akciq32lgf.us-east-1.rds.amazonaws.com", "rds.amazonaws.com"},
    {"instance-1.c9akciq32lgf.us-east-1.rds.amazonaws.com", Kind::kInstance, "instance-1",
     "c9akciq32lgf", "us-east-1", "c9akciq32lgf.us-east-1.rds.amazonaws.com", "rds.amazonaws.com"},
    {"test-postgres.cluster-123456789012.us-east-2.rds.amazonaws.com", Kind::kClusterWriter,
     "test-postgres", "123456789012", "us-east-2", "123456789012.us-east-2.rds.amazonaws.com",
     "rds.amazonaws.com"},
    {"test-postgres.cluster-ro-123456789012.us-east-2.rds.amazonaws.com", Kind::kClusterReader,
     "test-postgres", "123456789012", "us-east-2", "123456789012.us-east-2.rds.amazonaws.com",
     "rds.amazonaws.com"},
    {"test-postgres-instance-1.123456789012.us-east-2.rds.amazonaws.com", Kind::kInstance,
     "test-postgres-instance-1", "123456789012", "us-east-2",
     "123456789012.us-east-2.rds.amazonaws.com", "rds.amazonaws.com"},
    {"orders-db.cluster-abcdefghijkl.eu-west-1.rds.amazonaws.com", Kind::kClusterWriter,
     "orders-db", "abcdefghijkl", "eu-west-1", "abcdefghijkl.eu-west-1.rds.amazonaws.com",
     "rds.amazonaws.com"},
    {"orders-db.cluster-ro-abcdefghijkl.ap-southeast-5.rds.amazonaws.com", Kind::kClusterReader,
     "orders-db", "abcdefghijkl", "ap-southeast-5", "abcdefghijkl.ap-southeast-5.rds.amazonaws.com",
     "rds.amazonaws.com"},
    {"pg16-a.k2m4n6p8q0r1.il-central-1.rds.amazonaws.com", Kind::kInstance, "pg16-a",
     "k2m4n6p8q0r1", "il-central-1", "k2m4n6p8q0r1.il-central-1.rds.amazonaws.com",
     "rds.amazonaws.com"},
    {"reporting.proxy-k2m4n6p8q0r1.mx-central-1.rds.amazonaws.com", Kind::kProxy, "reporting",
     "k2m4n6p8q0r1", "mx-central-1", "k2m4n6p8q0r1.mx-central-1.rds.amazonaws.com",
     "rds.amazonaws.com"},
    // RDS Multi-AZ DB cluster: same endpoint forms as Aurora.
    {"maz-pg.cluster-ro-cxyz12345678.sa-east-1.rds.amazonaws.com", Kind::kClusterReader, "maz-pg",
     "cxyz12345678", "sa-east-1", "cxyz12345678.sa-east-1.rds.amazonaws.com", "rds.amazonaws.com"},
    // Blue/green deployment instance names are ordinary instance names.
    {"mydb-green-abc123.cqvenmjmecmn.us-west-2.rds.amazonaws.com", Kind::kInstance,
     "mydb-green-abc123", "cqvenmjmecmn", "us-west-2", "cqvenmjmecmn.us-west-2.rds.amazonaws.com",
     "rds.amazonaws.com"},
    // Case, trailing dot, blanks.
    {"MYDB.CLUSTER-RO-C9AKCIQ32LGF.US-EAST-1.RDS.AMAZONAWS.COM", Kind::kClusterReader, "mydb",
     "c9akciq32lgf", "us-east-1", "c9akciq32lgf.us-east-1.rds.amazonaws.com", "rds.amazonaws.com"},
    {"MyDb.Cluster-Custom-C9akciq32lgf.Us-East-1.Rds.AmazonAWS.com", Kind::kClusterCustom, "mydb",
     "c9akciq32lgf", "us-east-1", "c9akciq32lgf.us-east-1.rds.amazonaws.com", "rds.amazonaws.com"},
    {"mydb.cluster-c9akciq32lgf.us-east-1.rds.amazonaws.com.", Kind::kClusterWriter, "mydb",
     "c9akciq32lgf", "us-east-1", "c9akciq32lgf.us-east-1.rds.amazonaws.com", "rds.amazonaws.com"},
    {"  instance-1.c9akciq32lgf.us-east-1.rds.amazonaws.com ", Kind::kInstance, "instance-1",
     "c9akciq32lgf", "us-east-1", "c9akciq32lgf.us-east-1.rds.amazonaws.com", "rds.amazonaws.com"},
    // Aurora Limitless shard group: kOther, but the RDS fields are filled.
    {"limitless-1.shardgrp-c9akciq32lgf.us-east-2.rds.amazonaws.com", Kind::kOther, "limitless-1",
     "c9akciq32lgf", "us-east-2", "c9akciq32lgf.us-east-2.rds.amazonaws.com", "rds.amazonaws.com"},

    // China, current form: rds.<region>.amazonaws.com.cn.
    {"test-postgres.cluster-123456789012.rds.cn-northwest-1.amazonaws.com.cn", Kind::kClusterWriter,
     "test-postgres", "123456789012", "cn-northwest-1",
     "123456789012.rds.cn-northwest-1.amazonaws.com.cn", "rds.amazonaws.com.cn"},
    {"test-postgres.cluster-ro-123456789012.rds.cn-northwest-1.amazonaws.com.cn",
     Kind::kClusterReader, "test-postgres", "123456789012", "cn-northwest-1",
     "123456789012.rds.cn-northwest-1.amazonaws.com.cn", "rds.amazonaws.com.cn"},
    {"test-postgres-alias.cluster-custom-123456789012.rds.cn-northwest-1.amazonaws.com.cn",
     Kind::kClusterCustom, "test-postgres-alias", "123456789012", "cn-northwest-1",
     "123456789012.rds.cn-northwest-1.amazonaws.com.cn", "rds.amazonaws.com.cn"},
    {"test-postgres-instance-1.123456789012.rds.cn-north-1.amazonaws.com.cn", Kind::kInstance,
     "test-postgres-instance-1", "123456789012", "cn-north-1",
     "123456789012.rds.cn-north-1.amazonaws.com.cn", "rds.amazonaws.com.cn"},
    {"cnproxy.proxy-123456789012.rds.cn-north-1.amazonaws.com.cn", Kind::kProxy, "cnproxy",
     "123456789012", "cn-north-1", "123456789012.rds.cn-north-1.amazonaws.com.cn",
     "rds.amazonaws.com.cn"},
    // China, older form: <region>.rds.amazonaws.com.cn.
    {"mydb.cluster-abc123.cn-north-1.rds.amazonaws.com.cn", Kind::kClusterWriter, "mydb", "abc123",
     "cn-north-1", "abc123.cn-north-1.rds.amazonaws.com.cn", "rds.amazonaws.com.cn"},
    {"logflare.abc123.cn-north-1.rds.amazonaws.com.cn", Kind::kInstance, "logflare", "abc123",
     "cn-north-1", "abc123.cn-north-1.rds.amazonaws.com.cn", "rds.amazonaws.com.cn"},

    // GovCloud: the usual <region>.rds.amazonaws.com, and rds.<region>.amazonaws.com.
    {"ka-bot-rds.cluster-cqvenmjmecmn.us-gov-west-1.rds.amazonaws.com", Kind::kClusterWriter,
     "ka-bot-rds", "cqvenmjmecmn", "us-gov-west-1", "cqvenmjmecmn.us-gov-west-1.rds.amazonaws.com",
     "rds.amazonaws.com"},
    {"ledger.cluster-ro-cpnejponioft.us-gov-east-1.rds.amazonaws.com", Kind::kClusterReader,
     "ledger", "cpnejponioft", "us-gov-east-1", "cpnejponioft.us-gov-east-1.rds.amazonaws.com",
     "rds.amazonaws.com"},
    {"mydb.123456789012.rds.us-gov-west-1.amazonaws.com", Kind::kInstance, "mydb", "123456789012",
     "us-gov-west-1", "123456789012.rds.us-gov-west-1.amazonaws.com", "rds.amazonaws.com"},
    {"govproxy.proxy-cpnejponioft.us-gov-west-1.rds.amazonaws.com", Kind::kProxy, "govproxy",
     "cpnejponioft", "us-gov-west-1", "cpnejponioft.us-gov-west-1.rds.amazonaws.com",
     "rds.amazonaws.com"},

    // ISO and sovereign partitions.
    {"mydb.cluster-abc123def456.us-iso-east-1.rds.c2s.ic.gov", Kind::kClusterWriter, "mydb",
     "abc123def456", "us-iso-east-1", "abc123def456.us-iso-east-1.rds.c2s.ic.gov",
     "rds.c2s.ic.gov"},
    {"mydb.cluster-ro-abc123def456.rds.us-iso-west-1.c2s.ic.gov", Kind::kClusterReader, "mydb",
     "abc123def456", "us-iso-west-1", "abc123def456.rds.us-iso-west-1.c2s.ic.gov",
     "rds.c2s.ic.gov"},
    {"node-2.abc123def456.us-isob-east-1.rds.sc2s.sgov.gov", Kind::kInstance, "node-2",
     "abc123def456", "us-isob-east-1", "abc123def456.us-isob-east-1.rds.sc2s.sgov.gov",
     "rds.sc2s.sgov.gov"},
    {"mydb.cluster-abc123def456.eu-isoe-west-1.rds.cloud.adc-e.uk", Kind::kClusterWriter, "mydb",
     "abc123def456", "eu-isoe-west-1", "abc123def456.eu-isoe-west-1.rds.cloud.adc-e.uk",
     "rds.cloud.adc-e.uk"},
    {"node-1.abc123def456.us-isof-south-1.rds.csp.hci.ic.gov", Kind::kInstance, "node-1",
     "abc123def456", "us-isof-south-1", "abc123def456.us-isof-south-1.rds.csp.hci.ic.gov",
     "rds.csp.hci.ic.gov"},
    {"mydb.cluster-ro-abc123def456.eusc-de-east-1.rds.amazonaws.eu", Kind::kClusterReader, "mydb",
     "abc123def456", "eusc-de-east-1", "abc123def456.eusc-de-east-1.rds.amazonaws.eu",
     "rds.amazonaws.eu"},

    // IP addresses.
    {"10.0.1.50", Kind::kIpAddress},
    {"127.0.0.1", Kind::kIpAddress},
    {"::1", Kind::kIpAddress},
    {"[2001:db8::10]", Kind::kIpAddress},
    {"fe80::1%eth0", Kind::kIpAddress},
    {"2001:0DB8:0000:0000:0000:FF00:0042:8329", Kind::kIpAddress},

    // Everything else.
    {"localhost", Kind::kOther},
    {"LOCALHOST.", Kind::kOther},
    {"instance-1.lab.awlab.test", Kind::kOther},
    {"db.mycompany.com", Kind::kOther},
    {"", Kind::kOther},
    {"   ", Kind::kOther},
    {".", Kind::kOther},
    {"my-elb-1234567890.elb.us-east-1.amazonaws.com", Kind::kOther},
    {"rds.us-east-1.amazonaws.com", Kind::kOther},  // the RDS API endpoint, not a database
    {"rds.amazonaws.com", Kind::kOther},
    {"mydb.cluster-xyz.us-east-1.rds.amazonaws.com.evil.example", Kind::kOther},
    {"a.mydb.cluster-xyz.us-east-1.rds.amazonaws.com", Kind::kOther},   // extra label
    {"cluster-xyz.us-east-1.rds.amazonaws.com", Kind::kOther},          // no name label
    {"mydb.cluster-xyz.useast1.rds.amazonaws.com", Kind::kOther},       // not a region
    {"mydb.cluster-ro-x-y.us-east-1.rds.amazonaws.com", Kind::kOther},  // id with a dash
    {"mydb.cluster-.us-east-1.rds.amazonaws.com", Kind::kOther},        // empty id
    {"-bad.xyz.us-east-1.rds.amazonaws.com", Kind::kOther},             // bad label
    {"mydb..us-east-1.rds.amazonaws.com", Kind::kOther},
    {"my_db.xyz.us-east-1.rds.amazonaws.com", Kind::kOther},
    {"database-test-name.cluster-xyz.rds.cn-northwest-1.rds.amazonaws.com.cn", Kind::kOther},
    // A region of one partition under another partition's domain.
    {"database-test-name.cluster-xyz.rds.cn-northwest-1.amazonaws.com", Kind::kOther},
    {"mydb.cluster-xyz.us-east-1.rds.amazonaws.com.cn", Kind::kOther},
    {"mydb.cluster-xyz.us-iso-east-1.rds.amazonaws.com", Kind::kOther},
    {"mydb.xyz.us-east-1.rds.c2s.ic.gov", Kind::kOther},
    {"?", Kind::kOther},
};

TEST(RdsEndpoint, ClassifiesTheTable) {
  ASSERT_GE(kClassifyRows.size(), 40u);
  for (const ClassifyRow& row : kClassifyRows) {
    SCOPED_TRACE(std::string("host: '") + row.host + "'");
    const RdsEndpoint e = classify_rds_endpoint(row.host);
    EXPECT_EQ(e.kind, row.kind) << to_string(e.kind) << " instead of " << to_string(row.kind);
    EXPECT_EQ(e.cluster_or_instance_name, row.name);
    EXPECT_EQ(e.cluster_id_suffix, row.id);
    EXPECT_EQ(e.region, row.region);
    EXPECT_EQ(e.domain_suffix, row.domain_suffix);
    EXPECT_EQ(e.partition_dns, row.partition_dns);
  }
}

TEST(RdsEndpoint, InstancePatternForEachKind) {
  const std::string suffix = "c9akciq32lgf.us-east-1.rds.amazonaws.com";
  EXPECT_EQ(instance_host_pattern_for(classify_rds_endpoint("mydb.cluster-" + suffix)),
            "?." + suffix);
  EXPECT_EQ(instance_host_pattern_for(classify_rds_endpoint("mydb.cluster-ro-" + suffix)),
            "?." + suffix);
  EXPECT_EQ(instance_host_pattern_for(classify_rds_endpoint("x.cluster-custom-" + suffix)),
            "?." + suffix);
  EXPECT_EQ(instance_host_pattern_for(classify_rds_endpoint("instance-3." + suffix)),
            "?." + suffix);
  EXPECT_EQ(instance_host_pattern_for(classify_rds_endpoint(
                "TEST.CLUSTER-RO-123456789012.RDS.CN-NORTHWEST-1.AMAZONAWS.COM.CN.")),
            "?.123456789012.rds.cn-northwest-1.amazonaws.com.cn");
  // No instance pattern can be derived from these.
  EXPECT_EQ(instance_host_pattern_for(classify_rds_endpoint("p.proxy-" + suffix)), "");
  EXPECT_EQ(instance_host_pattern_for(classify_rds_endpoint("l.shardgrp-" + suffix)), "");
  EXPECT_EQ(instance_host_pattern_for(classify_rds_endpoint("10.0.0.1")), "");
  EXPECT_EQ(instance_host_pattern_for(classify_rds_endpoint("db.example.com")), "");
  EXPECT_EQ(instance_host_pattern_for(classify_rds_endpoint("localhost")), "");
}

TEST(RdsEndpoint, DerivedPatternRoundTripsToInstanceNames) {
  for (const char* cluster : {"mydb.cluster-ro-c9akciq32lgf.us-east-1.rds.amazonaws.com",
                              "test.cluster-123456789012.rds.cn-northwest-1.amazonaws.com.cn",
                              "gov.cluster-cqvenmjmecmn.us-gov-west-1.rds.amazonaws.com",
                              "iso.cluster-abc123.us-iso-east-1.rds.c2s.ic.gov"}) {
    SCOPED_TRACE(cluster);
    const RdsEndpoint e = classify_rds_endpoint(cluster);
    const HostPattern p = parse_host_pattern(instance_host_pattern_for(e));
    const std::string instance = apply_host_pattern(p, "Instance-2");
    EXPECT_EQ(instance, "instance-2." + e.domain_suffix);
    const RdsEndpoint back = classify_rds_endpoint(instance);
    EXPECT_EQ(back.kind, RdsEndpointKind::kInstance);
    EXPECT_EQ(back.cluster_or_instance_name, "instance-2");
    EXPECT_EQ(back.domain_suffix, e.domain_suffix);
  }
}

struct PatternRow {
  const char* pattern;
  const char* suffix;
  int port;
};

TEST(HostPattern, AcceptsInstanceForms) {
  const std::vector<PatternRow> rows = {
      {"?.c9akciq32lgf.us-east-1.rds.amazonaws.com", ".c9akciq32lgf.us-east-1.rds.amazonaws.com",
       0},
      {"?.c9akciq32lgf.us-east-1.rds.amazonaws.com:5432",
       ".c9akciq32lgf.us-east-1.rds.amazonaws.com", 5432},
      {"?.123456789012.rds.cn-northwest-1.amazonaws.com.cn",
       ".123456789012.rds.cn-northwest-1.amazonaws.com.cn", 0},
      {"?.XYZ.US-GOV-WEST-1.RDS.AMAZONAWS.COM.", ".xyz.us-gov-west-1.rds.amazonaws.com", 0},
      {"?.db.example.com:3306", ".db.example.com", 3306},
      {"?.lab.awlab.test", ".lab.awlab.test", 0},
      {"  ?.lab.awlab.test:1  ", ".lab.awlab.test", 1},
      {"?.example.com.:65535", ".example.com", 65535},
      {"?", "", 0},
      {"?:5433", "", 5433},
      {"?.localhost", ".localhost", 0},
  };
  for (const PatternRow& row : rows) {
    SCOPED_TRACE(std::string("pattern: '") + row.pattern + "'");
    const HostPattern p = parse_host_pattern(row.pattern);
    EXPECT_EQ(p.prefix, "");
    EXPECT_EQ(p.suffix, row.suffix);
    EXPECT_EQ(p.port, row.port);
  }
}

struct BadPatternRow {
  const char* pattern;
  const char* reason_fragment;  // part of the message that says what is wrong
};

TEST(HostPattern, RejectsWithAMessageNamingPropertyValueAndForm) {
  const std::vector<BadPatternRow> rows = {
      {"", "empty"},
      {"   ", "empty"},
      {"instance-1.xyz.us-east-1.rds.amazonaws.com", "no '?'"},
      {"?.?.example.com", "2 '?'"},
      {"?-ro.example.com", "whole first label"},
      {"db-?.example.com", "whole first label"},
      {"example.?.com", "whole first label"},
      {"?.example.com:0", "port '0'"},
      {"?.example.com:65536", "port '65536'"},
      {"?.example.com:54x", "port '54x'"},
      {"?.example.com:", "port ''"},
      {"?.example.com:-1", "port '-1'"},
      {"?.example.com:99999999999", "port '99999999999'"},
      {"?.0.0.1", "IP address"},
      {"10.0.0.?", "IP address"},
      {"10.0.?.1:5432", "IP address"},
      {"[fe80::?]", "IPv6"},
      {"fe80::?", "IPv6"},
      {"?.exa mple.com", "'exa mple' is not a valid DNS label"},
      {"?..example.com", "'' is not a valid DNS label"},
      {"?.-bad.example.com", "'-bad' is not a valid DNS label"},
      {"?.under_score.example.com", "not a valid DNS label"},
      {"?.cluster-xyz.us-east-1.rds.amazonaws.com", "cluster writer endpoint"},
      {"?.cluster-ro-xyz.us-east-1.rds.amazonaws.com", "cluster reader endpoint"},
      {"?.cluster-custom-xyz.us-east-1.rds.amazonaws.com", "custom cluster endpoint"},
      {"?.proxy-xyz.us-east-1.rds.amazonaws.com", "proxy endpoint"},
      {"?.shardgrp-xyz.us-east-1.rds.amazonaws.com", "shard group endpoint"},
      {"?.cluster-123456789012.rds.cn-northwest-1.amazonaws.com.cn:5432",
       "cluster writer endpoint"},
      {"?.mydb.cluster-xyz.us-east-1.rds.amazonaws.com", "not an RDS instance name"},
      {"?.rds.amazonaws.com", "not an RDS instance name"},
      {"?.xyz.us-east-1.rds.amazonaws.com.cn", "not an RDS instance name"},
  };
  for (const BadPatternRow& row : rows) {
    SCOPED_TRACE(std::string("pattern: '") + row.pattern + "'");
    try {
      parse_host_pattern(row.pattern);
      ADD_FAILURE() << "accepted";
    } catch (const ConfigError& e) {
      const std::string message = e.what();
      EXPECT_EQ(e.property(), "cluster_instance_host_pattern");
      EXPECT_NE(message.find("cluster_instance_host_pattern"), std::string::npos) << message;
      EXPECT_NE(message.find(row.reason_fragment), std::string::npos) << message;
      EXPECT_NE(message.find("Accepted: '?.<domain>[:port]'"), std::string::npos) << message;
      const std::string trimmed_value = [&] {
        std::string v = row.pattern;
        v.erase(0, v.find_first_not_of(' '));
        v.erase(v.find_last_not_of(' ') + 1);
        return v;
      }();
      EXPECT_NE(message.find("'" + trimmed_value + "'"), std::string::npos) << message;
    }
  }
}

TEST(HostPattern, ClusterPatternMessageSuggestsTheInstanceForm) {
  try {
    parse_host_pattern("?.cluster-ro-c9akciq32lgf.us-east-1.rds.amazonaws.com");
    FAIL() << "accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("'?.c9akciq32lgf.us-east-1.rds.amazonaws.com'"),
              std::string::npos)
        << e.what();
  }
}

TEST(HostPattern, AppliesToInstanceIds) {
  const HostPattern rds = parse_host_pattern("?.xyz.us-east-1.rds.amazonaws.com:5432");
  EXPECT_EQ(apply_host_pattern(rds, "instance-1"), "instance-1.xyz.us-east-1.rds.amazonaws.com");
  EXPECT_EQ(apply_host_pattern(rds, "Instance-1"), "instance-1.xyz.us-east-1.rds.amazonaws.com");
  EXPECT_EQ(apply_host_pattern(rds, ""), "");
  EXPECT_EQ(apply_host_pattern(parse_host_pattern("?"), "node-b"), "node-b");
  EXPECT_EQ(apply_host_pattern(HostPattern{"db-", ".example.com", 0}, "7"), "db-7.example.com");
}

HostInfo host(std::string name, int port = 0) {
  HostInfo info;
  info.host = std::move(name);
  info.port = port;
  return info;
}

TEST(DefaultClusterId, ReaderAndWriterEndpointsShareOneId) {
  const std::string writer = "mydb.cluster-c9akciq32lgf.us-east-1.rds.amazonaws.com";
  for (const char* h : {"mydb.cluster-c9akciq32lgf.us-east-1.rds.amazonaws.com",
                        "mydb.cluster-ro-c9akciq32lgf.us-east-1.rds.amazonaws.com",
                        "MYDB.CLUSTER-RO-C9AKCIQ32LGF.US-EAST-1.RDS.AMAZONAWS.COM.",
                        "mydb.cluster-c9akciq32lgf.us-east-1.rds.amazonaws.com."}) {
    SCOPED_TRACE(h);
    EXPECT_EQ(default_cluster_id({host(h, 5432)}), writer);
    EXPECT_EQ(default_cluster_id({host(h)}), writer);
  }
  EXPECT_EQ(
      default_cluster_id({host("t.cluster-ro-123456789012.rds.cn-northwest-1.amazonaws.com.cn")}),
      "t.cluster-123456789012.rds.cn-northwest-1.amazonaws.com.cn");
  EXPECT_EQ(default_cluster_id({host("g.cluster-ro-abc.us-gov-west-1.rds.amazonaws.com")}),
            "g.cluster-abc.us-gov-west-1.rds.amazonaws.com");
  // Two clusters in the same account and region keep apart.
  EXPECT_NE(default_cluster_id({host("a.cluster-ro-xyz.us-east-1.rds.amazonaws.com")}),
            default_cluster_id({host("b.cluster-ro-xyz.us-east-1.rds.amazonaws.com")}));
  // The first cluster endpoint in the list decides.
  EXPECT_EQ(default_cluster_id({host("instance-1.xyz.us-east-1.rds.amazonaws.com", 5432),
                                host("mydb.cluster-ro-xyz.us-east-1.rds.amazonaws.com", 5432)}),
            "mydb.cluster-xyz.us-east-1.rds.amazonaws.com");
}

TEST(DefaultClusterId, OtherHostsJoinTheList) {
  EXPECT_EQ(default_cluster_id({}), "");
  EXPECT_EQ(default_cluster_id({host("127.0.0.21", 5432), host("127.0.0.22", 5432)}),
            "127.0.0.21:5432,127.0.0.22:5432");
  EXPECT_EQ(
      default_cluster_id({host("Node-A.Lab.Awlab.Test.", 3306), host("node-b.lab.awlab.test")}),
      "node-a.lab.awlab.test:3306,node-b.lab.awlab.test");
  EXPECT_EQ(default_cluster_id({host("::1", 5432)}), "[::1]:5432");
  // Custom endpoints, proxies and instances name no cluster.
  EXPECT_EQ(default_cluster_id({host("x.cluster-custom-xyz.us-east-1.rds.amazonaws.com", 5432)}),
            "x.cluster-custom-xyz.us-east-1.rds.amazonaws.com:5432");
  EXPECT_EQ(default_cluster_id({host("p.proxy-xyz.us-east-1.rds.amazonaws.com", 5432)}),
            "p.proxy-xyz.us-east-1.rds.amazonaws.com:5432");
  EXPECT_EQ(default_cluster_id({host("instance-1.xyz.us-east-1.rds.amazonaws.com")}),
            "instance-1.xyz.us-east-1.rds.amazonaws.com");
}

TEST(RdsEndpoint, NeverThrowsOnGarbage) {
  std::mt19937 random(12345);
  using namespace std::string_literals;
  const std::string alphabet = "abc-.?:[]%0129 \t\xff\x00"s;  // with the NUL byte
  for (int i = 0; i < 5000; ++i) {
    std::string input(random() % 80, 'x');
    for (char& c : input) c = alphabet[random() % alphabet.size()];
    if (i % 3 == 0) input += ".xyz.us-east-1.rds.amazonaws.com";
    EXPECT_NO_THROW(classify_rds_endpoint(input)) << input;
    try {
      parse_host_pattern(input);
    } catch (const ConfigError&) {
    }  // any other exception type fails the test
  }
}

}  // namespace
}  // namespace awrap::internal
