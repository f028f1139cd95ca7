// EventDelivery: hands a Connection's events to the application's listeners (awrap/events.hpp).
// Each delivery is guarded: what a listener throws is logged and swallowed, so an application bug
// in a listener never changes a failover's outcome nor stops a monitor thread. Texts are masked
// once more on the way out (they come from error messages, already masked, and host names).
// Shared (immutable) between the Connection and the background threads that report aborts.
#pragma once

#include <atomic>
#include <memory>

#include "awrap/events.hpp"

namespace awrap::internal {

class EventDelivery {
 public:
  explicit EventDelivery(ConnectionEvents listeners) : listeners_(std::move(listeners)) {}

  bool listens_to_aborts() const noexcept { return static_cast<bool>(listeners_.on_call_aborted); }

  void failover_started(const FailoverStartedEvent& event) const noexcept;
  void failover(const FailoverEvent& event) const noexcept;
  void call_aborted(const CallAbortedEvent& event) const noexcept;

 private:
  const ConnectionEvents listeners_;
};

// A listener for the aborts of one physical connection: delivers the first abort reported and
// drops the others (host monitoring and the tracker may both abort it before failover replaces
// it). Empty when `delivery` is null or does not listen to aborts.
CallAbortedListener abort_listener_for_one_connection(
    const std::shared_ptr<const EventDelivery>& delivery);

}  // namespace awrap::internal
