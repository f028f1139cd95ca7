#include "plugin/failover/failover_mode.hpp"

namespace awrap::internal {

FailoverMode resolve_failover_mode(std::string_view configured, bool reader_endpoint) {
  if (configured == "strict_writer") return FailoverMode::kStrictWriter;
  if (configured == "reader_or_writer") return FailoverMode::kReaderOrWriter;
  if (configured == "strict_reader") return FailoverMode::kStrictReader;
  return reader_endpoint ? FailoverMode::kReaderOrWriter : FailoverMode::kStrictWriter;
}

const char* to_string(FailoverMode mode) noexcept {
  switch (mode) {
    case FailoverMode::kStrictWriter:
      return "strict_writer";
    case FailoverMode::kReaderOrWriter:
      return "reader_or_writer";
    case FailoverMode::kStrictReader:
      return "strict_reader";
  }
  return "strict_writer";
}

}  // namespace awrap::internal
