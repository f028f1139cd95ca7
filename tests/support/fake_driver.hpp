// An in-process TargetDriver for unit tests of pure logic (pipeline, properties, session state).
// Never used as proof that something works against a server.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "awrap/errors.hpp"
#include "awrap/ext/target_driver.hpp"
#include "support/fake_result.hpp"

namespace awrap::internal::testing {

struct FakeServerLog {
  std::vector<std::string> calls;  // "host:port execute SELECT 1", "host:port begin", …
  std::vector<std::string> connects;
  std::mutex mutex;  // background threads (monitors) record too; tests read once they are idle
};

// Behaviour a test scripts into every connection of a FakeDriver. Each hook may throw to simulate
// the server's answer; hooks run on whichever thread uses the connection (monitors included), so
// they must be thread-safe.
struct FakeHooks {
  // Before a statement runs (execute, execute_prepared: sql is the statement name there).
  std::function<void(const HostInfo&, std::string_view sql)> on_execute;
  // Before begin/commit/rollback/set_autocommit/set_read_only/set_isolation_level: `what` is the
  // word the log records ("begin", "autocommit off", …).
  std::function<void(const HostInfo&, std::string_view what)> on_session_call;
  // Inside cancel().
  std::function<void(const HostInfo&)> on_cancel;
  // True for a statement the server accepts and then never answers: the call waits out the
  // connection's socket_timeout (30 s standing in for "forever" when it is zero) and fails as lost.
  std::function<bool(const HostInfo&, std::string_view sql)> stalls;
  // How a stalled call waits out that time; unset: it sleeps (real time). A test on a fake clock
  // (support/fake_time_source.hpp) advances that clock instead.
  std::function<void(std::chrono::milliseconds)> stall_wait;
  // The one value a statement returns instead of "1" (e.g. "t" for pg_is_in_recovery() on a
  // reader); nullopt: "1".
  std::function<std::optional<std::string>(const HostInfo&, std::string_view sql)> answer;
};

class FakeConnection final : public TargetConnection {
 public:
  FakeConnection(HostInfo host, std::shared_ptr<FakeServerLog> log,
                 std::shared_ptr<const FakeHooks> hooks = nullptr,
                 std::chrono::milliseconds socket_timeout = {})
      : host_(std::move(host)),
        log_(std::move(log)),
        hooks_(std::move(hooks)),
        socket_timeout_(socket_timeout) {}
  std::shared_ptr<const ResultData> execute(std::string_view sql,
                                            std::span<const Param> params) override {
    check_alive();
    if (hooks_ && hooks_->stalls && hooks_->stalls(host_, sql)) stall();
    if (hooks_ && hooks_->on_execute) hooks_->on_execute(host_, sql);
    record("execute " + std::string(sql) +
           (params.empty() ? "" : " +" + std::to_string(params.size())));
    if (hooks_ && hooks_->answer)
      if (auto value = hooks_->answer(host_, sql))
        return std::make_shared<FakeResult>(
            std::vector<std::string>{"?column?"},
            std::vector<std::vector<std::optional<std::string>>>{{std::move(*value)}});
    return result_;
  }
  void prepare(std::string_view name, std::string_view sql) override {
    record("prepare " + std::string(name) + " " + std::string(sql));
  }
  std::shared_ptr<const ResultData> execute_prepared(std::string_view name,
                                                     std::span<const Param>) override {
    check_alive();
    if (hooks_ && hooks_->on_execute) hooks_->on_execute(host_, name);
    record("execute_prepared " + std::string(name));
    return result_;
  }
  void deallocate(std::string_view name) override { record("deallocate " + std::string(name)); }
  void begin() override {
    session_call("begin");
    record("begin");
    in_tx_ = true;
  }
  void commit() override {
    session_call("commit");
    record("commit");
    in_tx_ = false;
  }
  void rollback() override {
    session_call("rollback");
    record("rollback");
    in_tx_ = false;
  }
  void set_autocommit(bool on) override {
    session_call(on ? "autocommit on" : "autocommit off");
    record(on ? "autocommit on" : "autocommit off");
    autocommit_ = on;
  }
  bool autocommit() const noexcept override { return autocommit_; }
  void set_read_only(bool on) override {
    session_call(on ? "read_only on" : "read_only off");
    record(on ? "read_only on" : "read_only off");
  }
  void set_isolation_level(IsolationLevel level) override {
    session_call("isolation");
    record("isolation " + std::to_string(static_cast<int>(level)));
  }
  TransactionStatus transaction_status() const noexcept override {
    return in_tx_ ? TransactionStatus::kInTransaction : TransactionStatus::kIdle;
  }
  bool is_broken() const noexcept override { return aborted_; }
  std::chrono::milliseconds socket_timeout() const noexcept override { return socket_timeout_; }
  void set_socket_timeout(std::chrono::milliseconds timeout) noexcept override {
    socket_timeout_ = timeout;
  }
  void cancel() override {
    if (hooks_ && hooks_->on_cancel) hooks_->on_cancel(host_);
    record("cancel");
  }
  // Like a real connection: every later call fails as lost.
  void abort() noexcept override { aborted_ = true; }
  void close() noexcept override { record("close"); }
  std::int64_t server_session_id() const noexcept override { return 1; }
  const HostInfo& host() const noexcept override { return host_; }

