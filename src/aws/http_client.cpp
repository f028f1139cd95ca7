#include "aws/http_client.hpp"

#include <curl/curl.h>

#include <memory>
#include <mutex>
#include <stdexcept>

namespace awrap::internal::aws {
namespace {

struct CurlEasyDeleter {
  void operator()(CURL* handle) const noexcept { curl_easy_cleanup(handle); }
};
struct CurlSlistDeleter {
  void operator()(curl_slist* list) const noexcept { curl_slist_free_all(list); }
};
using CurlEasy = std::unique_ptr<CURL, CurlEasyDeleter>;
using CurlHeaderList = std::unique_ptr<curl_slist, CurlSlistDeleter>;

void ensure_curl_global_init() {
  // curl_global_init is not thread-safe on older libcurl; do it once, before any handle exists.
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::size_t append_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* body = static_cast<std::string*>(user);
  // AWS credential responses are small; refuse a runaway body rather than grow without bound.
  constexpr std::size_t kMaxBody = 4 * 1024 * 1024;
  if (body->size() + size * count > kMaxBody) return 0;
  body->append(data, size * count);
  return size * count;
}

template <typename Value>
void set_option(CURL* handle, CURLoption option, Value value, const HttpRequest& request) {
  if (curl_easy_setopt(handle, option, value) != CURLE_OK) {
    throw HttpTransportError("cannot configure HTTP request " + request.method + " " +
                             url_host_for_messages(request.url));
  }
}

}  // namespace

std::string url_host_for_messages(const std::string& url) {
  std::size_t start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  std::size_t end = url.find_first_of("/?#", start);
  std::string authority = url.substr(start, end == std::string::npos ? end : end - start);
  std::size_t at = authority.rfind('@');  // never show user:password@
  if (at != std::string::npos) authority = authority.substr(at + 1);
  return authority;
}

CurlHttpClient::CurlHttpClient(HttpClientOptions options) : options_(std::move(options)) {
  ensure_curl_global_init();
}

HttpResponse CurlHttpClient::send(const HttpRequest& request) const {
  CurlEasy handle(curl_easy_init());
  if (!handle) throw HttpTransportError("cannot create a libcurl handle");
  CURL* h = handle.get();
  HttpResponse response;

  set_option(h, CURLOPT_URL, request.url.c_str(), request);
  set_option(h, CURLOPT_NOSIGNAL, 1L, request);  // threads: no SIGALRM for DNS timeouts
  set_option(h, CURLOPT_SSL_VERIFYPEER, 1L, request);
  set_option(h, CURLOPT_SSL_VERIFYHOST, 2L, request);
  set_option(h, CURLOPT_PROTOCOLS_STR, "http,https", request);
  set_option(h, CURLOPT_FOLLOWLOCATION, 0L, request);
  if (!options_.ca_bundle.empty())
    set_option(h, CURLOPT_CAINFO, options_.ca_bundle.c_str(), request);
  long timeout_ms = static_cast<long>(request.timeout.count());
  set_option(h, CURLOPT_TIMEOUT_MS, timeout_ms > 0 ? timeout_ms : 5000L, request);
  long connect_ms = static_cast<long>(request.connect_timeout.count());
  if (connect_ms > 0) set_option(h, CURLOPT_CONNECTTIMEOUT_MS, connect_ms, request);
  set_option(h, CURLOPT_WRITEFUNCTION, &append_body, request);
  set_option(h, CURLOPT_WRITEDATA, static_cast<void*>(&response.body), request);

  CurlHeaderList headers;
  for (const auto& [name, value] : request.headers) {
    std::string line = name + ": " + value;
    curl_slist* appended = curl_slist_append(headers.get(), line.c_str());
    if (appended == nullptr) throw HttpTransportError("out of memory building HTTP headers");
    (void)headers.release();
    headers.reset(appended);
  }
  // libcurl would otherwise add "Expect: 100-continue" to larger POSTs and wait for it.
  if (curl_slist* appended = curl_slist_append(headers.get(), "Expect:")) {
    (void)headers.release();
    headers.reset(appended);
  }
  set_option(h, CURLOPT_HTTPHEADER, headers.get(), request);

  if (request.method == "GET") {
    set_option(h, CURLOPT_HTTPGET, 1L, request);
  } else {
    set_option(h, CURLOPT_CUSTOMREQUEST, request.method.c_str(), request);
    set_option(h, CURLOPT_POSTFIELDS, request.body.c_str(), request);
    set_option(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()),
               request);
  }

  CURLcode code = curl_easy_perform(h);
  if (code != CURLE_OK) {
    throw HttpTransportError(request.method + " " + url_host_for_messages(request.url) +
                             " failed: " + curl_easy_strerror(code));
  }
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

}  // namespace awrap::internal::aws
