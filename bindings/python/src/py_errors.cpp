#include "py_errors.hpp"

#include <pybind11/pybind11.h>

#include <string>

#include "awrap/errors.hpp"

namespace awrap::python {
namespace {

namespace py = pybind11;

void raise_python(const Error& e) {
  const auto* config = dynamic_cast<const ConfigError*>(&e);
  py::object factory = py::module_::import("awrap.errors").attr("_from_native");
  py::object error = factory(error_class_name(e), e.what(), e.sqlstate(), e.native_code(), e.host(),
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
