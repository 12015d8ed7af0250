// The tokens a FakeService mints, exactly as LoginID makes them (API.md, "Tokens LoginID makes"),
// and the ids and timestamps of its answers.

#include <array>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <string>

#include "testing/fake_service_state.hpp"

namespace loginid::detail {
namespace {

/// b64url(SHA-256(text)). The testing library uses libloginid's public API only, so that a user's
/// test links nothing new (no OpenSSL of its own): the SDK's transaction auth token carries exactly
/// this digest of its payload as `payload_hash` (API.md), so the fake asks its private client for one.
std::string sha256_b64url(const FakeServiceState& state, std::string_view text) {
  const std::string token = state.hasher.generate_tx_auth_token(text, "fake-service-digest");
  return decode_jwt(token).payload.get_string("payload_hash").value();
}

nlohmann::json parse_extra_claims(const std::string& extra_claims_json) {
  if (extra_claims_json.empty()) return nlohmann::json::object();
  nlohmann::json extra = nlohmann::json::parse(extra_claims_json, nullptr, /*allow_exceptions=*/false);
  if (!extra.is_object()) throw InvalidArgument("extra_claims_json: not a JSON object");
  return extra;
}

/// 64-bit FNV-1a: a stable hash (std::hash may differ between standard libraries and runs).
std::uint64_t fnv1a(std::string_view text, std::uint64_t basis) {
  std::uint64_t hash = basis;
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

/// 16 bytes as a UUID of `version` (RFC 9562 layout: version nibble, variant bits 10).
std::string format_uuid(std::array<std::uint8_t, 16> bytes, int version) {
  bytes[6] = static_cast<std::uint8_t>((bytes[6] & 0x0F) | (version << 4));
  bytes[8] = static_cast<std::uint8_t>((bytes[8] & 0x3F) | 0x80);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[bytes[i] >> 4];
    out += kHex[bytes[i] & 0x0F];
  }
  return out;
}

std::array<std::uint8_t, 16> to_bytes(std::uint64_t high, std::uint64_t low) {
  std::array<std::uint8_t, 16> bytes{};
  for (int i = 0; i < 8; ++i) {
    bytes[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(high >> (56 - 8 * i));
    bytes[static_cast<std::size_t>(8 + i)] = static_cast<std::uint8_t>(low >> (56 - 8 * i));
  }
  return bytes;
}

}  // namespace

std::int64_t unix_seconds(std::chrono::system_clock::time_point time) {
  return std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
}

std::string rfc3339(std::chrono::system_clock::time_point time) {
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(millis / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  std::array<char, 32> text{};
  const std::size_t length = std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%S", &utc);
  std::array<char, 8> fraction{};
  std::snprintf(fraction.data(), fraction.size(), ".%03dZ", static_cast<int>(millis % 1000));
  return std::string(text.data(), length) + fraction.data();
}

std::string FakeServiceState::random_uuid() const {
  const std::lock_guard lock(mutex);
  return format_uuid(to_bytes(random(), random()), 4);
}

std::string FakeServiceState::random_text(std::size_t count, std::string_view alphabet) const {
  const std::lock_guard lock(mutex);
  std::string out(count, ' ');
  for (char& c : out) c = alphabet[random() % alphabet.size()];
  return out;
}

std::string mint_user_token(const FakeServiceState& state, const testkit::UserTokenClaims& claims,
                            const nlohmann::json& extra) {
  const auto issued_at = claims.issued_at.value_or(state.now());
  nlohmann::json payload{{"iss", "loginid.io"},
                         {"sub", claims.user_id.value_or(testkit::FakeService::user_id_of(claims.username))},
                         {"sid", state.random_uuid()},
                         {"nid", state.options.namespace_id},
                         {"aud", claims.audience.value_or(state.options.client_id)},
                         {"action", claims.action},
                         {"iat", unix_seconds(issued_at)},
                         {"udata", claims.username}};
  if (claims.lifetime) payload["exp"] = unix_seconds(issued_at + *claims.lifetime);
  payload.update(extra);
  payload.update(parse_extra_claims(claims.extra_claims_json));  // the test's own claims win
  return sign_jwt(Claims::from_json(payload.dump()), state.signing_key, state.kid);
}

std::string mint_transaction_token(const FakeServiceState& state, std::string_view tx_payload, std::string_view nonce,
                                   const testkit::UserTokenClaims& claims) {
  const std::string server_nonce = state.random_text(16, "abcdefghijklmnopqrstuvwxyz0123456789");
  std::string hashed(tx_payload);
  hashed.append(nonce).append(server_nonce);
  const nlohmann::json extra{{"nonce", std::string(nonce)},
                             {"server_nonce", server_nonce},
                             {"tx_hash", sha256_b64url(state, hashed)}};
  return mint_user_token(state, claims, extra);
}

}  // namespace loginid::detail

namespace loginid::inline v1::testkit {

std::string FakeService::user_id_of(std::string_view username) {
  std::string folded(username);
  for (char& c : folded) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');  // LoginID's usernames: case-insensitive
  }
  return detail::format_uuid(detail::to_bytes(detail::fnv1a(folded, 0xcbf29ce484222325ULL),
                                               detail::fnv1a(folded, 0x84222325cbf29ce4ULL)),
                             8);
}

}  // namespace loginid::inline v1::testkit
