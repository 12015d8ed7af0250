#include "loginid/jwt.hpp"

#include <cmath>
#include <string>

#include "jose/base64url.hpp"
#include "jose/json_strict.hpp"
#include "jose/jws.hpp"

namespace loginid {
namespace {

using detail::JsonProblem;

TokenErrc json_reason(JsonProblem p) noexcept {
  switch (p) {
    case JsonProblem::duplicate_key: return TokenErrc::duplicate_key;
    case JsonProblem::not_object: return TokenErrc::not_object;
    default: return TokenErrc::bad_json;
  }
}

/// Decodes the base64url header segment and parses it as a strict JSON object.
std::optional<Claims> decode_header(std::string_view segment, TokenErrc& why) noexcept {
  try {
    const auto bytes = detail::base64url_decode(segment);
    if (!bytes) {
      why = TokenErrc::bad_base64;
      return std::nullopt;
    }
    JsonProblem problem{};
    auto object = detail::parse_json_object_strict(*bytes, problem);
    if (!object) {
      why = json_reason(problem);
    }
    return object;
  } catch (...) {  // allocation failure
    why = TokenErrc::bad_json;
    return std::nullopt;
  }
}

/// The header rules: alg exactly "ES256" (the only algorithm, whatever the token says), typ JWT
/// when present, no crit (we understand no extension, so none can be critical).
TokenErrc check_header(const Claims& header) noexcept {
  const auto alg = header.find("alg");
  if (alg == header.end() || !alg->is_string() || alg->get_ref<const std::string&>() != "ES256") {
    return TokenErrc::alg_not_allowed;
  }
  const auto typ = header.find("typ");
  if (typ != header.end() && (!typ->is_string() || typ->get_ref<const std::string&>() != "JWT")) {
    return TokenErrc::bad_typ;
  }
  if (header.contains("crit")) {
    return TokenErrc::crit_header;
  }
  return TokenErrc::ok;
}

bool is_string_or_string_array(const Claims& v) {
  if (v.is_string()) {
    return true;
  }
  if (!v.is_array()) {
    return false;
  }
  for (const auto& item : v) {
    if (!item.is_string()) {
      return false;
    }
  }
  return true;
}

bool audience_contains(const Claims& aud, const std::string& want) {
  if (aud.is_string()) {
    return aud.get_ref<const std::string&>() == want;
  }
  for (const auto& item : aud) {
    if (item.get_ref<const std::string&>() == want) {
      return true;
    }
  }
  return false;
}

/// A NumericDate claim as a number of seconds; nullopt when absent. `ok` is false when present
/// but not a finite number.
std::optional<double> numeric_date(const Claims& payload, const char* name, bool& ok) {
  const auto it = payload.find(name);
  if (it == payload.end()) {
    return std::nullopt;
  }
  if (!it->is_number() || !std::isfinite(it->get<double>())) {
    ok = false;
    return std::nullopt;
  }
  return it->get<double>();
}

TokenErrc claims_reason(const Claims& payload, const VerifyPolicy& policy) {
  if (!payload.is_object()) {
    return TokenErrc::not_object;
  }
  // Types first, so a mistyped claim is reported as such and never skipped as "absent".
  bool types_ok = true;
  const auto exp = numeric_date(payload, "exp", types_ok);
  const auto nbf = numeric_date(payload, "nbf", types_ok);
  const auto iat = numeric_date(payload, "iat", types_ok);
  const auto aud = payload.find("aud");
  const auto iss = payload.find("iss");
  if (!types_ok || (aud != payload.end() && !is_string_or_string_array(*aud)) ||
      (iss != payload.end() && !iss->is_string())) {
    return TokenErrc::bad_claim;
  }

  const auto now_tp = policy.clock ? policy.clock() : std::chrono::system_clock::now();
  const double now = std::chrono::duration<double>(now_tp.time_since_epoch()).count();
  const auto leeway = static_cast<double>(policy.leeway.count());

  if (policy.require_exp && !exp) {
    return TokenErrc::missing_claim;
  }
  if (exp && now > *exp + leeway) {
    return TokenErrc::expired;
  }
  if (nbf && now < *nbf - leeway) {
    return TokenErrc::not_yet_valid;
  }
  if (iat && *iat > now + leeway) {
    return TokenErrc::issued_in_future;
  }
  if (policy.max_age) {
    if (!iat) {
      return TokenErrc::missing_claim;
    }
    if (now > *iat + static_cast<double>(policy.max_age->count()) + leeway) {
      return TokenErrc::too_old;
    }
  }
  if (policy.audience && (aud == payload.end() || !audience_contains(*aud, *policy.audience))) {
    return TokenErrc::audience_mismatch;
  }
  if (policy.issuer && (iss == payload.end() || iss->get_ref<const std::string&>() != *policy.issuer)) {
    return TokenErrc::issuer_mismatch;
  }
  return TokenErrc::ok;
}

// The header of every token we sign without a kid, encoded once.
const std::string& plain_header_b64() {
  static const std::string encoded = detail::base64url_encode(R"({"alg":"ES256","typ":"JWT"})");
  return encoded;
}

/// Decodes and checks the header segment. Tokens from one issuer repeat the same header bytes,
/// and the same bytes always decode and check the same way, so the last header each thread
/// accepted is kept and a repeat skips the base64url and JSON work. `out` (when given) receives
/// the parsed header; verify_jwt does not need it.
bool accept_header(std::string_view segment, Claims* out, TokenErrc& why) {
  struct LastAccepted {
    std::string segment;
    Claims header;
  };
  constexpr std::size_t kMaxCachedHeader = 512;
  thread_local LastAccepted last;
  if (!last.segment.empty() && segment == last.segment) {
    if (out != nullptr) {
      *out = last.header;
    }
    return true;
  }
  auto header = decode_header(segment, why);
  if (!header) {
    return false;
  }
  if (why = check_header(*header); why != TokenErrc::ok) {
    return false;
  }
  if (segment.size() <= kMaxCachedHeader) {
    last.segment.clear();  // never leave a segment paired with the wrong header if a copy throws
    last.header = *header;
    last.segment.assign(segment);
  }
  if (out != nullptr) {
    *out = std::move(*header);
  }
  return true;
}

/// A decoded JWS whose signing input still points into the token (no copy).
struct JwsView {
  Claims header;
  std::string payload;
  std::string_view signing_input;
  std::string signature;
};

std::optional<JwsView> decode_jws_view(std::string_view token, TokenErrc& why, bool want_header = true) noexcept {
  if (token.size() > kMaxTokenSize) {
    why = TokenErrc::too_large;
    return std::nullopt;
  }
  const auto dot1 = token.find('.');
  const auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos || dot1 == 0 ||
      dot2 == dot1 + 1 || dot2 + 1 == token.size()) {
    why = TokenErrc::malformed;
    return std::nullopt;
  }
  try {
    Claims header;
    if (!accept_header(token.substr(0, dot1), want_header ? &header : nullptr, why)) {
      return std::nullopt;
    }
    auto payload = detail::base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1));
    auto signature = detail::base64url_decode(token.substr(dot2 + 1));
    if (!payload || !signature) {
      why = TokenErrc::bad_base64;
      return std::nullopt;
    }
    why = TokenErrc::ok;
    return JwsView{std::move(header), std::move(*payload), token.substr(0, dot2), std::move(*signature)};
  } catch (...) {  // allocation failure
    why = TokenErrc::bad_json;
    return std::nullopt;
  }
}

