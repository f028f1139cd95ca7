// awrap's log sink into Python's logging. Messages arrive already masked (awrap masks every
// message before its sink). The sink may run on awrap's background threads: it takes the GIL, and
// once the interpreter is shutting down it drops messages instead of calling into Python.
#pragma once

#include <pybind11/pybind11.h>

namespace awrap::python {

namespace py = pybind11;

// `emit(level: int, message: str)`; level is awrap::LogLevel's value (0 trace … 4 error).
void install_log_sink(py::object emit);
// Restores awrap's default sink (stderr) and stops all calls into Python. Called at exit.
void remove_log_sink();

}  // namespace awrap::python
