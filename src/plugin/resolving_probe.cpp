#include "plugin/resolving_probe.hpp"

#include <poll.h>

#include <optional>
#include <string>
#include <utility>

#include "awrap/errors.hpp"
#include "base/name_resolution.hpp"
#include "base/text.hpp"

namespace awrap::internal {
namespace {

class ResolvingProbe final : public HostProbe {
 public:
  ResolvingProbe(std::shared_ptr<const TargetDriver> driver, ConnectSpec spec)
      : driver_(std::move(driver)), spec_(std::move(spec)) {}

  Status start() override {
    error_.clear();
    if (inner_) return settle(inner_->start());
    try {
      lookup_.emplace(spec_.host.host, spec_.host.endpoint());
    } catch (const Error& e) {
      return fail(e.what());
    }
    return resume(0);
  }

  Status resume(short revents) override {
    if (inner_) return settle(inner_->resume(revents));
    if (!lookup_) return fail("probe resumed without a check in progress");
    if (!lookup_->finished()) return Status::kWaiting;  // the eventfd is written just before
    ConnectSpec resolved = spec_;
    try {
      resolved.addresses = lookup_->addresses();
    } catch (const Error& e) {
      return fail(e.what());
    }
    lookup_.reset();
    inner_ = driver_->make_probe(std::move(resolved));
    return settle(inner_->start());
  }

  int socket() const noexcept override {
    if (inner_) return inner_->socket();
    return lookup_ ? lookup_->wake_fd() : -1;
  }
  short events() const noexcept override { return inner_ ? inner_->events() : POLLIN; }

  void abandon() noexcept override {
    lookup_.reset();  // cancels it, or leaves it to finish in the background
    if (inner_) inner_->abandon();
    inner_.reset();
  }
  void close() noexcept override {
    lookup_.reset();
    if (inner_) inner_->close();
    inner_.reset();
  }
  bool has_session() const noexcept override { return inner_ && inner_->has_session(); }
  const std::string& error() const noexcept override { return inner_ ? inner_->error() : error_; }

 private:
  // A probe that lost its session resolves the name again for the next one: the address may
  // have moved.
  Status settle(Status status) {
    if ((status == Status::kFailed || status == Status::kRefused) && !inner_->has_session()) {
      error_ = inner_->error();
      inner_.reset();
    }
    return status;
  }
  Status fail(std::string why) {
    error_ = std::move(why);
    lookup_.reset();
    return Status::kFailed;
  }

  std::shared_ptr<const TargetDriver> driver_;
  ConnectSpec spec_;
  std::optional<PendingLookup> lookup_;
  std::unique_ptr<HostProbe> inner_;
  std::string error_;
};

}  // namespace

std::unique_ptr<HostProbe> make_resolving_probe(std::shared_ptr<const TargetDriver> driver,
                                                ConnectSpec spec) {
  if (!spec.addresses.empty() || text::is_ip_literal(spec.host.host))
    return driver->make_probe(std::move(spec));
  return std::make_unique<ResolvingProbe>(std::move(driver), std::move(spec));
}

}  // namespace awrap::internal
