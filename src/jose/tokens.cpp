#include "jose/tokens.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>

#include <array>
#include <atomic>
#include <stdexcept>

#include "jose/base64url.hpp"
#include "jose/jws.hpp"

namespace loginid::detail {
namespace {

constexpr std::string_view kAlphanumerics = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
// The largest multiple of 62 that fits in a byte: bytes at or above it are redrawn, so every
// character is exactly equally likely (a plain `byte % 62` would favour the first 8).
constexpr unsigned kUnbiasedLimit = 256 / kAlphanumerics.size() * kAlphanumerics.size();

/// Bumped in a forked child (pthread_atfork), so buffered random bytes are never reused across a fork.
std::atomic<unsigned> g_fork_generation{0};

unsigned fork_generation() {
  static const bool registered = [] {
    return ::pthread_atfork(nullptr, nullptr, [] { g_fork_generation.fetch_add(1); }) == 0;
  }();
  if (!registered) {
    return g_fork_generation.fetch_add(1);  // cannot watch forks: never reuse a buffer
  }
  return g_fork_generation.load(std::memory_order_relaxed);
}

/// CSPRNG bytes drawn from OpenSSL a block at a time: each RAND_bytes call costs about as much
/// as a whole token's JSON, so one call serves ~250 nonces. Per thread, so no locking; refilled
/// after a fork so a child never replays its parent's bytes; used bytes are wiped.
class RandomBytes {
 public:
  /// Call once per use: drops the buffer when the process has forked since it was filled.
  void check_fork() {
    if (generation_ != fork_generation()) {
      pos_ = block_.size();
    }
  }

  unsigned char next() {
    if (pos_ == block_.size()) {
      refill();
    }
    const unsigned char b = block_[pos_];
    block_[pos_++] = 0;
    return b;
  }

 private:
  void refill() {
    if (RAND_bytes(block_.data(), static_cast<int>(block_.size())) != 1) {
      throw std::runtime_error("the OpenSSL random generator failed");
    }
    pos_ = 0;
    generation_ = fork_generation();
  }

  std::array<unsigned char, 4096> block_{};
  std::size_t pos_ = block_.size();
  unsigned generation_ = 0;
};

std::int64_t unix_seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count();
}

/// `,"name":"value"` (or without the comma for the first member).
void append_member(std::string& json, std::string_view name, std::string_view value) {
  json += json.size() > 1 ? ",\"" : "\"";
  json += name;
  json += "\":";
  append_json_string(json, value, name);
}

void append_member(std::string& json, std::string_view name, std::int64_t value) {
  json += json.size() > 1 ? ",\"" : "\"";
  json += name;
  json += "\":";
  json += std::to_string(value);
}

/// The service token payload as JSON text, member for member what service_token_claims holds.
std::string service_token_json(const ServiceTokenRequest& request) {
  std::string json = "{";
  json.reserve(160 + request.client_id.size() + request.scope.size() +
                (request.username ? request.username->size() : 0) + (request.user_id ? request.user_id->size() : 0));
  append_member(json, "client_id", request.client_id);
  append_member(json, "type", request.scope);
  append_member(json, "nonce", request.nonce ? *request.nonce : std::string_view(random_alphanumeric()));
  append_member(json, "iat", unix_seconds(request.now));
  if (request.username) {
    append_member(json, "username", *request.username);
  } else if (request.user_id) {
    append_member(json, "user_id", *request.user_id);
  }
  json += '}';
  return json;
}

std::string tx_auth_token_json(std::string_view tx_payload, std::optional<std::string_view> nonce,
                               std::chrono::system_clock::time_point now) {
  std::string json = "{";
  append_member(json, "type", "tx.create");
  append_member(json, "nonce", nonce ? *nonce : std::string_view(random_alphanumeric()));
  append_member(json, "payload_hash", sha256_b64url(tx_payload));
  append_member(json, "iat", unix_seconds(now));
  json += '}';
  return json;
}

}  // namespace

std::string random_alphanumeric(std::size_t n) {
  thread_local RandomBytes random;
  random.check_fork();
  std::string out;
  out.reserve(n);
  while (out.size() < n) {
    const unsigned char b = random.next();
    if (b < kUnbiasedLimit) {
      out.push_back(kAlphanumerics[b % kAlphanumerics.size()]);
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

Json service_token_claims(const ServiceTokenRequest& request) {
  return Json::parse(service_token_json(request));
}

std::string make_service_token(const PrivateKey& key, const ServiceTokenRequest& request) {
  return sign_payload_json(service_token_json(request), key);
}

Json tx_auth_token_claims(std::string_view tx_payload, std::optional<std::string_view> nonce,
                            std::chrono::system_clock::time_point now) {
  return Json::parse(tx_auth_token_json(tx_payload, nonce, now));
}

std::string make_tx_auth_token(const PrivateKey& key, std::string_view tx_payload, std::optional<std::string_view> nonce,
                               std::chrono::system_clock::time_point now) {
  return sign_payload_json(tx_auth_token_json(tx_payload, nonce, now), key);
}

}  // namespace loginid::detail