 private:
  void record(std::string what) {
    if (!log_) return;
    std::lock_guard lock(log_->mutex);
    log_->calls.push_back(host_.endpoint() + " " + what);
  }
  void check_alive() const {
    if (aborted_)
      throw ConnectionLostError("fake connection was aborted", "08006", 0, host_.endpoint());
  }
  [[noreturn]] void stall() {
    auto wait = socket_timeout_.count() > 0 ? socket_timeout_ : std::chrono::milliseconds(30000);
    if (hooks_ && hooks_->stall_wait)
      hooks_->stall_wait(wait);
    else
      std::this_thread::sleep_for(wait);  // the time is the point: a server that does not answer
    throw ConnectionLostError("fake server did not answer within socket_timeout", "08006", 0,
                              host_.endpoint());
  }
  void session_call(std::string_view what) {
    check_alive();
    if (hooks_ && hooks_->on_session_call) hooks_->on_session_call(host_, what);
  }
  HostInfo host_;
  std::shared_ptr<FakeServerLog> log_;
  std::shared_ptr<const FakeHooks> hooks_;
  std::atomic<bool> aborted_{false};
  std::chrono::milliseconds socket_timeout_;
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
    if (log_) {
      std::lock_guard lock(log_->mutex);
      log_->connects.push_back(spec.host.endpoint() + " user=" + spec.user);
    }
    if (on_connect) on_connect(spec);
    std::shared_ptr<const FakeHooks> current;
    {
      std::lock_guard lock(hooks_mutex_);
      current = hooks_;
    }
    return std::make_unique<FakeConnection>(spec.host, log_, std::move(current),
                                            spec.socket_timeout);
  }
  // The probes of monitors given this driver: `probe_factory`'s; unset: none (the default
  // TargetDriver::make_probe throws ConfigError). Set before the driver is shared.
  std::unique_ptr<HostProbe> make_probe(ConnectSpec spec) const override {
    if (!probe_factory) return TargetDriver::make_probe(std::move(spec));
    return probe_factory(std::move(spec));
  }
  std::function<std::unique_ptr<HostProbe>(ConnectSpec)> probe_factory;
  // Handed to every connection made after it is set (background monitors connect concurrently).
  void set_hooks(std::shared_ptr<const FakeHooks> hooks) {
    std::lock_guard lock(hooks_mutex_);
    hooks_ = std::move(hooks);
  }
  // Throw from here to simulate an unreachable host or a refused login.
  std::function<void(const ConnectSpec&)> on_connect;

 private:
  std::shared_ptr<FakeServerLog> log_;
  std::mutex hooks_mutex_;
  std::shared_ptr<const FakeHooks> hooks_;
};

}  // namespace awrap::internal::testing
