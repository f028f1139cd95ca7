// awrap's C++ exceptions become the Python package's PEP 249 exceptions. The translator asks
// awrap.errors._from_native(kind, message, sqlstate, native_code, host, property) for the
// exception object, so the Python side owns the class hierarchy and the SQLSTATE mapping.
#pragma once

namespace awrap::python {

void register_error_translator();

}  // namespace awrap::python
