#include "aws/crypto.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <stdexcept>

namespace awrap::internal::aws {

Digest256 sha256(std::string_view data) {
  Digest256 out{};
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data());
  return out;
}

Digest256 hmac_sha256(std::span<const std::uint8_t> key, std::string_view data) {
  Digest256 out{};
  unsigned int length = 0;
  // The one-shot HMAC() caches nothing between calls but needs no context bookkeeping; SigV4 makes
  // five of these per signature, which costs a few microseconds in total.
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(),
           &length) == nullptr ||
      length != out.size()) {
    throw std::runtime_error("HMAC-SHA256 failed in libcrypto");
  }
  return out;
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.resize(bytes.size() * 2);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 0x0f];
  }
  return out;
}

}  // namespace awrap::internal::aws
