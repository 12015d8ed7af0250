#include "jose/tokens.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <stdexcept>

#include "jose/base64url.hpp"

namespace loginid::detail {
namespace {

constexpr std::string_view kAlphanumerics = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
// The largest multiple of 62 that fits in a byte: bytes at or above it are redrawn, so every
// character is exactly equally likely (a plain `byte % 62` would favour the first 8).
constexpr unsigned kUnbiasedLimit = 256 / kAlphanumerics.size() * kAlphanumerics.size();

std::int64_t unix_seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

std::string random_alphanumeric(std::size_t n) {
  std::string out;
  out.reserve(n);
  std::array<unsigned char, 64> pool{};
  while (out.size() < n) {
    if (RAND_bytes(pool.data(), static_cast<int>(pool.size())) != 1) {
      throw std::runtime_error("the OpenSSL random generator failed");
    }
    for (const unsigned char b : pool) {
      if (b < kUnbiasedLimit && out.size() < n) {
        out.push_back(kAlphanumerics[b % kAlphanumerics.size()]);
      }
    }
  }
  return out;
}

std::string sha256_b64url(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int len = 0;
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (md == nullptr || EVP_Digest(data.data(), data.size(), digest.data(), &len, md, nullptr) != 1) {
    throw std::runtime_error("SHA-256 is unavailable");
  }
  return base64url_encode(std::string_view(reinterpret_cast<const char*>(digest.data()), len));
}

std::string tx_hash(std::string_view tx_payload, std::string_view nonce, std::string_view server_nonce) {
  std::string input;
  input.reserve(tx_payload.size() + nonce.size() + server_nonce.size());
  input.append(tx_payload).append(nonce).append(server_nonce);
  return sha256_b64url(input);
}

Claims service_token_claims(const ServiceTokenRequest& request) {
  Claims claims = {
      {"client_id", std::string(request.client_id)},
      {"type", std::string(request.scope)},
      {"nonce", request.nonce ? std::string(*request.nonce) : random_alphanumeric()},
      {"iat", unix_seconds(request.now)},
  };
  if (request.username) {
    claims["username"] = std::string(*request.username);
  } else if (request.user_id) {
    claims["user_id"] = std::string(*request.user_id);
  }
  return claims;
}

std::string make_service_token(const PrivateKey& key, const ServiceTokenRequest& request) {
  return sign_jwt(service_token_claims(request), key);
}

Claims tx_auth_token_claims(std::string_view tx_payload, std::optional<std::string_view> nonce,
                            std::chrono::system_clock::time_point now) {
  return {
      {"type", "tx.create"},
      {"nonce", nonce ? std::string(*nonce) : random_alphanumeric()},
      {"payload_hash", sha256_b64url(tx_payload)},
      {"iat", unix_seconds(now)},
  };
}

std::string make_tx_auth_token(const PrivateKey& key, std::string_view tx_payload, std::optional<std::string_view> nonce,
                               std::chrono::system_clock::time_point now) {
  return sign_jwt(tx_auth_token_claims(tx_payload, nonce, now), key);
}

}  // namespace loginid::detail
