// One chunk of the chaos benchmark (driven by bench/chaos/run): brings a lab cluster up, runs
// the seeded chaos sequence of tests/support/chaos.hpp, prints the per-fault table and writes the
// report as JSON. Exit status 0 when every outcome was true, 1 when there were violations, 2 on a
// usage or lab error.
//
//   chaos_run --engine pg|mariadb --faults N --seed S [--kinds a,b,...] [--json FILE]
//             [--disguised-writes]   (writes that look like reads; see ChaosOptions)
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

#include "support/chaos.hpp"
#include "support/lab_cluster.hpp"

namespace {

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> parts;
  std::stringstream stream(text);
  for (std::string part; std::getline(stream, part, ',');) {
    if (!part.empty()) parts.push_back(part);
  }
  return parts;
}

int usage(const std::string& problem) {
  std::cerr << "chaos_run: " << problem
            << "\nusage: chaos_run --engine pg|mariadb --faults N --seed S [--kinds a,b] "
               "[--json FILE] [--disguised-writes] [--quiet]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  awrap::internal::testing::ChaosOptions options;
  std::string json_path;
  for (int i = 1; i < argc; ++i) {
    const std::string_view argument = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(std::string(argument) + " needs a value");
      return argv[++i];
    };
    try {
      if (argument == "--engine") {
        options.engine = value();
        if (options.engine != "pg" && options.engine != "mariadb") {
          return usage("--engine must be pg or mariadb, got " + options.engine);
        }
      } else if (argument == "--faults") {
        options.faults = std::stoi(value());
        if (options.faults < 1) return usage("--faults must be at least 1");
      } else if (argument == "--seed") {
        options.seed = std::stoull(value());
      } else if (argument == "--kinds") {
        options.kinds = split(value());
        const auto& known = awrap::internal::testing::all_chaos_kinds();
        for (const auto& kind : options.kinds) {
          if (std::find(known.begin(), known.end(), kind) == known.end()) {
            return usage("unknown fault kind " + kind);
          }
        }
      } else if (argument == "--json") {
        json_path = value();
      } else if (argument == "--disguised-writes") {
        options.disguised_writes = true;
      } else if (argument == "--quiet") {
        options.verbose = false;
      } else {
        return usage("unknown argument " + std::string(argument));
      }
    } catch (const std::exception& error) {
      return usage(error.what());
    }
  }
  try {
    const auto report = awrap::internal::testing::run_chaos(options);
    std::cout << report.table();
    if (!report.violations.empty()) {
      std::cout << "violations:\n" << report.describe_violations(200);
    }
    if (!json_path.empty()) std::ofstream(json_path) << report.to_json().dump(1) << "\n";
    return report.ok() ? 0 : 1;
  } catch (const std::exception& error) {
    std::cerr << "chaos_run: " << error.what() << "\n";
    return 2;
  }
}
