// What a lab cluster could leave behind on the machine (processes, iptables rules, its state
// folder, its /etc/hosts block): the lab's own tests check there is nothing after `awlab down`.
#pragma once

#include <string>

#include "support/lab_cluster.hpp"

namespace awrap::internal::testing {

struct LabLeftovers {
  int processes = 0;  // processes whose command line names the cluster's state folder
  bool iptables_rules = false;
  bool state_dir = false;
  bool hosts_block = false;
};

LabLeftovers lab_leftovers(const std::string& cluster_name, const std::string& state_dir);

// The cluster's state folder (where its data, logs and events live).
std::string lab_state_dir(const LabStatus& status);

}  // namespace awrap::internal::testing
