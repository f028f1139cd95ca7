#include "py_connection.hpp"

#include <cmath>
#include <vector>

namespace awrap::python {
namespace {

Param to_param(const py::handle& value) {
  PyObject* object = value.ptr();
  if (object == Py_None) return Param(nullptr);
  if (PyBool_Check(object)) return Param(object == Py_True);
  if (PyLong_Check(object)) {
    int overflow = 0;
    const long long number = PyLong_AsLongLongAndOverflow(object, &overflow);
    if (overflow == 0) return Param(static_cast<std::int64_t>(number));
    return Param(std::string(py::str(value)));  // arbitrary size: the server parses the digits
  }
  if (PyFloat_Check(object)) {
    const double number = PyFloat_AS_DOUBLE(object);
    if (std::isfinite(number)) return Param(number);
    return Param(std::string(std::isnan(number) ? "NaN" : number > 0 ? "Infinity" : "-Infinity"));
  }
  if (PyUnicode_Check(object)) {
    Py_ssize_t size = 0;
    const char* text = PyUnicode_AsUTF8AndSize(object, &size);
    if (text == nullptr) throw py::error_already_set();
    return Param(std::string(text, static_cast<std::size_t>(size)));
  }
  if (PyBytes_Check(object)) {
    return Param(
        std::string(PyBytes_AS_STRING(object), static_cast<std::size_t>(PyBytes_GET_SIZE(object))));
  }
  throw py::type_error("awrap._native: parameter of type " +
                       std::string(py::str(py::type::of(value).attr("__name__"))) +
                       " reached the native layer unconverted");
}

}  // namespace

PyConnection::PyConnection(const std::string& conninfo, const PropertyMap& properties,
                           ConnectionEvents events) {
  py::gil_scoped_release release;
  connection_.emplace(Connection::open(conninfo, properties, std::move(events)));
  engine_ = std::string(connection_->engine());
  mysql_ = engine_ == "mysql";
}

PyConnection::~PyConnection() {
  // Closing may wait on the network (a goodbye to the server): never with the GIL held.
  if (!connection_) return;
  py::gil_scoped_release release;
  std::lock_guard lock(mutex_);
  std::lock_guard lifetime(lifetime_mutex_);
  connection_.reset();
}

template <typename Call>
auto PyConnection::locked(Call&& call) {
  py::gil_scoped_release release;
  std::lock_guard lock(mutex_);
  if (!connection_) throw ConnectionClosedError("the connection is closed");
  return call(*connection_);
}

std::unique_ptr<PyResult> PyConnection::execute(std::string_view sql, const py::object& params) {
  std::vector<Param> values;
  if (!params.is_none()) {
    const py::sequence sequence = py::reinterpret_borrow<py::sequence>(params);
    values.reserve(sequence.size());
    for (const py::handle item : sequence) values.push_back(to_param(item));
  }
  Result result = locked([&](Connection& c) {
    return values.empty() ? c.execute(sql) : c.execute(sql, std::span<const Param>(values));
  });
  return std::make_unique<PyResult>(std::move(result), mysql_);
}

void PyConnection::commit() {
  locked([](Connection& c) { c.commit(); });
}

void PyConnection::rollback() {
  locked([](Connection& c) { c.rollback(); });
}

void PyConnection::set_autocommit(bool on) {
  locked([on](Connection& c) { c.set_autocommit(on); });
}

bool PyConnection::autocommit() {
  return locked([](Connection& c) { return c.autocommit(); });
}

void PyConnection::set_read_only(bool on) {
  locked([on](Connection& c) { c.set_read_only(on); });
}

bool PyConnection::read_only() {
  return locked([](Connection& c) { return c.read_only(); });
}

bool PyConnection::in_transaction() {
  return locked([](Connection& c) { return c.transaction_status() != TransactionStatus::kIdle; });
}

std::string PyConnection::current_host() {
  return locked([](Connection& c) { return c.current_host().endpoint(); });
}

void PyConnection::cancel() {
  // Not under mutex_: the statement to stop holds it.
  py::gil_scoped_release release;
  std::lock_guard lifetime(lifetime_mutex_);
  if (connection_) connection_->cancel();
}

void PyConnection::close() {
  py::gil_scoped_release release;
  std::lock_guard lock(mutex_);
  std::lock_guard lifetime(lifetime_mutex_);
  connection_.reset();
}

bool PyConnection::closed() {
  py::gil_scoped_release release;
  std::lock_guard lock(mutex_);
  return !connection_ || connection_->is_closed();
}

}  // namespace awrap::python
