// Uses only the installed public headers; prints how a bad property is reported.
#include <awrap/awrap.hpp>
#include <iostream>

int main() {
  try {
    awrap::Connection::open("postgresql://nobody@127.0.0.1/x", {{"connect_timeout", "soon"}});
  } catch (const awrap::ConfigError& e) {
    std::cout << "ConfigError: " << e.what() << "\n";
    return 0;
  }
  return 1;
}
