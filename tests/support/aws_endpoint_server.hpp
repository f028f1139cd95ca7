// Starts tests/support/aws_endpoint_server.py (local HTTPS stand-in for STS, IMDSv2, container
// credentials and Secrets Manager, verifying SigV4 with botocore) for one test, with a fresh
// self-signed CA made by openssl, on 127.0.0.1 and a free port.
//
//   auto server = awrap::internal::testing::AwsEndpointServer::start();
//   server->configure({{"secrets", {{"prod/db", R"({"username":"u","password":"p"})"}}}});
//   env["AWS_CA_BUNDLE"] = server->ca_bundle();
//   env["AWS_ENDPOINT_URL_STS"] = server->url("/");
//   ...
//   auto log = server->requests();  // what the server saw, signature checks included
//
// The server process ends when this object is destroyed (its stdin closes; SIGKILL after 5 s).
// Not thread-safe: one test thread drives it.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

namespace awrap::internal::testing {

class AwsEndpointServer {
 public:
  // Throws std::runtime_error (with the server's stderr) when it cannot start.
  static std::unique_ptr<AwsEndpointServer> start();
  ~AwsEndpointServer();
  AwsEndpointServer(const AwsEndpointServer&) = delete;
  AwsEndpointServer& operator=(const AwsEndpointServer&) = delete;

  int port() const noexcept { return port_; }
  // "https://127.0.0.1:<port><path>"
  std::string url(std::string_view path = "/") const;
  // PEM file of the CA that signed the server's certificate (for AWS_CA_BUNDLE).
  std::string ca_bundle() const { return (directory_ / "ca.pem").string(); }
  const std::filesystem::path& directory() const noexcept { return directory_; }

  // Merges top-level keys into the server's configuration (see DEFAULT_CONFIG in the script).
  void configure(const nlohmann::json& update);
  // Every request the server handled so far.
  nlohmann::json requests();
  void reset_requests();
  // Recomputes an RDS IAM token with botocore: {"valid": bool, "reason": "..."}.
  nlohmann::json verify_rds_token(const std::string& token);

 private:
  AwsEndpointServer() = default;
  nlohmann::json admin(const std::string& method, const std::string& path, const std::string& body);

  std::filesystem::path directory_;
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int port_ = 0;
};

}  // namespace awrap::internal::testing