/// decode_jws_view plus the payload as a strict JSON object.
std::optional<JwsView> decode_jwt_view(std::string_view token, Claims& payload, TokenErrc& why,
                                       bool want_header = true) noexcept {
  auto jws = decode_jws_view(token, why, want_header);
  if (!jws) {
    return std::nullopt;
  }
  JsonProblem problem{};
  auto parsed = detail::parse_json_object_strict(jws->payload, problem);
  if (!parsed) {
    why = json_reason(problem);
    return std::nullopt;
  }
  payload = std::move(*parsed);
  return jws;
}

}  // namespace

namespace detail {

std::optional<DecodedJws> decode_jws(std::string_view token, TokenErrc& why) noexcept {
  auto view = decode_jws_view(token, why);
  if (!view) {
    return std::nullopt;
  }
  try {
    return DecodedJws{std::move(view->header), std::move(view->payload), std::string(view->signing_input),
                      std::move(view->signature)};
  } catch (...) {  // allocation failure
    why = TokenErrc::bad_json;
    return std::nullopt;
  }
}

std::string sign_payload_json(std::string_view payload_json, const PrivateKey& key,
                              std::optional<std::string_view> kid) {
  std::string token;
  token.reserve(64 + (kid ? kid->size() * 2 : 0) + payload_json.size() * 4 / 3 + 1 + 86);
  if (kid) {
    std::string header = R"({"alg":"ES256","typ":"JWT","kid":)";
    append_json_string(header, *kid, "kid");
    header += '}';
    base64url_append(token, header);
  } else {
    token = plain_header_b64();
  }
  token += '.';
  base64url_append(token, payload_json);
  const std::string signature = key.sign_es256(token);
  token += '.';
  base64url_append(token, signature);
  return token;
}

}  // namespace detail

