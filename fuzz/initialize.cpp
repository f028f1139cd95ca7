// Linked into every fuzz target: libFuzzer calls this once before the first input. The parsers
// log a warning for odd input thousands of times a second; a run should measure the parser.
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  awrap::internal::fuzz::quiet_logging();
  return 0;
}
