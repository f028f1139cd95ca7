// awrap._native: the thin C++ layer under the awrap Python package (bindings/python/awrap).
// The DB-API surface (cursors, paramstyle, type objects, exceptions) is Python; this module holds
// what must be fast or must run without the GIL: connections, statements, row conversion, the log
// sink and the connection events' listeners.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>

#include "awrap/log.hpp"
#include "py_connection.hpp"
#include "py_errors.hpp"
#include "py_events.hpp"
#include "py_log.hpp"
#include "py_result.hpp"

namespace py = pybind11;
using awrap::python::PyConnection;
using awrap::python::PyResult;

PYBIND11_MODULE(_native, m) {
  m.doc() = "awrap's native layer; use the awrap package instead";
  awrap::python::register_error_translator();

  py::class_<PyResult>(m, "Result")
      .def_property_readonly("row_count", &PyResult::row_count)
      .def_property_readonly("rowcount", &PyResult::rowcount)
      .def_property_readonly("column_count", &PyResult::column_count)
      .def("columns", &PyResult::columns)
      .def("row", &PyResult::row)
      .def("rows", &PyResult::rows);

  py::class_<PyConnection>(m, "Connection")
      .def(py::init([](const std::string& conninfo, const awrap::PropertyMap& properties,
                       const py::object& on_failover_started, const py::object& on_failover,
                       const py::object& on_call_aborted) {
             return std::make_unique<PyConnection>(
                 conninfo, properties,
                 awrap::python::make_connection_events(on_failover_started, on_failover,
                                                       on_call_aborted));
           }),
           py::arg("conninfo"), py::arg("properties"), py::arg("on_failover_started") = py::none(),
           py::arg("on_failover") = py::none(), py::arg("on_call_aborted") = py::none())
      .def("execute", &PyConnection::execute, py::arg("sql"), py::arg("params") = py::none())
      .def("commit", &PyConnection::commit)
      .def("rollback", &PyConnection::rollback)
      .def("set_autocommit", &PyConnection::set_autocommit)
      .def("autocommit", &PyConnection::autocommit)
      .def("set_read_only", &PyConnection::set_read_only)
      .def("read_only", &PyConnection::read_only)
      .def("in_transaction", &PyConnection::in_transaction)
      .def("cancel", &PyConnection::cancel)
      .def("close", &PyConnection::close)
      .def("closed", &PyConnection::closed)
      .def("current_host", &PyConnection::current_host)
      .def_property_readonly("engine", &PyConnection::engine);

  m.def("set_converters", [](py::dict pg, py::dict mysql) {
    awrap::python::converters().pg = std::move(pg);
    awrap::python::converters().mysql = std::move(mysql);
  });
  m.def("install_log_sink", &awrap::python::install_log_sink);
  m.def("remove_log_sink", &awrap::python::remove_log_sink);
  m.def("stop_events", &awrap::python::stop_events);
  m.def("set_log_level",
        [](int level) { awrap::set_log_level(static_cast<awrap::LogLevel>(level)); });
  m.def("log_level", [] { return static_cast<int>(awrap::log_level()); });
  m.def("mask_secrets", [](std::string_view text) { return awrap::mask_secrets(text); });
}
