#include "py_log.hpp"

#include <atomic>
#include <memory>
#include <string>

#include "awrap/log.hpp"

namespace awrap::python {
namespace {

// The callable lives in a shared block owned by the sink, deleted only with the GIL held.
struct PythonEmitter {
  py::object emit;
  std::atomic<bool> alive{true};
};

}  // namespace

void install_log_sink(py::object emit) {
  auto emitter =
      std::shared_ptr<PythonEmitter>(new PythonEmitter{std::move(emit)}, [](PythonEmitter* e) {
        if (e->alive && Py_IsInitialized()) {
          py::gil_scoped_acquire gil;
          delete e;
        } else {
          // Interpreter gone: leak the reference.
          e->emit.release();
          delete e;
        }
      });
  LogSink sink = [emitter](LogLevel level, std::string_view message) {
    if (!emitter->alive.load() || !Py_IsInitialized()) return;
    py::gil_scoped_acquire gil;
    if (!emitter->alive.load()) return;
    try {
      emitter->emit(static_cast<int>(level), py::str(message.data(), message.size()));
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
