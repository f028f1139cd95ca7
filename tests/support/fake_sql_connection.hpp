// A TargetConnection that answers statements from recorded rows, for unit tests of dialects
// against server interfaces the lab cannot run (Aurora MySQL's information_schema tables and
// variables). Never used as proof that something works against a server.
//
//   FakeSqlConnection c;
//   c.answer("SELECT @@aurora_server_id", {"@@aurora_server_id"}, {{"instance-2"}});
//   c.fail("SELECT COUNT(*) FROM mysql.rds_topology", QueryError("no such table", "42S02", 1146));
//   dialect->instance_id(c);  // "instance-2"
//
// A statement matches the first answer whose key it contains; unmatched statements throw
// QueryError (as a server would for an unknown table). Every statement is logged in `statements`.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "awrap/errors.hpp"
#include "awrap/ext/target_driver.hpp"
#include "support/fake_result.hpp"

namespace awrap::internal::testing {

class FakeSqlConnection final : public TargetConnection {
 public:
  using Rows = std::vector<std::vector<std::optional<std::string>>>;

  explicit FakeSqlConnection(HostInfo host = {"fake", 3306}) : host_(std::move(host)) {}

  // Later answers for the same key take precedence over earlier ones.
  void answer(std::string key, std::vector<std::string> columns, Rows rows) {
    auto result = std::make_shared<FakeResult>(std::move(columns), std::move(rows));
    answers_.insert(
        answers_.begin(),
        {std::move(key), [result]() -> std::shared_ptr<const ResultData> { return result; }});
  }
  template <typename E>
  void fail(std::string key, E error) {
    answers_.insert(
        answers_.begin(),
        {std::move(key), [error]() -> std::shared_ptr<const ResultData> { throw error; }});
  }

  std::shared_ptr<const ResultData> execute(std::string_view sql, std::span<const Param>) override {
    statements.emplace_back(sql);
    for (const auto& [key, respond] : answers_)
      if (sql.find(key) != std::string_view::npos) return respond();
    throw QueryError("fake server: no recorded answer for: " + std::string(sql), "42S02", 1146);
  }
  void prepare(std::string_view, std::string_view) override {}
  std::shared_ptr<const ResultData> execute_prepared(std::string_view,
                                                     std::span<const Param>) override {
    throw QueryError("fake server: prepared statements are not recorded");
  }
  void deallocate(std::string_view) override {}
  void begin() override {}
  void commit() override {}
  void rollback() override {}
  void set_autocommit(bool) override {}
  bool autocommit() const noexcept override { return true; }
  void set_read_only(bool) override {}
  void set_isolation_level(IsolationLevel) override {}
  TransactionStatus transaction_status() const noexcept override {
    return TransactionStatus::kIdle;
  }
  bool is_broken() const noexcept override { return false; }
  std::chrono::milliseconds socket_timeout() const noexcept override { return socket_timeout_; }
  void set_socket_timeout(std::chrono::milliseconds timeout) noexcept override {
    socket_timeout_ = timeout;
  }
  void cancel() override {}
  void abort() noexcept override {}
  void close() noexcept override {}
  std::int64_t server_session_id() const noexcept override { return 1; }
  const HostInfo& host() const noexcept override { return host_; }

  std::vector<std::string> statements;

 private:
  HostInfo host_;
  std::chrono::milliseconds socket_timeout_{0};
  std::vector<std::pair<std::string, std::function<std::shared_ptr<const ResultData>()>>> answers_;
};

}  // namespace awrap::internal::testing
