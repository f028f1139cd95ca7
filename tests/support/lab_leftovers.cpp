#include "support/lab_leftovers.hpp"

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>

namespace awrap::internal::testing {
namespace {

std::string command_output(const std::string& command) {
  std::unique_ptr<FILE, decltype(&pclose)> pipe(popen(command.c_str(), "r"), &pclose);
  std::string output;
  std::array<char, 4096> buffer{};
  while (pipe && fgets(buffer.data(), buffer.size(), pipe.get()) != nullptr)
    output += buffer.data();
  return output;
}

}  // namespace

LabLeftovers lab_leftovers(const std::string& cluster_name, const std::string& state_dir) {
  LabLeftovers found;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::string text;
    try {
      std::ifstream cmdline(entry.path() / "cmdline");
      text.assign(std::istreambuf_iterator<char>(cmdline), std::istreambuf_iterator<char>());
    } catch (const std::ios_base::failure&) {
      continue;  // the process ended while being read (ESRCH): not a leftover
    }
    if (text.find(state_dir + "/") != std::string::npos) ++found.processes;
  }
  found.iptables_rules =
      command_output("iptables -w -S").find("awlab:" + cluster_name + "\"") != std::string::npos;
  found.state_dir = std::filesystem::exists(state_dir);
  std::ifstream hosts("/etc/hosts");
  std::string text((std::istreambuf_iterator<char>(hosts)), std::istreambuf_iterator<char>());
  found.hosts_block = text.find("# BEGIN awlab:" + cluster_name + "\n") != std::string::npos;
  return found;
}

std::string lab_state_dir(const LabStatus& status) {
  return std::filesystem::path(status.events_path).parent_path().string();
}

}  // namespace awrap::internal::testing
