#include <algorithm>
#include <cctype>

#include "loginid/transport.hpp"

namespace loginid::inline v1 {
namespace {

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

}  // namespace

std::optional<std::string_view> HttpResponse::header(std::string_view name) const noexcept {
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) {
      return std::string_view(value);
    }
  }
  return std::nullopt;
}

}  // namespace loginid::inline v1
