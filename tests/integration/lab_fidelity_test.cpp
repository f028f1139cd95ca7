// Fidelity of the lab to AWS: every statement the AWS wrappers (Python, JDBC, Node.js) send to
// recognise a flavour, read its topology, identify the instance, check the writer and monitor a
// host (tests/data/aws_wrapper_sql.json, copied verbatim from their sources) runs unmodified on
// each lab flavour it applies to, on the writer and on a reader, and its answer has the shape
// and values those wrappers rely on (e.g. the Aurora PostgreSQL check answers true on aurora,
// false on multi-az and no row on plain PostgreSQL).
#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "awrap/errors.hpp"
#include "awrap/ext/target_driver.hpp"
#include "support/lab_cluster.hpp"

namespace awrap::internal {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::LabCluster;
using testing::LabNode;

struct Flavour {
  const char* key;  // as in the data file: "<engine>-<flavour>"
  const char* engine;
  const char* flavour;
  const char* base;
};

json load_statements() {
  std::ifstream in(AWRAP_SOURCE_DIR "/tests/data/aws_wrapper_sql.json");
  EXPECT_TRUE(in) << "tests/data/aws_wrapper_sql.json not readable";
  return json::parse(in);
}

// What a placeholder in the data file stands for, on one node.
struct NodeFacts {
  std::string instance;   // instance-K
  std::string server_id;  // K
  std::string instance_dbi;
  std::string writer_dbi;
  std::string writer_server_id;
};

std::string server_id_of(const std::string& instance) {
  return instance.substr(instance.find('-') + 1);
}

bool matches_type(const std::string& type, const std::string& value, const std::string& cluster) {
  static const std::map<std::string, std::regex, std::less<>> patterns = {
      {"instance", std::regex("instance-[0-9]+")},
      {"bool", std::regex("t|f|0|1")},
      {"int", std::regex("-?[0-9]+")},
      {"number", std::regex("-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?")},
      {"timestamp", std::regex("[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}.*")},
      {"text", std::regex(".*")}};
  if (type == "host")
    return std::regex_match(value, std::regex("instance-[0-9]+\\." + cluster + "\\.awlab\\.test"));
  auto it = patterns.find(type);
  return it != patterns.end() && std::regex_match(value, it->second);
}

class LabFidelity : public ::testing::TestWithParam<Flavour> {
 protected:
  static const json& statements() {
    static const json data = load_statements();
    return data;
  }

  void SetUp() override {
    cluster_.emplace(LabCluster::up({.name = std::string("fidelity-") + GetParam().key,
                                     .engine = GetParam().engine,
                                     .flavour = GetParam().flavour,
                                     .nodes = 2,
                                     .base = GetParam().base}));
  }

  std::unique_ptr<TargetConnection> connect(const LabNode& node) {
    ConnectSpec spec;
    bool pg = std::string(GetParam().engine) == "pg";
    spec.host = {node.host, pg ? 5432 : 3306};
    spec.user = "awrap";
    spec.password = "awrap-lab-password";
    spec.database = "awrap";
    spec.connect_timeout = 5s;
    return make_builtin_driver(pg ? "pg" : "mysql")->connect(spec);
  }

  std::string dbi_of(const LabNode& node) {
    if (std::string(GetParam().key) != "pg-multi-az") return {};
    auto r = connect(node)->execute("SELECT rds_tools.dbi_resource_id()", {});
    return std::string(r->value(0, 0));
  }

  std::string expand(const std::string& text, const NodeFacts& facts) {
    if (text == "<instance>") return facts.instance;
    if (text == "<server_id>") return facts.server_id;
    if (text == "<instance_dbi>") return facts.instance_dbi;
    if (text == "<writer_dbi>") return facts.writer_dbi;
    if (text == "<writer_server_id>") return facts.writer_server_id;
    return text;
  }

  void check_value(const json& wanted, const ResultData& r, std::size_t column,
                   const NodeFacts& facts) {
    if (wanted.is_null()) {
      EXPECT_TRUE(r.is_null(0, column)) << "column " << column;
      return;
    }
    ASSERT_FALSE(r.is_null(0, column)) << "column " << column << " is NULL";
    std::string want = expand(wanted.get<std::string>(), facts);
    std::string got(r.value(0, column));
    if (want == "*") {
      EXPECT_FALSE(got.empty()) << "column " << column;
    } else if (want.starts_with("~")) {
      EXPECT_NE(got.find(want.substr(1)), std::string::npos) << "column " << column << ": " << got;
    } else {
      EXPECT_EQ(got, want) << "column " << column;
    }
  }

