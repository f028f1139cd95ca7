#include "support/aws_endpoint_server.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "aws/http_client.hpp"

extern char** environ;

namespace awrap::internal::testing {
namespace {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void run_or_throw(const std::string& command) {
  if (std::system(command.c_str()) != 0) throw std::runtime_error("failed: " + command);
}

// A CA and a server certificate for 127.0.0.1 / localhost, valid two days (P-256 keys: fast).
void make_certificates(const std::filesystem::path& dir) {
  const std::string d = dir.string();
  const std::string quiet = " >/dev/null 2>&1";
  run_or_throw(
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout '" + d +
      "/ca.key' -out '" + d +
      "/ca.pem' -days 2 -subj '/CN=awrap test CA' -addext "
      "'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign,cRLSign'" +
      quiet);
  run_or_throw("openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout '" + d +
               "/server.key' -out '" + d + "/server.csr' -subj '/CN=127.0.0.1'" + quiet);
  std::ofstream(dir / "server.ext") << "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                                       "basicConstraints=CA:FALSE\n"
                                       "keyUsage=critical,digitalSignature,keyEncipherment\n"
                                       "extendedKeyUsage=serverAuth\n";
  run_or_throw("openssl x509 -req -in '" + d + "/server.csr' -CA '" + d + "/ca.pem' -CAkey '" + d +
               "/ca.key' -CAcreateserial -out '" + d + "/server.pem' -days 2 -extfile '" + d +
               "/server.ext'" + quiet);
}

}  // namespace

std::unique_ptr<AwsEndpointServer> AwsEndpointServer::start() {
  std::unique_ptr<AwsEndpointServer> server(new AwsEndpointServer());
  std::string pattern =
      (std::filesystem::temp_directory_path() / "awrap-aws-endpoint-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  server->directory_ = pattern;
  make_certificates(server->directory_);

  int stdin_pipe[2], stdout_pipe[2];
  if (pipe2(stdin_pipe, O_CLOEXEC) != 0 || pipe2(stdout_pipe, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe2 failed");
  }
  std::string script = std::string(AWRAP_SOURCE_DIR) + "/tests/support/aws_endpoint_server.py";
  std::string cert = (server->directory_ / "server.pem").string();
  std::string key = (server->directory_ / "server.key").string();
  std::string log = (server->directory_ / "server.log").string();
  std::vector<std::string> args{"/usr/bin/python3", script, "--cert", cert, "--key", key};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, stdin_pipe[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, stdout_pipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  int rc = posix_spawn(&server->pid_, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(stdin_pipe[0]);
  close(stdout_pipe[1]);
  server->stdin_fd_ = stdin_pipe[1];
  if (rc != 0) {
    close(stdout_pipe[0]);
    server->pid_ = -1;
    throw std::runtime_error("cannot start " + script);
  }

  // The first stdout line is {"port": N}; botocore's import takes a moment.
  std::string line;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    pollfd pfd{stdout_pipe[0], POLLIN, 0};
    if (poll(&pfd, 1, 200) <= 0) continue;
    char buffer[256];
    ssize_t n = read(stdout_pipe[0], buffer, sizeof buffer);
    if (n <= 0) break;
    line.append(buffer, static_cast<std::size_t>(n));
  }
  close(stdout_pipe[0]);
  auto parsed = nlohmann::json::parse(line, nullptr, false);
  if (!parsed.is_object() || !parsed.contains("port")) {
    throw std::runtime_error("aws_endpoint_server.py did not start: " +
                             read_file(server->directory_ / "server.log"));
  }
  server->port_ = parsed["port"].get<int>();
  return server;
}

AwsEndpointServer::~AwsEndpointServer() {
  if (stdin_fd_ >= 0) close(stdin_fd_);  // the server shuts down when its stdin closes
  if (pid_ > 0) {
    int status = 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  std::error_code ignored;
  if (!directory_.empty()) std::filesystem::remove_all(directory_, ignored);
}

std::string AwsEndpointServer::url(std::string_view path) const {
  return "https://127.0.0.1:" + std::to_string(port_) + std::string(path);
}

nlohmann::json AwsEndpointServer::admin(const std::string& method, const std::string& path,
                                        const std::string& body) {
  aws::CurlHttpClient http(aws::HttpClientOptions{ca_bundle()});
  aws::HttpRequest request;
  request.method = method;
  request.url = url(path);
  request.body = body;
  request.timeout = std::chrono::seconds(30);
  aws::HttpResponse response = http.send(request);
  if (response.status != 200) {
    throw std::runtime_error(path + " answered HTTP " + std::to_string(response.status));
  }
  return nlohmann::json::parse(response.body);
}

void AwsEndpointServer::configure(const nlohmann::json& update) {
  admin("POST", "/__admin/config", update.dump());
}

nlohmann::json AwsEndpointServer::requests() {
  return admin("GET", "/__admin/requests", "");
}

void AwsEndpointServer::reset_requests() {
  admin("POST", "/__admin/reset-requests", "");
}

nlohmann::json AwsEndpointServer::verify_rds_token(const std::string& token) {
  return admin("POST", "/__admin/verify-rds-token", nlohmann::json{{"token", token}}.dump());
}

}  // namespace awrap::internal::testing
