// Secret strings from Secrets Manager, cached per (secret id, region, endpoint) for a Runtime (a
// service of it: base/runtime.hpp) and shared by every connection of it, with one fetch at a time
// per secret: when many connections need the same secret at once (start-up, a rotation), Secrets
// Manager sees one request, not one per connection.
//
//   SecretCache& cache = runtime.get<SecretCache>();  // shared by a Runtime's Connections
//   CachedSecret secret = cache.get(key, std::chrono::hours(1), [&] { return client.fetch(); });
//   ... the login with it is refused ...
//   CachedSecret newer = cache.refresh(key, secret, fetch);  // fetched after `secret` was
//
// The values are secrets: nothing here logs or formats them.
// Thread-safety: every member function may be called concurrently.
#pragma once

#include <chrono>
#include <compare>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "aws/clock.hpp"
#include "base/thread_annotations.hpp"

namespace awrap::internal::plugin::secrets_manager {

struct SecretCacheKey {
  std::string secret_id;
  std::string region;
  // Part of the key too: two endpoints (a test double, a VPC endpoint of another account) may
  // answer differently for one name.
  std::string endpoint;
  auto operator<=>(const SecretCacheKey&) const = default;
};

struct CachedSecret {
  std::string value;  // the SecretString
  std::chrono::system_clock::time_point fetched_at;
  std::uint64_t generation = 0;  // counts fetches of this key: larger is newer
  bool fetched_now = false;      // this call fetched it (not from the cache)
};

class SecretCache {
 public:
  // Fetches the secret string; throws (awrap::AuthError) when it cannot.
  using Fetch = std::function<std::string()>;

  explicit SecretCache(std::shared_ptr<const aws::Clock> clock = aws::system_clock());

  // The cached secret when younger than `lifetime`, else a new fetch (stored). When the fetch
  // fails and an expired value exists, that value is returned (logged as a warning: an outage
  // of Secrets Manager must not stop new connections while the database still takes it);
  // otherwise the error propagates.
  CachedSecret get(const SecretCacheKey& key, std::chrono::seconds lifetime, const Fetch& fetch);

  // A value fetched after `refused` was: the one another thread fetched meanwhile, or a new
  // fetch. Errors propagate and the cache keeps what it had.
  CachedSecret refresh(const SecretCacheKey& key, const CachedSecret& refused, const Fetch& fetch);

  void invalidate(const SecretCacheKey& key);
  void clear();
  std::size_t size() const;
  const aws::Clock& clock() const noexcept { return *clock_; }

 private:
  struct Slot {
    Mutex mutex;  // held while fetching: one fetch per key at a time
    std::optional<CachedSecret> entry GUARDED_BY(mutex);
    std::uint64_t generation GUARDED_BY(mutex) = 0;
  };
  std::shared_ptr<Slot> slot_for(const SecretCacheKey& key);
  CachedSecret fetch_into(Slot& slot, const Fetch& fetch) REQUIRES(slot.mutex);

  std::shared_ptr<const aws::Clock> clock_;
  mutable Mutex mutex_;
  std::map<SecretCacheKey, std::shared_ptr<Slot>> slots_ GUARDED_BY(mutex_);
};

}  // namespace awrap::internal::plugin::secrets_manager
