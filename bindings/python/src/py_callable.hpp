// A Python callable that awrap's C++ threads may hold and call. Copies share one reference; the
// last owner drops it with the GIL held, or, once the interpreter is gone, leaks the reference
// instead of touching Python.
#pragma once

#include <pybind11/pybind11.h>

#include <memory>

namespace awrap::python {

namespace py = pybind11;

inline std::shared_ptr<py::object> share_callable(py::object callable) {
  return std::shared_ptr<py::object>(new py::object(std::move(callable)), [](py::object* o) {
    if (Py_IsInitialized()) {
      py::gil_scoped_acquire gil;
      delete o;
    } else {
      o->release();
      delete o;
    }
  });
}

}  // namespace awrap::python
