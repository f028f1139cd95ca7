// An in-process TargetDriver for unit tests of pure logic (pipeline, properties, session state).
// Never used as proof that something works against a server.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "awrap/errors.hpp"
#include "awrap/target_driver.hpp"
#include "support/fake_result.hpp"

namespace awrap::testing {

struct FakeServerLog {
  std::vector<std::string> calls;  // "host:port execute SELECT 1", "host:port begin", …
  std::vector<std::string> connects;
};

class FakeConnection final : public TargetConnection {
 public:
  FakeConnection(HostInfo host, std::shared_ptr<FakeServerLog> log)
      : host_(std::move(host)), log_(std::move(log)) {}
  std::shared_ptr<const ResultData> execute(std::string_view sql,
                                            std::span<const Param> params) override {
    record("execute " + std::string(sql) +
           (params.empty() ? "" : " +" + std::to_string(params.size())));
    return result_;
  }
  void prepare(std::string_view name, std::string_view sql) override {
    record("prepare " + std::string(name) + " " + std::string(sql));
  }
  std::shared_ptr<const ResultData> execute_prepared(std::string_view name,
                                                     std::span<const Param>) override {
    record("execute_prepared " + std::string(name));
    return result_;
  }
  void deallocate(std::string_view name) override { record("deallocate " + std::string(name)); }
  void begin() override {
    record("begin");
    in_tx_ = true;
  }
  void commit() override {
    record("commit");
    in_tx_ = false;
  }
  void rollback() override {
    record("rollback");
    in_tx_ = false;
  }
  void set_autocommit(bool on) override {
    record(on ? "autocommit on" : "autocommit off");
    autocommit_ = on;
  }
  bool autocommit() const noexcept override { return autocommit_; }
  void set_read_only(bool on) override { record(on ? "read_only on" : "read_only off"); }
  void set_isolation_level(IsolationLevel level) override {
    record("isolation " + std::to_string(static_cast<int>(level)));
  }
  TransactionStatus transaction_status() const noexcept override {
    return in_tx_ ? TransactionStatus::kInTransaction : TransactionStatus::kIdle;
  }
  bool is_broken() const noexcept override { return false; }
  void cancel() override { record("cancel"); }
  void abort() noexcept override {}
  void close() noexcept override { record("close"); }
  std::int64_t server_session_id() const noexcept override { return 1; }
  const HostInfo& host() const noexcept override { return host_; }

 private:
  void record(std::string what) {
    if (log_) log_->calls.push_back(host_.endpoint() + " " + what);
  }
  HostInfo host_;
  std::shared_ptr<FakeServerLog> log_;
  std::shared_ptr<const ResultData> result_ =
      std::make_shared<FakeResult>(std::vector<std::string>{"?column?"},
                                   std::vector<std::vector<std::optional<std::string>>>{{"1"}});
  bool autocommit_ = true;
  bool in_tx_ = false;
};

class FakeDriver final : public TargetDriver {
 public:
  explicit FakeDriver(std::shared_ptr<FakeServerLog> log = nullptr) : log_(std::move(log)) {}
  std::string_view engine() const noexcept override { return "pg"; }
  int default_port() const noexcept override { return 5432; }
  std::unique_ptr<TargetConnection> connect(const ConnectSpec& spec) override {
    if (log_) log_->connects.push_back(spec.host.endpoint() + " user=" + spec.user);
    if (on_connect) on_connect(spec);
    return std::make_unique<FakeConnection>(spec.host, log_);
  }
  // Throw from here to simulate an unreachable host or a refused login.
  std::function<void(const ConnectSpec&)> on_connect;

 private:
  std::shared_ptr<FakeServerLog> log_;
};

}  // namespace awrap::testing
