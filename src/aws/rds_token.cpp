#include "aws/rds_token.hpp"

#include <cctype>

#include "aws/sigv4.hpp"
#include "base/thread_annotations.hpp"

namespace awrap::internal::aws {

std::string generate_rds_auth_token(std::string_view host, int port, std::string_view user,
                                    std::string_view region, const Credentials& credentials,
                                    std::chrono::system_clock::time_point now,
                                    std::chrono::seconds expires) {
  std::string port_text = std::to_string(port);
  // botocore signs https://host:port; an https URL's default port is dropped from the Host
  // header it signs, so ":443" is signed as nothing while the token still carries it.
  std::string host_header;
  host_header.reserve(host.size() + 6);
  for (char c : host)
    host_header.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (port != 443) host_header.append(":").append(port_text);

  QueryParameters parameters{{"Action", "connect"}, {"DBUser", std::string(user)}};
  PresignedQuery presigned = presign_query(
      "GET", "/", parameters, host_header,
      {credentials.access_key_id, credentials.secret_access_key, credentials.session_token},
      {region, "rds-db", now}, expires);

  std::string token;
  token.reserve(host.size() + port_text.size() + 3 + presigned.query.size());
  token.append(host).append(":").append(port_text).append("/?").append(presigned.query);
  return token;
}

std::size_t RdsTokenKeyHash::operator()(const RdsTokenKey& key) const noexcept {
  std::hash<std::string> hash_string;
  std::size_t seed = hash_string(key.host);
  auto mix = [&seed](std::size_t value) {
    seed ^= value + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2);
  };
  mix(hash_string(key.user));
  mix(hash_string(key.region));
  mix(std::hash<int>{}(key.port));
  return seed;
}

RdsTokenCache::RdsTokenCache(std::shared_ptr<const Clock> clock) : clock_(std::move(clock)) {}

std::string RdsTokenCache::find(const RdsTokenKey& key) const {
  auto now = clock_->now();
  MutexLock lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end() || now >= it->second.expires_at) return {};
  return it->second.token;
}

void RdsTokenCache::store(const RdsTokenKey& key, std::string token,
                          std::chrono::seconds lifetime) {
  auto expires_at = clock_->now() + lifetime;
  MutexLock lock(mutex_);
  // Drop stale entries on the way so a long-running process with many users stays small.
  std::erase_if(entries_, [&](const auto& entry) {
    return entry.second.expires_at <= expires_at - lifetime;
  });
  entries_.insert_or_assign(key, Entry{std::move(token), expires_at});
}

void RdsTokenCache::invalidate(const RdsTokenKey& key) {
  MutexLock lock(mutex_);
  entries_.erase(key);
}

void RdsTokenCache::clear() {
  MutexLock lock(mutex_);
  entries_.clear();
}

std::size_t RdsTokenCache::size() const {
  MutexLock lock(mutex_);
  return entries_.size();
}

std::string RdsTokenCache::get_or_generate(const RdsTokenKey& key, std::chrono::seconds lifetime,
                                           const std::function<std::string()>& generate) {
  std::string token = find(key);
  if (!token.empty()) return token;
  token = generate();
  store(key, token, lifetime);
  return token;
}

}  // namespace awrap::internal::aws