std::optional<DecodedJwt> decode_jwt(std::string_view token, std::error_code& ec) noexcept {
  TokenErrc why = TokenErrc::ok;
  Claims payload;
  auto jws = decode_jwt_view(token, payload, why);
  if (!jws) {
    ec = make_error_code(why);
    return std::nullopt;
  }
  try {
    DecodedJwt jwt{std::move(jws->header), std::move(payload), std::string(jws->signing_input),
                   std::move(jws->signature)};
    ec.clear();
    return jwt;
  } catch (...) {  // allocation failure
    ec = make_error_code(TokenErrc::bad_json);
    return std::nullopt;
  }
}

DecodedJwt decode_jwt(std::string_view token) {
  std::error_code ec;
  auto jwt = decode_jwt(token, ec);
  if (!jwt) {
    throw TokenError(ec);
  }
  return std::move(*jwt);
}

std::error_code check_claims(const Claims& payload, const VerifyPolicy& policy) noexcept {
  try {
    const TokenErrc why = claims_reason(payload, policy);
    return why == TokenErrc::ok ? std::error_code{} : make_error_code(why);
  } catch (...) {  // a throwing injected clock
    return make_error_code(TokenErrc::bad_claim);
  }
}

std::error_code check_signature(const DecodedJwt& jwt, const PublicKey& key) noexcept {
  return key.verify_es256(jwt.signing_input, jwt.signature) ? std::error_code{}
                                                            : make_error_code(TokenErrc::bad_signature);
}

std::optional<Claims> verify_jwt(std::string_view token, const PublicKey& key, const VerifyPolicy& policy,
                                 std::error_code& ec) noexcept {
  // decode_jwt + check_claims + check_signature, without copying the signing input.
  TokenErrc why = TokenErrc::ok;
  std::optional<Claims> payload(std::in_place);
  const auto jws = decode_jwt_view(token, *payload, why, false);
  if (!jws) {
    ec = make_error_code(why);
    return std::nullopt;
  }
  ec = check_claims(*payload, policy);
  if (!ec && !key.verify_es256(jws->signing_input, jws->signature)) {
    ec = make_error_code(TokenErrc::bad_signature);
  }
  if (ec) {
    return std::nullopt;
  }
  return payload;
}

Claims verify_jwt(std::string_view token, const PublicKey& key, const VerifyPolicy& policy) {
  std::error_code ec;
  auto payload = verify_jwt(token, key, policy, ec);
  if (!payload) {
    throw TokenError(ec);
  }
  return std::move(*payload);
}

std::string sign_jwt(const Claims& payload, const PrivateKey& key, std::optional<std::string_view> kid) {
  if (!payload.is_object()) {
    throw InvalidArgument("payload: must be a JSON object");
  }
  std::string payload_json;
  try {
    payload_json = payload.dump();
  } catch (const nlohmann::json::exception&) {
    throw InvalidArgument("payload: a string is not valid UTF-8");
  }
  return detail::sign_payload_json(payload_json, key, kid);
}

}  // namespace loginid
