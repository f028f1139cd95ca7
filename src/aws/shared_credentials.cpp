#include "aws/shared_credentials.hpp"

namespace awrap::internal::aws {

CachingCredentialsProvider& SharedCredentialsProviders::get(const std::string& profile,
                                                            const std::string& region) {
  MutexLock lock(mutex_);
  auto& provider = providers_[profile];
  if (!provider) {
    CredentialsChainOptions options;
    options.profile = profile;
    options.region = region;
    provider = make_default_credentials_chain(std::move(options));
  }
  return *provider;
}

CachingCredentialsProvider& shared_credentials_provider(internal::Runtime& runtime,
                                                        const std::string& profile,
                                                        const std::string& region) {
  return runtime.get<SharedCredentialsProviders>().get(profile, region);
}

}  // namespace awrap::internal::aws
