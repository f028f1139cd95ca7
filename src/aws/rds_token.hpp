// RDS IAM authentication tokens, byte for byte as `aws rds generate-db-auth-token` (botocore's
// generate_db_auth_token) makes them, and a process-wide cache of them.
//
//   std::string token = aws::generate_rds_auth_token(
//       "mydb.c1abc.us-east-1.rds.amazonaws.com", 5432, "iam_user", "us-east-1", credentials,
//       std::chrono::system_clock::now());
//   // "mydb.c1abc.us-east-1.rds.amazonaws.com:5432/?Action=connect&DBUser=iam_user&X-Amz-..."
//
// A token is a password: never log it, never put it in an error message.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "aws/clock.hpp"
#include "aws/credentials.hpp"
#include "base/thread_annotations.hpp"

namespace awrap::internal::aws {

// botocore hard-codes 900 s; RDS accepts at most 900 s.
inline constexpr std::chrono::seconds kRdsTokenMaxLifetime{900};
// How long awrap reuses a token by default (iam_expiration): shorter than its validity so a
// cached token is never presented just as it expires.
inline constexpr std::chrono::seconds kDefaultRdsTokenCacheLifetime{870};

// A presigned "connect" URL without the scheme, signed for service rds-db: `host` keeps the
// case it was given in; the signed host header is lowercased and, as botocore does, leaves out
// ":443". REQUIRES: credentials hold a key id and a secret; 0 < port < 65536.
std::string generate_rds_auth_token(std::string_view host, int port, std::string_view user,
                                    std::string_view region, const Credentials& credentials,
                                    std::chrono::system_clock::time_point now,
                                    std::chrono::seconds expires = kRdsTokenMaxLifetime);

struct RdsTokenKey {
  std::string region;
  std::string host;
  int port = 0;
  std::string user;
  bool operator==(const RdsTokenKey&) const = default;
};

struct RdsTokenKeyHash {
  std::size_t operator()(const RdsTokenKey& key) const noexcept;
};

// Tokens by (region, host, port, user), each reused until its lifetime passes on `clock`.
// Thread-safety: every member function may be called concurrently. generate() in
// get_or_generate runs outside the lock, so two threads may both generate on a miss (the later
// one wins); that costs one signature and never blocks readers behind a credential fetch.
class RdsTokenCache {
 public:
  explicit RdsTokenCache(std::shared_ptr<const Clock> clock = system_clock());

  // The cached token when it is still fresh, else empty.
  std::string find(const RdsTokenKey& key) const;
  void store(const RdsTokenKey& key, std::string token, std::chrono::seconds lifetime);
  void invalidate(const RdsTokenKey& key);
  void clear();
  std::size_t size() const;

  // The fresh cached token, or generate()'s result, stored for `lifetime`. Exceptions from
  // generate() propagate and nothing is stored.
  std::string get_or_generate(const RdsTokenKey& key, std::chrono::seconds lifetime,
                              const std::function<std::string()>& generate);

  const Clock& clock() const noexcept { return *clock_; }

 private:
  struct Entry {
    std::string token;
    std::chrono::system_clock::time_point expires_at;
  };
  std::shared_ptr<const Clock> clock_;
  mutable Mutex mutex_;
  std::unordered_map<RdsTokenKey, Entry, RdsTokenKeyHash> entries_ GUARDED_BY(mutex_);
};

}  // namespace awrap::internal::aws
