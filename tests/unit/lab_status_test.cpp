// LabStatus parsing of the awlab status JSON (no servers needed).
#include <gtest/gtest.h>

#include "support/lab_cluster.hpp"

namespace awrap::internal::testing {
namespace {

constexpr const char* kStatusJson = R"({
  "name": "demo", "engine": "pg", "flavour": "aurora", "writer": "instance-2",
  "host_pattern": "?.demo.awlab.test", "cluster_endpoint": "demo.cluster.awlab.test",
  "reader_endpoint": "demo.cluster-ro.awlab.test", "sync": false,
  "nodes": [
    {"name": "instance-1", "host": "127.0.0.11", "port": 5432,
     "hostname": "instance-1.demo.awlab.test", "role": "reader", "state": "crashed", "pid": null},
    {"name": "instance-2", "host": "127.0.0.12", "port": 5432,
     "hostname": "instance-2.demo.awlab.test", "role": "writer", "state": "running", "pid": 4242}],
  "state_dir": "/tmp/awlab/demo", "events": "/tmp/awlab/demo/events.jsonl"})";

TEST(LabStatusTest, ParsesTheStatusJson) {
  const LabStatus status = LabStatus::from_json(nlohmann::json::parse(kStatusJson));
  EXPECT_EQ(status.name, "demo");
  EXPECT_EQ(status.flavour, "aurora");
  EXPECT_EQ(status.writer, "instance-2");
  EXPECT_EQ(status.host_pattern, "?.demo.awlab.test");
  EXPECT_EQ(status.events_path, "/tmp/awlab/demo/events.jsonl");
  ASSERT_EQ(status.nodes.size(), 2U);
  const LabNode& crashed = status.node("instance-1");
  EXPECT_FALSE(crashed.pid.has_value());
  EXPECT_FALSE(crashed.is_running());
  EXPECT_FALSE(crashed.is_writer());
  const LabNode& writer = status.node(status.writer);
  EXPECT_TRUE(writer.is_writer());
  EXPECT_EQ(writer.pid, 4242);
  EXPECT_EQ(writer.host, "127.0.0.12");
  EXPECT_EQ(writer.hostname, "instance-2.demo.awlab.test");
  EXPECT_EQ(writer.port, 5432);
}

TEST(LabStatusTest, UnknownNodeThrows) {
  const LabStatus status = LabStatus::from_json(nlohmann::json::parse(kStatusJson));
  EXPECT_THROW(static_cast<void>(status.node("instance-9")), LabError);
}

TEST(LabStatusTest, FaultNamesMatchTheCli) {
  EXPECT_EQ(to_string(LabFault::kCrash), "crash");
  EXPECT_EQ(to_string(LabFault::kStop), "stop");
  EXPECT_EQ(to_string(LabFault::kHang), "hang");
  EXPECT_EQ(to_string(LabFault::kBlackhole), "blackhole");
}

}  // namespace
}  // namespace awrap::internal::testing
