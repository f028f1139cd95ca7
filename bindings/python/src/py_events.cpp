#include "py_events.hpp"

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include "py_callable.hpp"

namespace awrap::python {
namespace {

// Set at interpreter exit: a monitor thread must not start a call into a finalizing interpreter.
std::atomic<bool> stopped{false};

py::object namespace_of(py::dict fields) {
  return py::module_::import("types").attr("SimpleNamespace")(**fields);
}

py::object optional_ms(const std::optional<std::chrono::milliseconds>& value) {
  return value ? py::object(py::int_(value->count())) : py::object(py::none());
}

py::object to_python(const FailoverStartedEvent& e) {
  py::dict d;
  d["from_host"] = e.from.endpoint();
  d["reason"] = e.reason;
  return namespace_of(d);
}

py::object to_python(const FailoverEvent& e) {
  py::dict d;
  d["result"] = to_string(e.result);
  d["from_host"] = e.from.endpoint();
  d["to_host"] = e.to ? py::object(py::str(e.to->endpoint())) : py::object(py::none());
  d["to_role"] = e.to ? py::object(py::str(to_string(e.to->role))) : py::object(py::none());
  d["duration_ms"] = e.duration.count();
  d["reason"] = e.reason;
  d["error"] = e.error;
  py::list lost;
  for (const auto& entry : e.session_state_not_restored) lost.append(entry);
  d["session_state_not_restored"] = lost;
  return namespace_of(d);
}

py::object to_python(const CallAbortedEvent& e) {
  py::dict d;
  d["host"] = e.host.endpoint();
  d["reason"] = to_string(e.reason);
  d["detail"] = e.detail;
  d["call_duration_ms"] = optional_ms(e.call_duration);
  return namespace_of(d);
}

// A C++ listener that calls `callable` with the event converted, holding the GIL.
template <typename Event>
std::function<void(const Event&)> listener(const py::object& callable, const char* name) {
  if (callable.is_none()) return {};
  if (!PyCallable_Check(callable.ptr()))
    throw py::type_error(std::string(name) + " must be a callable taking one event, or None, not " +
                         std::string(py::str(py::type::of(callable).attr("__name__"))));
  auto shared = share_callable(callable);
  return [shared, name](const Event& event) {
    if (stopped.load() || !Py_IsInitialized()) return;
    py::gil_scoped_acquire gil;
    try {
      (*shared)(to_python(event));
    } catch (py::error_already_set& e) {
      e.discard_as_unraisable(name);
    }
  };
}

}  // namespace

ConnectionEvents make_connection_events(const py::object& on_failover_started,
                                        const py::object& on_failover,
                                        const py::object& on_call_aborted) {
  ConnectionEvents events;
  events.on_failover_started =
      listener<FailoverStartedEvent>(on_failover_started, "on_failover_started");
  events.on_failover = listener<FailoverEvent>(on_failover, "on_failover");
  events.on_call_aborted = listener<CallAbortedEvent>(on_call_aborted, "on_call_aborted");
  return events;
}

void stop_events() noexcept {
  stopped.store(true);
}

}  // namespace awrap::python
