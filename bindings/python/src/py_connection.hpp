// One awrap::Connection owned by a Python object. Every call that can touch the network runs with
// the GIL released, so other Python threads go on while this one waits (a slow query, a failover).
// Calls on one connection are serialised by a mutex (PEP 249 threadsafety 1 asks no more, but a
// close() racing an execute() from another thread must not free the connection under it);
// cancel() alone bypasses it, as awrap::Connection::cancel allows.
#pragma once

#include <pybind11/pybind11.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "awrap/connection.hpp"
#include "py_result.hpp"

namespace awrap::python {

class PyConnection {
 public:
  // `events`: the Python callables' listeners (py_events.hpp).
  PyConnection(const std::string& conninfo, const PropertyMap& properties,
               ConnectionEvents events = {});
  ~PyConnection();
  PyConnection(const PyConnection&) = delete;
  PyConnection& operator=(const PyConnection&) = delete;

  // `params`: None or a sequence of None, bool, int, float, str or bytes (the Python layer has
  // already turned other types into one of these).
  std::unique_ptr<PyResult> execute(std::string_view sql, const py::object& params);
  void commit();
  void rollback();
  void set_autocommit(bool on);
  bool autocommit();
  void set_read_only(bool on);
  bool read_only();
  // True while a transaction is open (or failed and not yet rolled back).
  bool in_transaction();
  void cancel();
  void close();
  bool closed();
  std::string engine() const { return engine_; }
  // "host:port" of the current physical connection.
  std::string current_host();

 private:
  // Runs `call` on the open connection without the GIL and under the connection's mutex.
  template <typename Call>
  auto locked(Call&& call);

  std::mutex mutex_;                      // held for every call but cancel()
  std::mutex lifetime_mutex_;             // held by cancel() and while connection_ is reset
  std::optional<Connection> connection_;  // changed under both mutexes
  std::string engine_;
  bool mysql_ = false;
};

}  // namespace awrap::python
