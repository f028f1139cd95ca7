// What the read/write splitting benchmarks share: timing statistics and how they reach a lab
// cluster through its cluster endpoint.
#pragma once

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "support/lab_cluster.hpp"

namespace awrap::internal::bench {

using Clock = std::chrono::steady_clock;

inline double micros(Clock::duration d) {
  return std::chrono::duration<double, std::micro>(d).count();
}

// The p-quantile (0..1) of `v`, by nearest rank below.
inline double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

// The cluster endpoint of a lab cluster as a connection string of the engine.
inline std::string cluster_endpoint_conninfo(const testing::LabStatus& status, bool pg) {
  return pg ? "host=" + status.cluster_endpoint +
                  " port=5432 user=awrap password=awrap-lab-password dbname=awrap"
            : "mysql://awrap:awrap-lab-password@" + status.cluster_endpoint + ":3306/awrap";
}

}  // namespace awrap::internal::bench
