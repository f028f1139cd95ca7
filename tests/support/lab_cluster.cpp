#include "lab_cluster.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <utility>

extern char** environ;

namespace awrap::internal::testing {
namespace {

// Owns a file descriptor; closes it on destruction.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    reset(std::exchange(other.fd_, -1));
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  int get() const noexcept { return fd_; }
  void reset(int fd = -1) noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

struct Pipe {
  Fd read_end;
  Fd write_end;
};

Pipe make_pipe() {
  std::array<int, 2> fds{};
  if (::pipe2(fds.data(), O_CLOEXEC) != 0) {
    throw LabError(std::string("pipe2 failed: ") + std::strerror(errno));
  }
  return Pipe{Fd(fds[0]), Fd(fds[1])};
}

// Owns posix_spawn_file_actions_t.
class SpawnActions {
 public:
  SpawnActions() { posix_spawn_file_actions_init(&actions_); }
  ~SpawnActions() { posix_spawn_file_actions_destroy(&actions_); }
  SpawnActions(const SpawnActions&) = delete;
  SpawnActions& operator=(const SpawnActions&) = delete;
  posix_spawn_file_actions_t* get() noexcept { return &actions_; }

 private:
  posix_spawn_file_actions_t actions_{};
};

std::string join_arguments(const std::vector<std::string>& arguments) {
  std::string joined;
  for (const auto& argument : arguments) {
    if (!joined.empty()) joined += ' ';
    joined += argument;
  }
  return joined;
}

// Reads stdout and stderr together so neither pipe can fill up and block the child.
void drain(int out_fd, int err_fd, std::string& out, std::string& err) {
  std::array<pollfd, 2> fds{pollfd{out_fd, POLLIN, 0}, pollfd{err_fd, POLLIN, 0}};
  int open_count = 2;
  std::array<char, 8192> buffer{};
  while (open_count > 0) {
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      throw LabError(std::string("poll failed: ") + std::strerror(errno));
    }
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t n = ::read(fds[i].fd, buffer.data(), buffer.size());
      if (n > 0) {
        (i == 0 ? out : err).append(buffer.data(), static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        fds[i].fd = -1;
        --open_count;
      }
    }
  }
}

bool keep_clusters() {
  const char* keep = std::getenv("AWLAB_KEEP");
  return keep != nullptr && std::string_view(keep) == "1";
}

}  // namespace

std::string_view to_string(LabFault fault) noexcept {
  switch (fault) {
    case LabFault::kCrash:
      return "crash";
    case LabFault::kStop:
      return "stop";
    case LabFault::kHang:
      return "hang";
    case LabFault::kBlackhole:
      return "blackhole";
    case LabFault::kStall:
      return "stall";
  }
  return "crash";
}

const LabNode& LabStatus::node(std::string_view node_name) const {
  for (const auto& candidate : nodes) {
    if (candidate.name == node_name) return candidate;
  }
  throw LabError("lab cluster " + name + " has no node " + std::string(node_name));
}

LabStatus LabStatus::from_json(const nlohmann::json& status) {
  LabStatus parsed;
  parsed.name = status.at("name").get<std::string>();
  parsed.engine = status.at("engine").get<std::string>();
  parsed.flavour = status.at("flavour").get<std::string>();
  parsed.writer = status.at("writer").get<std::string>();
  parsed.host_pattern = status.at("host_pattern").get<std::string>();
  parsed.cluster_endpoint = status.at("cluster_endpoint").get<std::string>();
  parsed.reader_endpoint = status.at("reader_endpoint").get<std::string>();
  parsed.events_path = status.at("events").get<std::string>();
  for (const auto& entry : status.at("nodes")) {
    LabNode node;
    node.name = entry.at("name").get<std::string>();
    node.host = entry.at("host").get<std::string>();
    node.hostname = entry.value("hostname", std::string());
    node.port = entry.at("port").get<int>();
    node.role = entry.at("role").get<std::string>();
    node.state = entry.at("state").get<std::string>();
    if (!entry.at("pid").is_null()) node.pid = entry.at("pid").get<std::int64_t>();
    const nlohmann::json network = entry.value("network", nlohmann::json::object());
    if (network.contains("latency")) {
      node.latency_ms = network.at("latency").at("delay_ms").get<double>();
    }
    if (network.contains("loss_percent")) {
      node.loss_percent = network.at("loss_percent").get<double>();
    }
    parsed.nodes.push_back(std::move(node));
  }
  return parsed;
}

