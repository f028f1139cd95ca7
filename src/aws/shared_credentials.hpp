// One default credential chain per AWS profile for a Runtime (a service of it: base/runtime.hpp),
// so a new connection never costs an STS or IMDS round trip for credentials another connection
// already has.
//
//   aws::CachingCredentialsProvider& provider =
//       aws::shared_credentials_provider(runtime, profile, region);
//   aws::Credentials credentials = provider.credentials();
//
// Thread-safety: safe to call concurrently; the provider returned lives as long as `runtime`.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "aws/credentials.hpp"
#include "base/runtime.hpp"
#include "base/thread_annotations.hpp"

namespace awrap::internal::aws {

// The chains of one Runtime, by profile.
class SharedCredentialsProviders {
 public:
  CachingCredentialsProvider& get(const std::string& profile, const std::string& region);

 private:
  Mutex mutex_;
  std::map<std::string, std::unique_ptr<CachingCredentialsProvider>> providers_ GUARDED_BY(mutex_);
};

// The chain for `profile` (empty: AWS_PROFILE, else "default"), created on first use with the
// process environment; `region` is the STS region for web identity when AWS_REGION is unset
// (only the first caller's region counts).
CachingCredentialsProvider& shared_credentials_provider(internal::Runtime& runtime,
                                                        const std::string& profile,
                                                        const std::string& region);

}  // namespace awrap::internal::aws
