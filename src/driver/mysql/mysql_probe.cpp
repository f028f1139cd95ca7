#include "driver/mysql/mysql_probe.hpp"

#include <poll.h>

#include <string>

#include "driver/mysql/mysql_error.hpp"
#include "driver/mysql/mysql_handle.hpp"
#include "driver/mysql/mysql_native_options.hpp"
#include "driver/mysql/mysql_nonblocking.hpp"

namespace awrap::internal::mysql {
namespace {

constexpr unsigned int kDefaultPort = 3306;
constexpr std::size_t kNonblockingStackSize = 256 * 1024;  // as MysqlConnection: room for TLS

using Handle = MysqlHandle;

short poll_events_of(int wait_status) noexcept {
  short events = 0;
  if ((wait_status & MYSQL_WAIT_READ) != 0) events |= POLLIN;
  if ((wait_status & MYSQL_WAIT_WRITE) != 0) events |= POLLOUT;
  if ((wait_status & MYSQL_WAIT_EXCEPT) != 0) events |= POLLPRI;
  return events;
}

int wait_status_of(short revents) noexcept {
  int ready = 0;
  if ((revents & POLLIN) != 0) ready |= MYSQL_WAIT_READ;
  if ((revents & POLLOUT) != 0) ready |= MYSQL_WAIT_WRITE;
  if ((revents & POLLPRI) != 0) ready |= MYSQL_WAIT_EXCEPT;
  // An error or hang-up: let the driver read and write to find out.
  if ((revents & (POLLERR | POLLHUP | POLLNVAL)) != 0) ready |= MYSQL_WAIT_READ | MYSQL_WAIT_WRITE;
  return ready;
}

class MysqlProbe final : public HostProbe {
 public:
  explicit MysqlProbe(ConnectSpec spec) : spec_(std::move(spec)) {}
  ~MysqlProbe() override { abandon(); }

  Status start() override {
    error_.clear();
    if (!connected_) {
      addresses_tried_ = 0;
      return start_connect();
    }
    phase_ = Phase::kPinging;
    return after(mysql_ping_start(&ping_result_, handle_.get()));
  }

  Status resume(short revents) override {
    const int ready = wait_status_of(revents);
    if (phase_ == Phase::kConnecting)
      return after(mysql_real_connect_cont(&connected_handle_, handle_.get(), ready));
    if (phase_ == Phase::kPinging)
      return after(mysql_ping_cont(&ping_result_, handle_.get(), ready));
    return fail("probe resumed without a check in progress");
  }

  int socket() const noexcept override {
    if (!handle_) return -1;
    const auto fd = mysql_get_socket(handle_.get());
    return fd == MARIADB_INVALID_SOCKET ? -1 : static_cast<int>(fd);
  }
  short events() const noexcept override { return poll_events_of(wait_status_); }

  void abandon() noexcept override {
    if (handle_ && wait_status_ != 0) {
      // Shut the socket and run the suspended operation to its (failed) end, so Connector/C
      // holds no half-finished state when the handle is closed.
      if (phase_ == Phase::kConnecting)
        abandon_operation(handle_.get(), wait_status_, [&](int ready) {
          return mysql_real_connect_cont(&connected_handle_, handle_.get(), ready);
        });
      else if (phase_ == Phase::kPinging)
        abandon_operation(handle_.get(), wait_status_, [&](int ready) {
          return mysql_ping_cont(&ping_result_, handle_.get(), ready);
        });
    } else if (handle_) {
      shut_down_socket(handle_.get());
    }
    reset();
  }
  void close() noexcept override {
    if (wait_status_ != 0) {
      abandon();
      return;
    }
    reset();  // COM_QUIT is a few bytes into an idle socket's buffer: does not block
  }
  bool has_session() const noexcept override { return connected_; }
  const std::string& error() const noexcept override { return error_; }

 private:
  enum class Phase { kIdle, kConnecting, kPinging };

  void reset() noexcept {
    handle_.reset();
    connected_ = false;
    wait_status_ = 0;
    phase_ = Phase::kIdle;
  }

