#include "core/event_delivery.hpp"

#include <exception>

#include "awrap/log.hpp"
#include "base/logging.hpp"

namespace awrap::internal {
namespace {

template <typename Listener, typename Event>
void deliver(const Listener& listener, const Event& event, const char* name) noexcept {
  if (!listener) return;
  try {
    listener(event);
  } catch (const std::exception& e) {
    AWRAP_LOG(kWarning) << "the application's " << name << " listener threw: " << e.what()
                        << " (ignored)";
  } catch (...) {
    AWRAP_LOG(kWarning) << "the application's " << name
                        << " listener threw a non-standard exception (ignored)";
  }
}

}  // namespace

void EventDelivery::failover_started(const FailoverStartedEvent& event) const noexcept {
  if (!listeners_.on_failover_started) return;
  try {
    FailoverStartedEvent out{event.from, mask_secrets(event.reason)};
    deliver(listeners_.on_failover_started, out, "on_failover_started");
  } catch (const std::exception& e) {  // building the copy (memory)
    AWRAP_LOG(kWarning) << "on_failover_started not delivered: " << e.what();
  }
}

void EventDelivery::failover(const FailoverEvent& event) const noexcept {
  if (!listeners_.on_failover) return;
  try {
    FailoverEvent out = event;
    out.reason = mask_secrets(event.reason);
    out.error = mask_secrets(event.error);
    for (auto& entry : out.session_state_not_restored) entry = mask_secrets(entry);
    deliver(listeners_.on_failover, out, "on_failover");
  } catch (const std::exception& e) {
    AWRAP_LOG(kWarning) << "on_failover not delivered: " << e.what();
  }
}

void EventDelivery::call_aborted(const CallAbortedEvent& event) const noexcept {
  if (!listeners_.on_call_aborted) return;
  try {
    CallAbortedEvent out = event;
    out.detail = mask_secrets(event.detail);
    deliver(listeners_.on_call_aborted, out, "on_call_aborted");
  } catch (const std::exception& e) {
    AWRAP_LOG(kWarning) << "on_call_aborted not delivered: " << e.what();
  }
}

CallAbortedListener abort_listener_for_one_connection(
    const std::shared_ptr<const EventDelivery>& delivery) {
  if (!delivery || !delivery->listens_to_aborts()) return {};
  return [delivery,
          reported = std::make_shared<std::atomic<bool>>(false)](const CallAbortedEvent& event) {
    if (!reported->exchange(true)) delivery->call_aborted(event);
  };
}

}  // namespace awrap::internal
