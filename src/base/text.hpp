// Small string helpers shared by the core.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace awrap::internal::text {

std::string_view trim(std::string_view s) noexcept;
std::string lower(std::string_view s);
// Splits on `sep`, keeping empty pieces ("a,,b" -> "a", "", "b"; "" -> {}).
std::vector<std::string_view> split(std::string_view s, char sep);
// Decodes %XX escapes; throws ConfigError on a malformed escape.
std::string percent_decode(std::string_view s);
bool is_ip_literal(std::string_view host) noexcept;

}  // namespace awrap::internal::text
