#include "plugin/aws_secrets_manager/secret_cache.hpp"

#include <vector>

#include "awrap/errors.hpp"
#include "base/logging.hpp"
#include "base/thread_annotations.hpp"

namespace awrap::internal::plugin::secrets_manager {

SecretCache::SecretCache(std::shared_ptr<const aws::Clock> clock) : clock_(std::move(clock)) {}

std::shared_ptr<SecretCache::Slot> SecretCache::slot_for(const SecretCacheKey& key) {
  MutexLock lock(mutex_);
  auto& slot = slots_[key];
  if (!slot) slot = std::make_shared<Slot>();
  return slot;
}

CachedSecret SecretCache::fetch_into(Slot& slot, const Fetch& fetch) {
  CachedSecret fresh;
  fresh.value = fetch();
  fresh.fetched_at = clock_->now();
  fresh.generation = ++slot.generation;
  slot.entry = fresh;
  fresh.fetched_now = true;
  return fresh;
}

CachedSecret SecretCache::get(const SecretCacheKey& key, std::chrono::seconds lifetime,
                              const Fetch& fetch) {
  std::shared_ptr<Slot> slot = slot_for(key);
  MutexLock lock(slot->mutex);
  if (slot->entry && clock_->now() < slot->entry->fetched_at + lifetime) return *slot->entry;
  try {
    return fetch_into(*slot, fetch);
  } catch (const AuthError& error) {
    if (!slot->entry) throw;
    AWRAP_LOG(kWarning) << "secrets manager: cannot refresh secret '" << key.secret_id
                        << "', using the one fetched earlier: " << error.what();
    return *slot->entry;
  }
}

CachedSecret SecretCache::refresh(const SecretCacheKey& key, const CachedSecret& refused,
                                  const Fetch& fetch) {
  std::shared_ptr<Slot> slot = slot_for(key);
  MutexLock lock(slot->mutex);
  if (slot->entry && slot->entry->generation > refused.generation) return *slot->entry;
  return fetch_into(*slot, fetch);
}

void SecretCache::invalidate(const SecretCacheKey& key) {
  std::shared_ptr<Slot> slot;
  {
    MutexLock lock(mutex_);
    auto it = slots_.find(key);
    if (it == slots_.end()) return;
    slot = it->second;
  }
  MutexLock lock(slot->mutex);
  slot->entry.reset();
}

void SecretCache::clear() {
  MutexLock lock(mutex_);
  slots_.clear();  // a fetch in progress keeps its slot alive and stores into it harmlessly
}

std::size_t SecretCache::size() const {
  std::vector<std::shared_ptr<Slot>> slots;
  {
    MutexLock lock(mutex_);  // not held while waiting for a slot: fetches take time
    for (const auto& [key, slot] : slots_) slots.push_back(slot);
  }
  std::size_t count = 0;
  for (const auto& slot : slots) {
    MutexLock slot_lock(slot->mutex);
    if (slot->entry) ++count;
  }
  return count;
}

}  // namespace awrap::internal::plugin::secrets_manager
