#include "py_log.hpp"

#include <memory>
#include <string>

#include "awrap/log.hpp"
#include "py_callable.hpp"

namespace awrap::python {

void install_log_sink(py::object emit) {
  auto callable = share_callable(std::move(emit));
  LogSink sink = [callable](LogLevel level, std::string_view message) {
    if (!Py_IsInitialized()) return;
    py::gil_scoped_acquire gil;
    try {
      (*callable)(static_cast<int>(level), py::str(message.data(), message.size()));
    } catch (py::error_already_set& e) {
      e.discard_as_unraisable("awrap log sink");
    }
  };
  // set_log_sink waits for a message in flight, which may need the GIL: release it meanwhile.
  py::gil_scoped_release release;
  set_log_sink(std::move(sink));
}

void remove_log_sink() {
  py::gil_scoped_release release;
  set_log_sink(nullptr);
}

}  // namespace awrap::python
