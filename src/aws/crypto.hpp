// SHA-256 and HMAC-SHA256 on OpenSSL's libcrypto, plus lowercase hex: the primitives of SigV4.
//
//   auto digest = aws::sha256("payload");
//   std::string hex = aws::to_hex(digest);
//
// Thread-safety: every function is pure and safe to call concurrently.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace awrap::internal::aws {

using Digest256 = std::array<std::uint8_t, 32>;

Digest256 sha256(std::string_view data);
Digest256 hmac_sha256(std::span<const std::uint8_t> key, std::string_view data);
inline Digest256 hmac_sha256(std::string_view key, std::string_view data) {
  return hmac_sha256(
      std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(key.data()), key.size()),
      data);
}
// Lowercase hexadecimal, two characters per byte.
std::string to_hex(std::span<const std::uint8_t> bytes);
inline std::string sha256_hex(std::string_view data) {
  return to_hex(sha256(data));
}

}  // namespace awrap::internal::aws
