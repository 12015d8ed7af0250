#include "loginid/jwt.hpp"

#include <cmath>
#include <memory>
#include <new>
#include <string>

#include "jose/base64url.hpp"
#include "jose/claims_data.hpp"
#include "jose/json_strict.hpp"
#include "jose/jws.hpp"
#include "jose/jwt_json.hpp"
#include "jose/jwt_view.hpp"

namespace loginid::inline v1 {
namespace {

using detail::Json;
using detail::JsonProblem;

// An allocation failure says nothing about the token: it is thrown as such (and reported as
// std::errc::not_enough_memory by the non-throwing functions), never as a token reason.
TokenErrc json_reason(JsonProblem p) {
  switch (p) {
    case JsonProblem::duplicate_key: return TokenErrc::duplicate_key;
    case JsonProblem::not_object: return TokenErrc::not_object;
    case JsonProblem::out_of_memory: throw std::bad_alloc();
    default: return TokenErrc::bad_json;
  }
}

/// Decodes the base64url header segment and parses it as a strict JSON object.
std::optional<Json> decode_header(std::string_view segment, TokenErrc& why) {
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
}

/// The header rules: alg exactly "ES256" (the only algorithm, whatever the token says), typ JWT
/// when present, no crit (we understand no extension, so none can be critical).
TokenErrc check_header(const Json& header) noexcept {
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

bool is_string_or_string_array(const Json& v) {
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

bool audience_contains(const Json& aud, std::string_view want) {
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

/// A NumericDate: a finite number of seconds. False when `value` is not one.
bool numeric_date(const Json& value, std::optional<double>& out) {
  if (!value.is_number() || !std::isfinite(value.get<double>())) {
    return false;
  }
  out = value.get<double>();
  return true;
}

/// The registered claims the rules look at, read once.
struct RegisteredClaims {
  std::optional<double> exp;
  std::optional<double> nbf;
  std::optional<double> iat;
  const Json* aud = nullptr;  ///< null when absent
  const Json* iss = nullptr;
};

/// Records `value` when `name` is one of the registered claims; false when its type is wrong.
bool read_member(std::string_view name, const Json& value, RegisteredClaims& out) {
  if (name.size() != 3) {
    return true;
  }
  if (name == "exp") {
    return numeric_date(value, out.exp);
  }
  if (name == "nbf") {
    return numeric_date(value, out.nbf);
  }
  if (name == "iat") {
    return numeric_date(value, out.iat);
  }
  if (name == "aud") {
    out.aud = &value;
    return is_string_or_string_array(value);
  }
  if (name == "iss") {
    out.iss = &value;
    return value.is_string();
  }
  return true;
}

/// Types first, so a mistyped claim is reported as such and never skipped as "absent". One walk
/// over the members: cheaper than a map lookup per registered claim.
TokenErrc read_registered(const Json& payload, RegisteredClaims& out) {
  if (!payload.is_object()) {
    return TokenErrc::not_object;
  }
  for (const auto& [name, value] : payload.get_ref<const Json::object_t&>()) {
    if (!read_member(name, value, out)) {
      return TokenErrc::bad_claim;
    }
  }
  return TokenErrc::ok;
}

TokenErrc time_reason(const RegisteredClaims& claims, const detail::ClaimRules& rules) {
  const double now = std::chrono::duration<double>(rules.now.time_since_epoch()).count();
  const auto leeway = static_cast<double>(rules.leeway.count());
  if (rules.require_exp && !claims.exp) {
    return TokenErrc::missing_claim;
  }
  if (claims.exp && now > *claims.exp + leeway) {
    return TokenErrc::expired;
  }
  if (claims.nbf && now < *claims.nbf - leeway) {
    return TokenErrc::not_yet_valid;
  }
  if (claims.iat && *claims.iat > now + leeway) {
    return TokenErrc::issued_in_future;
  }
  if (rules.max_age) {
    if (!claims.iat) {
      return TokenErrc::missing_claim;
    }
    if (now > *claims.iat + static_cast<double>(rules.max_age->count()) + leeway) {
      return TokenErrc::too_old;
    }
  }
  return TokenErrc::ok;
}

/// The value checks, on claims whose types read_registered accepted.
TokenErrc rules_reason(const RegisteredClaims& claims, const detail::ClaimRules& rules) {
  if (const auto why = time_reason(claims, rules); why != TokenErrc::ok) {
    return why;
  }
  if (rules.audience && (claims.aud == nullptr || !audience_contains(*claims.aud, *rules.audience))) {
    return TokenErrc::audience_mismatch;
  }
  if (rules.issuer && (claims.iss == nullptr || claims.iss->get_ref<const std::string&>() != *rules.issuer)) {
    return TokenErrc::issuer_mismatch;
  }
  return TokenErrc::ok;
}

/// check_claims: the policy's clock is read only once the types are known to be right.
TokenErrc policy_reason(const Json& payload, const VerifyPolicy& policy) {
  RegisteredClaims claims;
  if (const auto why = read_registered(payload, claims); why != TokenErrc::ok) {
    return why;
  }
  const auto rules = detail::claim_rules(policy, policy.clock ? policy.clock() : std::chrono::system_clock::now());
  return rules_reason(claims, rules);
}

// The header of every token we sign without a kid, encoded once.
const std::string& plain_header_b64() {
  static const std::string encoded = detail::base64url_encode(R"({"alg":"ES256","typ":"JWT"})");
  return encoded;
}

/// Decodes and checks the header segment. Tokens from one issuer repeat the same header bytes,
/// and the same bytes always decode and check the same way, so the last header each thread
/// accepted is kept and a repeat skips the base64url and JSON work (and copies nothing). Null
/// with `why` on failure.
std::shared_ptr<const Json> accept_header(std::string_view segment, TokenErrc& why) {
  struct Accepted {
    std::string segment;
    Json header;
  };
  constexpr std::size_t kMaxCachedHeader = 512;
  thread_local std::shared_ptr<const Accepted> last;
  if (last && segment == last->segment) {
    return {last, &last->header};
  }
  auto header = decode_header(segment, why);
  if (!header) {
    return nullptr;
  }
  if (why = check_header(*header); why != TokenErrc::ok) {
    return nullptr;
  }
  const bool cacheable = segment.size() <= kMaxCachedHeader;
  auto accepted = std::make_shared<const Accepted>(
      Accepted{cacheable ? std::string(segment) : std::string(), std::move(*header)});
  if (cacheable) {
    last = accepted;
  }
  return {accepted, &accepted->header};
}

/// The three segments of a compact token, after the size cap and the structure checks.
struct Segments {
  std::string_view header;
  std::string_view payload;
  std::string_view signature;
  std::string_view signing_input;  ///< header.payload
};

std::optional<Segments> split_token(std::string_view token, TokenErrc& why) noexcept {
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
  return Segments{token.substr(0, dot1), token.substr(dot1 + 1, dot2 - dot1 - 1), token.substr(dot2 + 1),
                  token.substr(0, dot2)};
}

/// The JWS layer of a split token: header accepted, payload bytes into `payload`, signature decoded.
bool read_jws(const Segments& parts, std::shared_ptr<const Json>& header, std::string& payload,
              detail::Es256Signature& signature, TokenErrc& why) {
  header = accept_header(parts.header, why);
  if (!header) {
    return false;
  }
  if (!detail::base64url_decode_into(parts.payload, payload) || !signature.decode(parts.signature)) {
    why = TokenErrc::bad_base64;
    return false;
  }
  why = TokenErrc::ok;
  return true;
}

}  // namespace

}  // namespace loginid::inline v1

namespace loginid::detail {

bool Es256Signature::decode(std::string_view segment) {
  size_ = 0;
  if (base64url_decoded_size(segment.size()) != kSize) {
    return base64url_decode(segment).has_value();  // a valid one of another length never verifies
  }
  if (!base64url_decode_to(segment, bytes_.data())) {
    return false;
  }
  size_ = kSize;
  return true;
}

bool decode_jwt_view(std::string_view token, JwtView& out, TokenErrc& why) {
  const auto parts = split_token(token, why);
  // The payload bytes only live until they are parsed: one buffer per thread, reused.
  thread_local std::string payload_bytes;
  if (!parts || !read_jws(*parts, out.header, payload_bytes, out.signature, why)) {
    return false;
  }
  JsonProblem problem{};
  auto payload = parse_json_object_strict(payload_bytes, problem);
  if (!payload) {
    why = json_reason(problem);
    return false;
  }
  out.payload = std::move(*payload);
  out.signing_input = parts->signing_input;
  return true;
}

ClaimRules claim_rules(const VerifyPolicy& policy, std::chrono::system_clock::time_point now) {
  ClaimRules rules;
  rules.now = now;
  rules.leeway = policy.leeway;
  rules.max_age = policy.max_age;
  rules.require_exp = policy.require_exp;
  if (policy.audience) {
    rules.audience = *policy.audience;
  }
  if (policy.issuer) {
    rules.issuer = *policy.issuer;
  }
  return rules;
}

TokenErrc claims_reason(const Json& payload, const ClaimRules& rules) {
  RegisteredClaims claims;
  if (const auto why = read_registered(payload, claims); why != TokenErrc::ok) {
    return why;
  }
  return rules_reason(claims, rules);
}

std::optional<DecodedJws> decode_jws(std::string_view token, TokenErrc& why) {
  const auto parts = split_token(token, why);
  std::shared_ptr<const Json> header;
  std::string payload;
  Es256Signature signature;
  if (!parts || !read_jws(*parts, header, payload, signature, why)) {
    return std::nullopt;
  }
  // The raw signature bytes whatever their length (read_jws checked the base64url).
  return DecodedJws{*header, std::move(payload), std::string(parts->signing_input),
                    *base64url_decode(parts->signature)};
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

std::optional<DecodedJwtJson> decode_jwt_json(std::string_view token, std::error_code& ec) noexcept {
  try {
    TokenErrc why = TokenErrc::ok;
    JwtView view;
    if (!decode_jwt_view(token, view, why)) {
      ec = make_error_code(why);
      return std::nullopt;
    }
    // The raw signature bytes whatever their length (decode_jwt_view checked the base64url).
    DecodedJwtJson jwt{*view.header, std::move(view.payload), std::string(view.signing_input),
                       *base64url_decode(token.substr(token.rfind('.') + 1))};
    ec.clear();
    return jwt;
  } catch (...) {  // only an allocation can fail here
    ec = std::make_error_code(std::errc::not_enough_memory);
    return std::nullopt;
  }
}

std::error_code check_claims_json(const Json& payload, const VerifyPolicy& policy) noexcept {
  try {
    const TokenErrc why = policy_reason(payload, policy);
    return why == TokenErrc::ok ? std::error_code{} : make_error_code(why);
  } catch (...) {  // a throwing injected clock
    return make_error_code(TokenErrc::bad_claim);
  }
}

std::error_code check_signature_json(const DecodedJwtJson& jwt, const PublicKey& key) noexcept {
  return key.verify_es256(jwt.signing_input, jwt.signature) ? std::error_code{}
                                                            : make_error_code(TokenErrc::bad_signature);
}

std::optional<Json> verify_jwt_json(std::string_view token, const PublicKey& key, const VerifyPolicy& policy,
                                    std::error_code& ec) noexcept {
  // decode + claims + signature, without copying the token's parts.
  try {
    TokenErrc why = TokenErrc::ok;
    JwtView jwt;
    if (!decode_jwt_view(token, jwt, why)) {
      ec = make_error_code(why);
      return std::nullopt;
    }
    ec = check_claims_json(jwt.payload, policy);
    if (!ec && !key.verify_es256(jwt.signing_input, jwt.signature.bytes())) {
      ec = make_error_code(TokenErrc::bad_signature);
    }
    if (ec) {
      return std::nullopt;
    }
    return std::move(jwt.payload);
  } catch (...) {  // only an allocation can fail here
    ec = std::make_error_code(std::errc::not_enough_memory);
    return std::nullopt;
  }
}

std::string sign_jwt_json(const Json& payload, const PrivateKey& key, std::optional<std::string_view> kid) {
  if (!payload.is_object()) {
    throw InvalidArgument("payload: must be a JSON object");
  }
  std::string payload_json;
  try {
    payload_json = payload.dump();
  } catch (const nlohmann::json::exception&) {
    throw InvalidArgument("payload: a string is not valid UTF-8");
  }
  return sign_payload_json(payload_json, key, kid);
}

void throw_token_error(std::error_code ec) {
  if (ec == std::errc::not_enough_memory) {
    throw std::bad_alloc();
  }
  if (ec == std::errc::operation_canceled) {  // the caller's cancellation, not a fault of the token
    throw Cancelled("token verification: cancelled while fetching the signing key (CallOptions::cancellation)");
  }
  throw TokenError(ec);
}

}  // namespace loginid::detail

namespace loginid::inline v1 {

std::optional<DecodedJwt> decode_jwt(std::string_view token, std::error_code& ec) noexcept {
  auto jwt = detail::decode_jwt_json(token, ec);
  if (!jwt) {
    return std::nullopt;
  }
  try {
    return DecodedJwt{detail::ClaimsData::wrap(std::move(jwt->header)), detail::ClaimsData::wrap(std::move(jwt->payload)),
                      std::move(jwt->signing_input), std::move(jwt->signature)};
  } catch (...) {  // only an allocation can fail here
    ec = std::make_error_code(std::errc::not_enough_memory);
    return std::nullopt;
  }
}

DecodedJwt decode_jwt(std::string_view token) {
  std::error_code ec;
  auto jwt = decode_jwt(token, ec);
  if (!jwt) {
    detail::throw_token_error(ec);
  }
  return std::move(*jwt);
}

std::error_code check_claims(const Claims& payload, const VerifyPolicy& policy) noexcept {
  return detail::check_claims_json(detail::ClaimsData::json(payload), policy);
}

std::error_code check_signature(const DecodedJwt& jwt, const PublicKey& key) noexcept {
  return key.verify_es256(jwt.signing_input, jwt.signature) ? std::error_code{}
                                                            : make_error_code(TokenErrc::bad_signature);
}

std::optional<Claims> verify_jwt(std::string_view token, const PublicKey& key, const VerifyPolicy& policy,
                                 std::error_code& ec) noexcept {
  auto payload = detail::verify_jwt_json(token, key, policy, ec);
  if (!payload) {
    return std::nullopt;
  }
  try {
    return detail::ClaimsData::wrap(std::move(*payload));
  } catch (...) {  // only an allocation can fail here
    ec = std::make_error_code(std::errc::not_enough_memory);
    return std::nullopt;
  }
}

Claims verify_jwt(std::string_view token, const PublicKey& key, const VerifyPolicy& policy) {
  std::error_code ec;
  auto payload = verify_jwt(token, key, policy, ec);
  if (!payload) {
    detail::throw_token_error(ec);
  }
  return std::move(*payload);
}

std::string sign_jwt(const Claims& payload, const PrivateKey& key, std::optional<std::string_view> kid) {
  return detail::sign_jwt_json(detail::ClaimsData::json(payload), key, kid);
}

}  // namespace loginid::inline v1
