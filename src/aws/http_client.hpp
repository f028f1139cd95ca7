// A small HTTPS client on libcurl for AWS endpoints (STS, IMDS, container credentials, Secrets
// Manager): one request at a time, certificate verification always on, a timeout on every
// request.
//
//   aws::CurlHttpClient http({.ca_bundle = env("AWS_CA_BUNDLE").value_or("")});
//   auto response = http.send({.method = "GET", .url = "https://example.com/",
//                              .timeout = std::chrono::seconds(2)});
//
// Thread-safety: a CurlHttpClient may be used by several threads at once (each send() has its
// own curl handle). Nothing is logged but the method, the host and the status: URLs of AWS
// endpoints may carry presigned query strings, bodies may carry secrets.
#pragma once

#include <chrono>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace awrap::internal::aws {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // The whole request (connect, TLS, transfer). REQUIRES: > 0.
  std::chrono::milliseconds timeout{5000};
  // Budget to establish the connection, within `timeout`; 0 means `timeout`.
  std::chrono::milliseconds connect_timeout{0};
};

struct HttpResponse {
  long status = 0;
  std::string body;
};

// Failures to get any HTTP response at all (DNS, refused, TLS, timeout). The message names the
// request's method, host and the libcurl reason; never the URL's query or the body.
class HttpTransportError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Any HTTP status is a response; throws HttpTransportError when there is none.
  virtual HttpResponse send(const HttpRequest& request) const = 0;
};

struct HttpClientOptions {
  // PEM file of CA certificates to trust instead of the system's (AWS_CA_BUNDLE). Empty: system.
  std::string ca_bundle;
};

class CurlHttpClient final : public HttpClient {
 public:
  explicit CurlHttpClient(HttpClientOptions options = {});
  HttpResponse send(const HttpRequest& request) const override;

 private:
  HttpClientOptions options_;
};

// The scheme-less host[:port] of a URL, for messages.
std::string url_host_for_messages(const std::string& url);

}  // namespace awrap::internal::aws
