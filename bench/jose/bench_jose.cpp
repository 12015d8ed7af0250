// ES256 cost of the JOSE core against the floor OpenSSL sets: raw ECDSA P-256 over a 32-byte
// digest with a pre-loaded key and a context initialised once (the fastest honest baseline, since
// it skips hashing, JSON, base64 and all per-call set-up).
//
// BM_PairSign / BM_PairVerify give the figures (bench/jose/run.sh prints them): ours and raw run in
// alternating small batches inside one benchmark and are timed in thread CPU time, so both sides
// see the same machine state; on this shared 2-core machine separate benchmarks drift by far more
// than the 5-10% being measured. The single benchmarks below are the breakdown.
//
//   BM_SignServiceToken  make_service_token: claims (fresh nonce), JSON, base64url, SHA-256, ECDSA
//   BM_RawEcdsaSign      EVP_PKEY_sign on a fixed digest, reused EVP_PKEY_CTX
//   BM_VerifyJwt         verify_jwt of a service token: split, base64url, strict JSON, claims, ECDSA
//   BM_RawEcdsaVerify    EVP_PKEY_verify of a DER signature on a fixed digest, reused EVP_PKEY_CTX
#include <benchmark/benchmark.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <array>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>

#include "jose/jwt_json.hpp"
#include "jose/tokens.hpp"
#include "common/alternating.hpp"
#include "loginid/jwt.hpp"

namespace {

using loginid::PrivateKey;
using loginid::PublicKey;

struct Fixture {
  PrivateKey key = PrivateKey::generate();
  PublicKey pub = key.public_key();
  std::chrono::system_clock::time_point now = std::chrono::system_clock::now();

  static const Fixture& get() {
    static const Fixture fixture;
    return fixture;
  }

  [[nodiscard]] loginid::detail::ServiceTokenRequest request() const {
    return {.client_id = "6f1b0c2e-6d4e-4e07-9a0e-3f6c1c0a9b11",
            .scope = "users.retrieve",
            .username = "alice@example.com",
            .now = now};
  }
};

/// The same key as an OpenSSL EVP_PKEY, parsed once before timing.
EVP_PKEY* openssl_key() {
  static EVP_PKEY* const pkey = [] {
    const loginid::SecretString pem = Fixture::get().key.to_pem();
    BIO* bio = BIO_new_mem_buf(pem.view().data(), static_cast<int>(pem.size()));
    EVP_PKEY* k = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    if (k == nullptr) {
      throw std::runtime_error("cannot load the benchmark key into OpenSSL");
    }
    return k;
  }();
  return pkey;
}

std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ready_ctx(bool sign) {
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
      EVP_PKEY_CTX_new_from_pkey(nullptr, openssl_key(), nullptr), &EVP_PKEY_CTX_free);
  if (!ctx || (sign ? EVP_PKEY_sign_init(ctx.get()) : EVP_PKEY_verify_init(ctx.get())) != 1) {
    throw std::runtime_error("EVP_PKEY_*_init failed");
  }
  return ctx;
}

