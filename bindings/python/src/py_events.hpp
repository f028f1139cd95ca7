// Connection events (awrap/events.hpp) for Python: awrap.connect(..., on_failover=f,
// on_failover_started=f, on_call_aborted=f). Each callable receives one object with the event's
// fields (types.SimpleNamespace; docs/python.md). on_call_aborted runs on awrap's monitor threads:
// the call takes the GIL there (every awrap call from Python releases it, so it is free soon). An
// exception the callable raises goes to sys.unraisablehook and changes nothing. After
// stop_events() (called at interpreter exit) nothing more is delivered.
#pragma once

#include <pybind11/pybind11.h>

#include "awrap/events.hpp"

namespace awrap::python {

namespace py = pybind11;

// Listeners calling the given callables; None leaves a listener unset. Throws TypeError when one
// is neither None nor callable.
ConnectionEvents make_connection_events(const py::object& on_failover_started,
                                        const py::object& on_failover,
                                        const py::object& on_call_aborted);

void stop_events() noexcept;

}  // namespace awrap::python