  Status start_connect() {
    handle_.reset(mysql_init(nullptr));
    if (!handle_) return fail("out of memory");
    MYSQL* raw = handle_.get();
    const std::size_t stack_size = kNonblockingStackSize;
    const my_bool reconnect = 0;
    const unsigned int protocol = MYSQL_PROTOCOL_TCP;
    if (mysql_optionsv(raw, MYSQL_OPT_NONBLOCK, &stack_size) != 0 ||
        mysql_optionsv(raw, MYSQL_OPT_RECONNECT, &reconnect) != 0 ||
        mysql_optionsv(raw, MYSQL_OPT_PROTOCOL, &protocol) != 0)
      return fail("Connector/C refused an option");
    try {
      checks_ = apply_native_options(raw, spec_.native_options);
    } catch (const std::exception& e) {
      return fail(e.what());
    }
    phase_ = Phase::kConnecting;
    const unsigned int port =
        spec_.host.port == 0 ? kDefaultPort : static_cast<unsigned int>(spec_.host.port);
    const char* database = spec_.database.empty() ? nullptr : spec_.database.c_str();
    // An address resolved by the caller (off the loop thread), unless TLS must verify the name.
    // A check tries the addresses in turn, as MysqlConnection::open does, starting from the one
    // that answered last.
    const std::string& host =
        walks_addresses() ? spec_.addresses[address_ % spec_.addresses.size()] : spec_.host.host;
    return after(mysql_real_connect_start(&connected_handle_, raw, host.c_str(), spec_.user.c_str(),
                                          spec_.password.c_str(), database, port, nullptr, 0));
  }

  // What a _start/_cont call returned.
  Status after(int wait_status) {
    wait_status_ = wait_status;
    if (wait_status != 0) {
      if ((wait_status & (MYSQL_WAIT_READ | MYSQL_WAIT_WRITE | MYSQL_WAIT_EXCEPT)) == 0) {
        // Only a timeout asked for: Connector/C's own timer; our deadline rules instead.
        wait_status_ |= MYSQL_WAIT_READ;
      }
      return Status::kWaiting;
    }
    if (phase_ == Phase::kConnecting) {
      if (connected_handle_ == nullptr) {
        const bool refused =
            classify_mysql_error(mysql_errno(handle_.get()), mysql_sqlstate(handle_.get()),
                                 mysql_error(handle_.get())) == MysqlErrorClass::kLoginFailed;
        if (!refused && walks_addresses() && addresses_tried_ + 1 < spec_.addresses.size()) {
          // This address does not answer; the host may at another (the caller's deadline for
          // the whole check still holds). A refused login would be refused at every address.
          ++addresses_tried_;
          ++address_;
          handle_.reset();
          wait_status_ = 0;
          return start_connect();
        }
        const Status status = fail(mysql_error(handle_.get()));
        return refused ? Status::kRefused : status;
      }
      // The rule of the application's connections (MysqlConnection::connect): Connector/C 3.3
      // talks plain text under ssl_mode=REQUIRED when the server offers no TLS.
      if (checks_.tls_required && mysql_get_ssl_cipher(handle_.get()) == nullptr)
        return fail("TLS is required (ssl_mode) but the server did not agree to it");
      connected_ = true;
      phase_ = Phase::kPinging;
      return after(mysql_ping_start(&ping_result_, handle_.get()));
    }
    phase_ = Phase::kIdle;
    if (ping_result_ != 0) return fail(mysql_error(handle_.get()));
    return Status::kSucceeded;
  }

  Status fail(std::string why) {
    error_ = why.empty() ? "no answer" : std::move(why);
    wait_status_ = 0;  // the operation ended (or never started)
    if (handle_) shut_down_socket(handle_.get());
    reset();
    return Status::kFailed;
  }

  bool walks_addresses() const noexcept {
    return !spec_.addresses.empty() && !checks_.verifies_server_name;
  }

  ConnectSpec spec_;
  NativeOptionChecks checks_;
  std::size_t address_ = 0;          // index (mod count) of the address to connect to next
  std::size_t addresses_tried_ = 0;  // in this check
  Handle handle_;
  MYSQL* connected_handle_ = nullptr;
  int ping_result_ = 0;
  bool connected_ = false;
  int wait_status_ = 0;
  Phase phase_ = Phase::kIdle;
  std::string error_;
};

}  // namespace

std::unique_ptr<HostProbe> make_mysql_probe(ConnectSpec spec) {
  return std::make_unique<MysqlProbe>(std::move(spec));
}

}  // namespace awrap::internal::mysql
