#pragma once
// The verification path's view of a compact JWT (verify_jwt and the SDK's TokenVerifier): the same
// checks as decode_jwt, in the same order and with the same reasons, without copying the token,
// the header or the signature, and without a heap allocation beyond the payload's JSON. Plus the
// claim rules with the time read once and nothing copied, for callers that check every token
// against the same settings.

#include <array>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string_view>

#include "loginid/error.hpp"
#include "jose/claims_data.hpp"
#include "loginid/jwt.hpp"

namespace loginid::detail {

/// An ES256 signature segment decoded in place: the 64 bytes r||s. A segment of any other length is
/// refused or accepted as base64url like any other, but holds no signature, so it never verifies
/// (bad_signature, after the claim checks, as for any wrong signature).
class Es256Signature {
 public:
  static constexpr std::size_t kSize = 64;

  /// False when `segment` is not strict base64url.
  bool decode(std::string_view segment);
  /// The 64 bytes, or empty.
  [[nodiscard]] std::string_view bytes() const noexcept { return {bytes_.data(), size_}; }

 private:
  std::array<char, kSize> bytes_{};
  std::size_t size_ = 0;
};

struct JwtView {
  /// The header, already checked (alg ES256, typ, no crit). Shared with this thread's cache of the
  /// last header it accepted: tokens from one issuer repeat the same header bytes.
  std::shared_ptr<const Json> header;
  Json payload;                     ///< a strict JSON object
  std::string_view signing_input;   ///< "<header b64>.<payload b64>", pointing into the token
  Es256Signature signature;
};

/// decode_jwt's checks into `out`. False with `why` set on failure. The view points into `token`.
/// Throws only std::bad_alloc.
bool decode_jwt_view(std::string_view token, JwtView& out, TokenErrc& why);

/// What check_claims checks, with the time given and the strings borrowed.
struct ClaimRules {
  std::chrono::system_clock::time_point now{};
  std::chrono::seconds leeway{60};
  std::optional<std::chrono::seconds> max_age{};
  bool require_exp = false;
  std::optional<std::string_view> audience{};
  std::optional<std::string_view> issuer{};
};

/// The rules `policy` sets, at `now`; audience and issuer point into `policy`.
ClaimRules claim_rules(const VerifyPolicy& policy, std::chrono::system_clock::time_point now);

/// check_claims against `rules`: the same checks in the same order, ok when all pass.
TokenErrc claims_reason(const Json& payload, const ClaimRules& rules);

}  // namespace loginid::detail