std::string LabCluster::awlab_path() {
  if (const char* from_env = std::getenv("AWLAB"); from_env != nullptr && *from_env != '\0') {
    return from_env;
  }
  return AWRAP_SOURCE_DIR "/lab/awlab";
}

LabRun LabCluster::run_awlab(const std::vector<std::string>& arguments, bool check) {
  std::vector<std::string> argv_strings{awlab_path()};
  argv_strings.insert(argv_strings.end(), arguments.begin(), arguments.end());
  std::vector<char*> argv;
  for (auto& argument : argv_strings) argv.push_back(argument.data());
  argv.push_back(nullptr);

  Pipe out_pipe = make_pipe();
  Pipe err_pipe = make_pipe();
  SpawnActions actions;
  posix_spawn_file_actions_adddup2(actions.get(), out_pipe.write_end.get(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(actions.get(), err_pipe.write_end.get(), STDERR_FILENO);
  pid_t child = -1;
  const int spawn_error =
      ::posix_spawn(&child, argv[0], actions.get(), nullptr, argv.data(), environ);
  if (spawn_error != 0) {
    throw LabError("cannot run " + argv_strings[0] + ": " + std::strerror(spawn_error));
  }
  out_pipe.write_end.reset();
  err_pipe.write_end.reset();

  LabRun run;
  drain(out_pipe.read_end.get(), err_pipe.read_end.get(), run.out, run.err);
  int wait_status = 0;
  while (::waitpid(child, &wait_status, 0) < 0 && errno == EINTR) {
  }
  run.exit_code = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 128 + WTERMSIG(wait_status);
  if (check && run.exit_code != 0) {
    throw LabError("awlab " + join_arguments(arguments) + " failed (exit " +
                   std::to_string(run.exit_code) + "): " + run.err);
  }
  return run;
}

LabCluster LabCluster::up(LabOptions options) {
  std::vector<std::string> arguments{"up",
                                     "--name",
                                     options.name,
                                     "--engine",
                                     options.engine,
                                     "--flavour",
                                     options.flavour,
                                     "--nodes",
                                     std::to_string(options.nodes),
                                     "--base",
                                     options.base,
                                     "--dns-lag-ms",
                                     std::to_string(options.dns_lag_ms)};
  if (options.sync) arguments.emplace_back("--sync");
  for (const std::string& line : options.hba_lines) {
    arguments.insert(arguments.end(), {"--hba-line", line});
  }
  for (const std::string& setting : options.settings) {
    arguments.insert(arguments.end(), {"--setting", setting});
  }
  LabCluster cluster(std::move(options));
  cluster.run_for_status(arguments);
  return cluster;
}

LabCluster::LabCluster(LabCluster&& other) noexcept
    : options_(std::move(other.options_)), released_(std::exchange(other.released_, true)) {}

LabCluster& LabCluster::operator=(LabCluster&& other) noexcept {
  if (this != &other) {
    tear_down();
    options_ = std::move(other.options_);
    released_ = std::exchange(other.released_, true);
  }
  return *this;
}

LabCluster::~LabCluster() {
  tear_down();
}

void LabCluster::tear_down() noexcept {
  if (released_ || options_.name.empty() || keep_clusters()) return;
  try {
    run_awlab({"down", "--name", options_.name});
  } catch (const std::exception& error) {
    std::cerr << "lab cluster " << options_.name << " teardown failed: " << error.what() << '\n';
  }
  released_ = true;
}

LabStatus LabCluster::run_for_status(const std::vector<std::string>& arguments) const {
  const LabRun run = run_awlab(arguments);
  try {
    return LabStatus::from_json(nlohmann::json::parse(run.out));
  } catch (const nlohmann::json::exception& error) {
    throw LabError("awlab " + join_arguments(arguments) + " printed no status JSON (" +
                   error.what() + "): " + run.out + run.err);
  }
}

LabStatus LabCluster::status() const {
  return run_for_status({"status", "--name", name()});
}

LabNode LabCluster::writer() const {
  const LabStatus current = status();
  return current.node(current.writer);
}

LabNode LabCluster::node(std::string_view node_name) const {
  return status().node(node_name);
}

LabStatus LabCluster::fault(std::string_view node_name, LabFault fault,
                            std::optional<int> failover_after_ms) {
  return this->fault(node_name, to_string(fault), failover_after_ms);
}

LabStatus LabCluster::fault(std::string_view node_name, std::string_view kind,
                            std::optional<int> failover_after_ms) {
  std::vector<std::string> arguments{
      "fault", "--name", name(), "--node", std::string(node_name), "--kind", std::string(kind)};
  if (failover_after_ms) {
    arguments.insert(arguments.end(), {"--failover-after-ms", std::to_string(*failover_after_ms)});
  }
  return run_for_status(arguments);
}

LabStatus LabCluster::add_latency(std::string_view node_name, double delay_ms, double jitter_ms,
                                  int seed) {
  return run_for_status({"fault", "--name", name(), "--node", std::string(node_name), "--kind",
                         "latency", "--delay-ms", std::to_string(delay_ms), "--jitter-ms",
                         std::to_string(jitter_ms), "--seed", std::to_string(seed)});
}

LabStatus LabCluster::add_loss(std::string_view node_name, double percent) {
  return run_for_status({"fault", "--name", name(), "--node", std::string(node_name), "--kind",
                         "loss", "--percent", std::to_string(percent)});
}

LabStatus LabCluster::heal(std::string_view node_name) {
  return run_for_status({"heal", "--name", name(), "--node", std::string(node_name)});
}

LabStatus LabCluster::failover(std::optional<std::string> target) {
  std::vector<std::string> arguments{"failover", "--name", name()};
  if (target) arguments.insert(arguments.end(), {"--target", *target});
  return run_for_status(arguments);
}

LabStatus LabCluster::switchover(std::optional<std::string> target) {
  std::vector<std::string> arguments{"switchover", "--name", name()};
  if (target) arguments.insert(arguments.end(), {"--target", *target});
  return run_for_status(arguments);
}

LabStatus LabCluster::rejoin(std::string_view node_name) {
  return run_for_status({"rejoin", "--name", name(), "--node", std::string(node_name)});
}

std::string LabCluster::sql(std::string_view node_name, std::string_view statement) const {
  return run_awlab(
             {"sql", "--name", name(), "--node", std::string(node_name), std::string(statement)})
      .out;
}

std::vector<std::vector<std::string>> LabCluster::sql_rows(std::string_view node_name,
                                                           std::string_view statement) const {
  std::vector<std::vector<std::string>> rows;
  std::istringstream lines(sql(node_name, statement));
  for (std::string line; std::getline(lines, line);) {
    std::vector<std::string> fields;
    std::size_t start = 0;
    for (std::size_t tab = line.find('\t'); tab != std::string::npos;
         tab = line.find('\t', start)) {
      fields.push_back(line.substr(start, tab - start));
      start = tab + 1;
    }
    fields.push_back(line.substr(start));
    rows.push_back(std::move(fields));
  }
  return rows;
}

std::string LabCluster::events_path() const {
  return status().events_path;
}

std::vector<nlohmann::json> LabCluster::events() const {
  std::vector<nlohmann::json> parsed;
  std::ifstream file(events_path());
  for (std::string line; std::getline(file, line);) {
    if (!line.empty()) parsed.push_back(nlohmann::json::parse(line));
  }
  return parsed;
}

std::optional<nlohmann::json> LabCluster::last_event(std::string_view kind,
                                                     std::string_view node_name) const {
  std::optional<nlohmann::json> found;
  for (auto& entry : events()) {
    if (entry.value("event", std::string()) != kind) continue;
    if (!node_name.empty() && entry.value("node", std::string()) != node_name) continue;
    found = std::move(entry);
  }
  return found;
}

std::string LabCluster::conninfo(std::string_view node_name, std::string_view host_override) const {
  const LabNode target = node(node_name);
  const std::string host = host_override.empty() ? target.host : std::string(host_override);
  if (options_.engine == "mariadb") {
    return "mysql://awrap:awrap-lab-password@" + host + ":" + std::to_string(target.port) +
           "/awrap";
  }
  return "host=" + host + " port=" + std::to_string(target.port) +
         " user=awrap password=awrap-lab-password dbname=awrap";
}

std::string LabCluster::cluster_conninfo() const {
  const LabStatus current = status();
  return conninfo(current.writer, current.cluster_endpoint);
}

void LabClusterTest::SetUp() {
  cluster_.emplace(LabCluster::up(lab_options()));
}

void LabClusterTest::TearDown() {
  cluster_.reset();
}

LabCluster& LabClusterTest::cluster() {
  if (!cluster_) throw LabError("no lab cluster: SetUp did not run or failed");
  return *cluster_;
}

}  // namespace awrap::internal::testing
