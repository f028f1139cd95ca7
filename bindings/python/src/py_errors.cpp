#include "py_errors.hpp"

#include <pybind11/pybind11.h>

#include <string>

#include "awrap/errors.hpp"

namespace awrap::python {
namespace {

namespace py = pybind11;

// Most derived first; the names are the C++ class names (docs/errors.md).
const char* kind_of(const Error& e) {
  if (dynamic_cast<const FailoverSuccessError*>(&e)) return "FailoverSuccessError";
  if (dynamic_cast<const TransactionResolutionUnknownError*>(&e))
    return "TransactionResolutionUnknownError";
  if (dynamic_cast<const FailoverFailedError*>(&e)) return "FailoverFailedError";
  if (dynamic_cast<const ConfigError*>(&e)) return "ConfigError";
  if (dynamic_cast<const AuthError*>(&e)) return "AuthError";
  if (dynamic_cast<const ConnectError*>(&e)) return "ConnectError";
  if (dynamic_cast<const QueryCancelledError*>(&e)) return "QueryCancelledError";
  if (dynamic_cast<const ReadOnlyViolationError*>(&e)) return "ReadOnlyViolationError";
  if (dynamic_cast<const QueryError*>(&e)) return "QueryError";
  if (dynamic_cast<const ConnectionLostError*>(&e)) return "ConnectionLostError";
  if (dynamic_cast<const ReadWriteSplittingError*>(&e)) return "ReadWriteSplittingError";
  if (dynamic_cast<const ConnectionClosedError*>(&e)) return "ConnectionClosedError";
  return "Error";
}

void raise_python(const Error& e) {
  const auto* config = dynamic_cast<const ConfigError*>(&e);
  py::object factory = py::module_::import("awrap.errors").attr("_from_native");
  py::object error = factory(kind_of(e), e.what(), e.sqlstate(), e.native_code(), e.host(),
                             config ? py::object(py::str(config->property())) : py::none());
  PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(error.ptr())), error.ptr());
}

}  // namespace

void register_error_translator() {
  py::register_exception_translator([](std::exception_ptr pointer) {
    if (!pointer) return;
    try {
      std::rethrow_exception(pointer);
    } catch (const Error& e) {
      try {
        raise_python(e);
      } catch (py::error_already_set& failed) {
        failed.restore();  // the factory itself failed: report that rather than nothing
      }
    }
  });
}

}  // namespace awrap::python
