// One default credential chain per AWS profile for the whole process, so a new connection
// never costs an STS or IMDS round trip for credentials another connection already has.
//
//   awrap::aws::CachingCredentialsProvider& provider =
//       awrap::aws::process_credentials_provider(profile, region);
//   awrap::aws::Credentials credentials = provider.credentials();
//
// Thread-safety: safe to call concurrently; the provider returned lives until the process ends.
#pragma once

#include <string>

#include "aws/credentials.hpp"

namespace awrap::aws {

// The chain for `profile` (empty: AWS_PROFILE, else "default"), created on first use with the
// process environment; `region` is the STS region for web identity when AWS_REGION is unset
// (only the first caller's region counts).
CachingCredentialsProvider& process_credentials_provider(const std::string& profile,
                                                         const std::string& region);

}  // namespace awrap::aws