constexpr std::array<unsigned char, 32> kDigest = {1, 2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
                                                   17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

void BM_SignServiceToken(benchmark::State& state) {
  const Fixture& f = Fixture::get();
  const auto request = f.request();
  for (auto _ : state) {
    std::string token = loginid::detail::make_service_token(f.key, request);
    benchmark::DoNotOptimize(token);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_RawEcdsaSign(benchmark::State& state) {
  auto ctx = ready_ctx(true);
  std::array<unsigned char, 80> sig{};
  for (auto _ : state) {
    std::size_t len = sig.size();
    if (EVP_PKEY_sign(ctx.get(), sig.data(), &len, kDigest.data(), kDigest.size()) != 1) {
      state.SkipWithError("EVP_PKEY_sign failed");
      break;
    }
    benchmark::DoNotOptimize(sig);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_VerifyJwt(benchmark::State& state) {
  const Fixture& f = Fixture::get();
  const std::string token = loginid::detail::make_service_token(f.key, f.request());
  loginid::VerifyPolicy policy;
  policy.clock = [now = f.now] { return now; };
  for (auto _ : state) {
    std::error_code ec;
    auto claims = loginid::verify_jwt(token, f.pub, policy, ec);
    if (!claims) {
      state.SkipWithError("verify_jwt rejected the benchmark token");
      break;
    }
    benchmark::DoNotOptimize(claims);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_RawEcdsaVerify(benchmark::State& state) {
  std::array<unsigned char, 80> sig{};
  std::size_t sig_len = sig.size();
  {
    auto signer = ready_ctx(true);
    if (EVP_PKEY_sign(signer.get(), sig.data(), &sig_len, kDigest.data(), kDigest.size()) != 1) {
      state.SkipWithError("EVP_PKEY_sign failed");
      return;
    }
  }
  auto ctx = ready_ctx(false);
  for (auto _ : state) {
    const int ok = EVP_PKEY_verify(ctx.get(), sig.data(), sig_len, kDigest.data(), kDigest.size());
    if (ok != 1) {
      state.SkipWithError("EVP_PKEY_verify failed");
      break;
    }
    benchmark::DoNotOptimize(ok);
  }
  state.SetItemsProcessed(state.iterations());
}

// Breakdown of BM_SignServiceToken, to see where time beyond the ECDSA goes.
void BM_ServiceTokenClaims(benchmark::State& state) {
  const auto request = Fixture::get().request();
  for (auto _ : state) {
    auto claims = loginid::detail::service_token_claims(request);
    benchmark::DoNotOptimize(claims);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_SignJwtPrebuiltClaims(benchmark::State& state) {
  const Fixture& f = Fixture::get();
  const auto claims = loginid::detail::service_token_claims(f.request());
  for (auto _ : state) {
    std::string token = loginid::detail::sign_jwt_json(claims, f.key);
    benchmark::DoNotOptimize(token);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_SignEs256Only(benchmark::State& state) {
  const Fixture& f = Fixture::get();
  const std::string input(200, 'a');
  for (auto _ : state) {
    std::string sig = f.key.sign_es256(input);
    benchmark::DoNotOptimize(sig);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_Nonce(benchmark::State& state) {
  for (auto _ : state) {
    auto nonce = loginid::detail::random_alphanumeric();
    benchmark::DoNotOptimize(nonce);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_ClaimsDump(benchmark::State& state) {
  const auto claims = loginid::detail::service_token_claims(Fixture::get().request());
  for (auto _ : state) {
    auto text = claims.dump();
    benchmark::DoNotOptimize(text);
  }
  state.SetItemsProcessed(state.iterations());
}

// Breakdown of BM_VerifyJwt.
void BM_DecodeJwt(benchmark::State& state) {
  const Fixture& f = Fixture::get();
  const std::string token = loginid::detail::make_service_token(f.key, f.request());
  for (auto _ : state) {
    std::error_code ec;
    auto decoded = loginid::decode_jwt(token, ec);
    benchmark::DoNotOptimize(decoded);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_VerifyEs256Only(benchmark::State& state) {
  const Fixture& f = Fixture::get();
  const std::string input(250, 'a');
  const std::string sig = f.key.sign_es256(input);
  for (auto _ : state) {
    bool ok = f.pub.verify_es256(input, sig);
    benchmark::DoNotOptimize(ok);
  }
  state.SetItemsProcessed(state.iterations());
}

constexpr int kBatch = 16;  // runs per alternating batch

void BM_PairSign(benchmark::State& state) {
  const Fixture& f = Fixture::get();
  const auto request = f.request();
  auto ctx = ready_ctx(true);
  std::array<unsigned char, 80> sig{};
  loginid::bench::paired(
      state, kBatch, [&] { benchmark::DoNotOptimize(loginid::detail::make_service_token(f.key, request)); },
      [&] {
        std::size_t len = sig.size();
        benchmark::DoNotOptimize(EVP_PKEY_sign(ctx.get(), sig.data(), &len, kDigest.data(), kDigest.size()));
      });
}

/// Verifies a LoginID user token (header with kid, API.md's claims plus exp) with an audience
/// policy, as the SDK's verify_token does once it has the key.
void BM_PairVerify(benchmark::State& state) {
  const Fixture& f = Fixture::get();
  const auto iat = std::chrono::duration_cast<std::chrono::seconds>(f.now.time_since_epoch()).count();
  const std::string token = loginid::detail::sign_jwt_json(
      {{"iss", "loginid.io"}, {"sub", "6f1c1f8e-3a0b-4c1e-9d1a-0f5b6c7d8e9f"},
       {"sid", "0b7e2c3d-4f5a-4b6c-8d9e-0f1a2b3c4d5e"}, {"nid", "ns-1"}, {"aud", "client-1"}, {"action", "login"},
       {"iat", iat}, {"exp", iat + 3600}, {"udata", "alice@example.com"}},
      f.key, "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d");
  loginid::VerifyPolicy policy;
  policy.audience = "client-1";
  policy.clock = [now = f.now] { return now; };
  std::error_code ec;
  if (!loginid::verify_jwt(token, f.pub, policy, ec)) {
    state.SkipWithError("the bench token does not verify");
    return;
  }
  std::array<unsigned char, 80> sig{};
  std::size_t sig_len = sig.size();
  if (EVP_PKEY_sign(ready_ctx(true).get(), sig.data(), &sig_len, kDigest.data(), kDigest.size()) != 1) {
    state.SkipWithError("EVP_PKEY_sign failed");
    return;
  }
  auto ctx = ready_ctx(false);
  loginid::bench::paired(
      state, kBatch, [&] { benchmark::DoNotOptimize(loginid::verify_jwt(token, f.pub, policy, ec)); },
      [&] { benchmark::DoNotOptimize(EVP_PKEY_verify(ctx.get(), sig.data(), sig_len, kDigest.data(), kDigest.size())); });
}

/// Diagnostic pairs: the ES256 primitive alone, and decoding alone, against raw verify.
void BM_DiagVerifyEs256(benchmark::State& state) {
  const Fixture& f = Fixture::get();
  const std::string input(300, 'a');
  const std::string p1363 = f.key.sign_es256(input);
  std::array<unsigned char, 80> sig{};
  std::size_t sig_len = sig.size();
  (void)EVP_PKEY_sign(ready_ctx(true).get(), sig.data(), &sig_len, kDigest.data(), kDigest.size());
  auto ctx = ready_ctx(false);
  loginid::bench::paired(
      state, kBatch, [&] { benchmark::DoNotOptimize(f.pub.verify_es256(input, p1363)); },
      [&] { benchmark::DoNotOptimize(EVP_PKEY_verify(ctx.get(), sig.data(), sig_len, kDigest.data(), kDigest.size())); });
}

BENCHMARK(BM_PairSign);
BENCHMARK(BM_PairVerify);
BENCHMARK(BM_DiagVerifyEs256);
BENCHMARK(BM_DecodeJwt);
BENCHMARK(BM_VerifyEs256Only);
BENCHMARK(BM_Nonce);
BENCHMARK(BM_ClaimsDump);
BENCHMARK(BM_ServiceTokenClaims);
BENCHMARK(BM_SignJwtPrebuiltClaims);
BENCHMARK(BM_SignEs256Only);
BENCHMARK(BM_SignServiceToken);
BENCHMARK(BM_RawEcdsaSign);
BENCHMARK(BM_VerifyJwt);
BENCHMARK(BM_RawEcdsaVerify);

}  // namespace

BENCHMARK_MAIN();
