#include "driver/pg/pg_probe.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <string>
#include <vector>

#include "base/text.hpp"
#include "driver/pg/pg_connect.hpp"
#include "driver/pg/pg_error.hpp"
#include "driver/pg/pg_handles.hpp"

namespace awrap::internal::pg {
namespace {

void ignore_notice(void* /*context*/, const char* /*message*/) {}

class PgProbe final : public HostProbe {
 public:
  explicit PgProbe(ConnectSpec spec) : spec_(std::move(spec)) {}
  ~PgProbe() override { close(); }

  Status start() override {
    error_.clear();
    if (!conn_) return start_connect();
    return send_query();
  }

  Status resume(short revents) override {
    if (phase_ == Phase::kConnecting) return continue_connect();
    if (phase_ == Phase::kFlushing) {
      int flushed = PQflush(conn_.get());
      if (flushed < 0) return fail(message_or("sending the probe failed"));
      if (flushed == 1) return Status::kWaiting;
      phase_ = Phase::kReading;
      events_ = POLLIN;
      return Status::kWaiting;
    }
    if (phase_ == Phase::kReading) {
      if ((revents & (POLLIN | POLLERR | POLLHUP)) != 0 && PQconsumeInput(conn_.get()) == 0)
        return fail(message_or("reading the probe answer failed"));
      return collect();
    }
    return fail("probe resumed without a check in progress");
  }

  int socket() const noexcept override { return conn_ ? PQsocket(conn_.get()) : -1; }
  short events() const noexcept override { return events_; }

  void abandon() noexcept override {
    // Shut the socket first so PQfinish's Terminate message cannot wait on a dead peer (it would
    // not in non-blocking mode, but a shut socket makes that certain).
    if (conn_ && PQsocket(conn_.get()) >= 0 && !conn_.get_deleter().inherited())
      ::shutdown(PQsocket(conn_.get()), SHUT_RDWR);
    close();
  }
  void close() noexcept override {
    conn_.reset();
    phase_ = Phase::kIdle;
  }
  bool has_session() const noexcept override { return conn_ && phase_ != Phase::kConnecting; }
  const std::string& error() const noexcept override { return error_; }

 private:
  enum class Phase { kIdle, kConnecting, kFlushing, kReading };

  Status start_connect() {
    std::vector<std::string> keys;
    std::vector<std::string> vals;
    auto add = [&](std::string_view k, const std::string& v) {
      if (v.empty()) return;
      keys.emplace_back(k);
      vals.push_back(v);
    };
    if (text::is_ip_literal(spec_.host.host)) {
      add("host", spec_.host.host);
      add("hostaddr", spec_.host.host);
    } else if (!spec_.addresses.empty() && !spec_.native_options.contains("hostaddr")) {
      // Resolved by the caller, off the loop thread.
      const HostAddressLists lists = host_address_lists(spec_.host.host, spec_.addresses);
      add("host", lists.hosts);
      add("hostaddr", lists.addresses);
    } else {
      add("host", spec_.host.host);
    }
    add("port", std::to_string(spec_.host.port != 0 ? spec_.host.port : kPgDefaultPort));
    add("user", spec_.user);
    add("password", spec_.password);
    add("dbname", spec_.database);
    add("application_name", "awrap-host-monitor");
    for (const auto& [k, v] : spec_.native_options) add(k, v);
    std::vector<const char*> key_ptrs;
    std::vector<const char*> val_ptrs;
    for (std::size_t i = 0; i < keys.size(); ++i) {
      key_ptrs.push_back(keys[i].c_str());
      val_ptrs.push_back(vals[i].c_str());
    }
    key_ptrs.push_back(nullptr);
    val_ptrs.push_back(nullptr);
    conn_.reset(PQconnectStartParams(key_ptrs.data(), val_ptrs.data(), /*expand_dbname=*/0));
    if (!conn_) return fail("out of memory");
    if (PQstatus(conn_.get()) == CONNECTION_BAD)
      return fail(message_or("could not start a connection"));
    PQsetNoticeProcessor(conn_.get(), ignore_notice, nullptr);
    phase_ = Phase::kConnecting;
    events_ = POLLOUT;  // PQconnectStart acts as if PQconnectPoll had asked for writing
    return Status::kWaiting;
  }

  Status continue_connect() {
    switch (PQconnectPoll(conn_.get())) {
      case PGRES_POLLING_READING:
        events_ = POLLIN;
        return Status::kWaiting;
      case PGRES_POLLING_WRITING:
        events_ = POLLOUT;
        return Status::kWaiting;
      case PGRES_POLLING_OK:
        if (PQsetnonblocking(conn_.get(), 1) != 0)
          return fail(message_or("non-blocking mode refused"));
        return send_query();
      default: {
        const std::string message = message_or("could not connect");
        const bool refused =
            classify_pg_error(sqlstate_from_verbose_message(message),
                              /*connection_bad=*/true, message) == PgErrorClass::kLoginFailed;
        const Status status = fail(message);
        return refused ? Status::kRefused : status;
      }
    }
  }

  Status send_query() {
    if (PQstatus(conn_.get()) != CONNECTION_OK) return fail(message_or("connection lost"));
    if (PQsendQuery(conn_.get(), "SELECT 1") == 0)
      return fail(message_or("sending the probe failed"));
    phase_ = Phase::kFlushing;
    return resume(0);
  }

  Status collect() {
    while (PQisBusy(conn_.get()) == 0) {
      PgResultHandle result(PQgetResult(conn_.get()));
      if (!result) {  // the end of the answer
        phase_ = Phase::kIdle;
        if (!answered_ok_)
          return fail(last_result_error_.empty() ? "no answer" : last_result_error_);
        answered_ok_ = false;
        return Status::kSucceeded;
      }
      if (PQresultStatus(result.get()) == PGRES_TUPLES_OK) {
        answered_ok_ = true;
      } else {
        last_result_error_ = tidy_pg_message(PQresultErrorMessage(result.get()));
      }
    }
    if (PQstatus(conn_.get()) == CONNECTION_BAD) return fail(message_or("connection lost"));
    events_ = POLLIN;
    return Status::kWaiting;
  }

  std::string message_or(const char* fallback) const {
    std::string m = conn_ ? tidy_pg_message(PQerrorMessage(conn_.get())) : std::string();
    return m.empty() ? fallback : m;
  }

  Status fail(std::string why) {
    error_ = std::move(why);
    answered_ok_ = false;
    last_result_error_.clear();
    abandon();
    return Status::kFailed;
  }

  ConnectSpec spec_;
  PgConnHandle conn_;
  Phase phase_ = Phase::kIdle;
  short events_ = 0;
  bool answered_ok_ = false;
  std::string last_result_error_;
  std::string error_;
};

}  // namespace

std::unique_ptr<HostProbe> make_pg_probe(ConnectSpec spec) {
  return std::make_unique<PgProbe>(std::move(spec));
}

}  // namespace awrap::internal::pg
