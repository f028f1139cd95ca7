// Runs N `SELECT 1` round trips through one client, for instruction counting under callgrind
// (bench/overhead_instructions.sh): the difference between N and 2N runs is the client-side cost
// of N calls, independent of machine load.
//   select_loop direct_libpq|awrap_no_plugins|awrap_default_plugins N [conninfo]
#include <libpq-fe.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include "awrap/awrap.hpp"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr
        << "usage: select_loop direct_libpq|awrap_no_plugins|awrap_default_plugins N [conninfo]\n";
    return 2;
  }
  std::string mode = argv[1];
  long n = std::atol(argv[2]);
  std::string conninfo =
      argc > 3 ? argv[3]
               : "host=127.0.0.40 port=5432 user=awrap password=awrap-lab-password dbname=awrap";
  if (mode == "direct_libpq") {
    std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(conninfo.c_str()), &PQfinish);
    if (PQstatus(conn.get()) != CONNECTION_OK) return 1;
    for (long i = 0; i < n; ++i) PQclear(PQexec(conn.get(), "SELECT 1"));
    return 0;
  }
  awrap::PropertyMap props;
  if (mode == "awrap_no_plugins")
    props["wrapper_plugins"] = "";
  else if (mode != "awrap_default_plugins")
    return 2;
  auto conn = awrap::Connection::open(conninfo, props);
  for (long i = 0; i < n; ++i) conn.execute("SELECT 1");
  return 0;
}
