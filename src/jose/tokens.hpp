#pragma once
// The tokens the SDK makes (API.md, "Tokens the SDK makes"): service tokens and transaction auth
// tokens, plus the hashes and nonces they use. Shared by the SDK (which signs) and the emulator
// (which checks payload_hash / tx_hash with the same functions).

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "jose/claims_data.hpp"
#include "loginid/jwt.hpp"
#include "loginid/keys.hpp"

namespace loginid::detail {

/// `n` random characters from [A-Za-z0-9], drawn from the OpenSSL CSPRNG without modulo bias.
std::string random_alphanumeric(std::size_t n = 16);

/// base64url without padding of SHA-256(data).
std::string sha256_b64url(std::string_view data);

/// tx_hash = b64url_nopad(SHA-256(tx_payload + nonce + server_nonce)).
std::string tx_hash(std::string_view tx_payload, std::string_view nonce, std::string_view server_nonce);

struct ServiceTokenRequest {
  // Every member has a default so designated initialisers may leave any out (-Wextra warns otherwise).
  std::string_view client_id{};
  std::string_view scope{};                     ///< goes into the `type` claim
  std::optional<std::string_view> username{};   ///< sent when given
  std::optional<std::string_view> user_id{};    ///< sent only when no username is given
  std::optional<std::string_view> nonce{};      ///< 16 random alphanumerics when absent
  std::chrono::system_clock::time_point now{};  ///< `iat`, in whole seconds
};

/// {"client_id","type","nonce","iat"} (+ "username" or else "user_id").
Json service_token_claims(const ServiceTokenRequest& request);
/// Signed ES256, header {"alg":"ES256","typ":"JWT"}.
std::string make_service_token(const PrivateKey& key, const ServiceTokenRequest& request);

/// {"type":"tx.create","nonce","payload_hash","iat"}.
Json tx_auth_token_claims(std::string_view tx_payload, std::optional<std::string_view> nonce,
                            std::chrono::system_clock::time_point now);
std::string make_tx_auth_token(const PrivateKey& key, std::string_view tx_payload, std::optional<std::string_view> nonce,
                               std::chrono::system_clock::time_point now);

}  // namespace loginid::detail
