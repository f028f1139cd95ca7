#include "aws/shared_credentials.hpp"

#include <map>
#include <memory>
#include <mutex>

namespace awrap::aws {

CachingCredentialsProvider& process_credentials_provider(const std::string& profile,
                                                         const std::string& region) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<CachingCredentialsProvider>> providers;
  std::lock_guard lock(mutex);
  auto& provider = providers[profile];
  if (!provider) {
    CredentialsChainOptions options;
    options.profile = profile;
    options.region = region;
    provider = make_default_credentials_chain(std::move(options));
  }
  return *provider;
}

}  // namespace awrap::aws