  // Runs one statement on one node and checks the answer against `expect`.
  void check(const std::string& sql, const json& expect, TargetConnection& conn,
             const NodeFacts& facts, std::size_t nodes) {
    std::shared_ptr<const ResultData> r;
    try {
      r = conn.execute(sql, {});
    } catch (const QueryError& e) {
      EXPECT_TRUE(expect.value("error", false)) << "failed: " << e.what();
      return;
    }
    ASSERT_FALSE(expect.value("error", false)) << "succeeded where it must fail";
    ASSERT_TRUE(r);
    if (expect.contains("rows")) {
      std::size_t rows = expect["rows"].is_string() ? nodes : expect["rows"].get<std::size_t>();
      EXPECT_EQ(r->row_count(), rows);
    }
    std::optional<std::size_t> columns;
    if (expect.contains("columns")) columns = expect["columns"].get<std::size_t>();
    for (const char* list : {"row", "types", "names"})
      if (!columns && expect.contains(list)) columns = expect[list].size();
    if (columns) {
      EXPECT_EQ(r->column_count(), *columns);
    }
    if (expect.contains("names")) {
      for (std::size_t c = 0; c < expect["names"].size() && c < r->column_count(); ++c)
        EXPECT_EQ(r->column_name(c), expect["names"][c].get<std::string>());
    }
    if (expect.contains("row") && r->row_count() > 0) {
      for (std::size_t c = 0; c < expect["row"].size() && c < r->column_count(); ++c)
        check_value(expect["row"][c], *r, c, facts);
    }
    if (expect.contains("column") && r->row_count() > 0) {
      for (const auto& [name, wanted] : expect["column"].items()) {
        bool found = false;
        for (std::size_t c = 0; c < r->column_count(); ++c) {
          if (r->column_name(c) != name) continue;
          found = true;
          check_value(wanted, *r, c, facts);
        }
        EXPECT_TRUE(found) << "no column " << name;
      }
    }
    if (expect.contains("types")) {
      const auto& types = expect["types"];
      for (std::size_t row = 0; row < r->row_count(); ++row) {
        for (std::size_t c = 0; c < types.size() && c < r->column_count(); ++c) {
          if (r->is_null(row, c)) continue;
          std::string value(r->value(row, c));
          EXPECT_TRUE(matches_type(types[c], value, cluster_name()))
              << "row " << row << " column " << c << ": '" << value << "' is not "
              << types[c].get<std::string>();
        }
      }
    }
    if (expect.contains("one_writer")) {
      std::size_t writers = 0;
      for (std::size_t row = 0; row < r->row_count(); ++row) {
        std::string v(r->value(row, 1));
        writers += (v == "t" || v == "1") ? 1 : 0;
      }
      EXPECT_EQ(writers, expect["one_writer"].get<std::size_t>());
    }
  }

  std::string cluster_name() const { return std::string("fidelity-") + GetParam().key; }

  std::optional<LabCluster> cluster_;
};

TEST_P(LabFidelity, EveryAwsWrapperStatementAnswersAsOnAws) {
  auto status = cluster_->status();
  const LabNode writer = cluster_->writer();
  std::string writer_dbi = dbi_of(writer);
  std::string engine = std::string(GetParam().engine) == "pg" ? "pg" : "mysql";
  int run = 0;
  for (const auto& node : status.nodes) {
    const char* role = node.is_writer() ? "writer" : "reader";
    NodeFacts facts{node.name, server_id_of(node.name), dbi_of(node), writer_dbi,
                    server_id_of(writer.name)};
    auto conn = connect(node);
    for (const auto& statement : statements()["statements"]) {
      if (statement["engine"] != engine) continue;
      const auto& per_flavour = statement["expect"];
      if (!per_flavour.contains(GetParam().key)) continue;
      json expect = per_flavour[GetParam().key];
      if (expect.contains("writer") || expect.contains("reader")) {
        if (!expect.contains(role)) continue;
        expect = expect[role];
      }
      std::string sql = statement["sql"];
      SCOPED_TRACE(std::string(role) + " " + node.name + ": " + sql);
      check(sql, expect, *conn, facts, status.nodes.size());
      ++run;
    }
  }
  std::cout << "[figure] " << GetParam().key << ": " << run << " statement runs checked\n";
  EXPECT_GT(run, 0);
}

INSTANTIATE_TEST_SUITE_P(
    Flavours, LabFidelity,
    ::testing::Values(Flavour{"pg-plain", "pg", "plain", "127.0.0.191"},
                      Flavour{"pg-aurora", "pg", "aurora", "127.0.0.193"},
                      Flavour{"pg-multi-az", "pg", "multi-az", "127.0.0.195"},
                      Flavour{"mariadb-plain", "mariadb", "plain", "127.0.0.211"},
                      Flavour{"mariadb-aurora", "mariadb", "aurora", "127.0.0.213"},
                      Flavour{"mariadb-multi-az", "mariadb", "multi-az", "127.0.0.215"}),
    [](const auto& param_info) {
      std::string n = param_info.param.key;
      for (auto& ch : n)
        if (ch == '-') ch = '_';
      return n;
    });

}  // namespace
}  // namespace awrap::internal
