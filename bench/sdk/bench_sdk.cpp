// SDK hot paths against raw OpenSSL in the same run (issue 4, "Performance"):
//  - generate_service_token vs a raw ECDSA P-256 sign of a 32-byte digest (goal >= 0.90)
//  - verify_token with a warm key cache vs a raw ECDSA P-256 verify (goal >= 0.95)
//  - verify_token answered by the verified-token cache (goal >= 1,000,000/s)
// BM_Pair* measure ours and raw in alternating batches of the same benchmark (fair on a busy
// machine); bench/sdk/run.sh turns their counters into ratio lines.

#include <benchmark/benchmark.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include <array>
#include <memory>
#include <stdexcept>
#include <string>

#include "common/alternating.hpp"
#include "loginid/client.hpp"
#include "loginid/jwt.hpp"
#include "loginid/keys.hpp"
#include "loginid/transport.hpp"

// Made once: the calls measured take the username by reference, as an application holds it.
const loginid::Username kAlice("alice@example.com");

namespace {

constexpr const char* kClient = "bench-client";
constexpr const char* kKid = "bench-kid";

// Serves /certs for the bench's "LoginID" key; nothing else is called.
class CertsOnly final : public loginid::HttpTransport {
 public:
  explicit CertsOnly(std::string pem) : pem_(std::move(pem)) {}
  loginid::HttpResponse send(const loginid::HttpRequest&) override {
    return loginid::HttpResponse{200, {{"Cache-Control", "max-age=86400"}}, pem_};
  }

 private:
  std::string pem_;
};

struct Fixture {
  loginid::PrivateKey app_key = loginid::PrivateKey::generate();
  loginid::PrivateKey loginid_key = loginid::PrivateKey::generate();
  std::string user_token;

  Fixture() {
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    const std::string iat = std::to_string(now);
    const std::string exp = std::to_string(now + 3600);
    user_token = loginid::sign_jwt(
        loginid::Claims::from_json(
            R"({"iss":"loginid.io","sub":"6f1c1f8e-3a0b-4c1e-9d1a-0f5b6c7d8e9f","sid":"0b7e2c3d-4f5a-4b6c-8d9e-0f1a2b3c4d5e",)"
            R"("nid":"ns-1","aud":")" + std::string(kClient) + R"(","action":"login","iat":)" + iat + R"(,"exp":)" + exp +
            R"(,"udata":"alice@example.com"})"),
        loginid_key, kKid);
  }

  [[nodiscard]] loginid::LoginID client(bool token_cache) const {
    loginid::Options options;
    options.base_url = "http://127.0.0.1:9";
    options.transport = std::make_shared<CertsOnly>(loginid_key.public_key().to_pem());
    options.token_cache.enabled = token_cache;
    return loginid::LoginID(kClient, app_key, options);
  }
};

const Fixture& fixture() {
  static const Fixture f;
  return f;
}

// A raw OpenSSL P-256 key with sign and verify contexts initialised once (the cheapest baseline).
struct RawEcdsa {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  EVP_PKEY_CTX* sign_ctx = EVP_PKEY_CTX_new(key, nullptr);
  EVP_PKEY_CTX* verify_ctx = EVP_PKEY_CTX_new(key, nullptr);
  std::array<unsigned char, 32> digest{};
  std::array<unsigned char, 80> signature{};
  std::size_t signature_size = signature.size();

  RawEcdsa() {
    digest.fill(0x5a);
    if (key == nullptr || EVP_PKEY_sign_init(sign_ctx) != 1 || EVP_PKEY_verify_init(verify_ctx) != 1 ||
        EVP_PKEY_sign(sign_ctx, signature.data(), &signature_size, digest.data(), digest.size()) != 1) {
      throw std::runtime_error("OpenSSL set-up failed");
    }
  }
  ~RawEcdsa() {
    EVP_PKEY_CTX_free(sign_ctx);
    EVP_PKEY_CTX_free(verify_ctx);
    EVP_PKEY_free(key);
  }
  RawEcdsa(const RawEcdsa&) = delete;
  RawEcdsa& operator=(const RawEcdsa&) = delete;
};

constexpr int kBatch = 32;  // runs per alternating batch

void BM_PairSign(benchmark::State& state) {
  const auto client = fixture().client(false);
  RawEcdsa raw;
  loginid::bench::paired(
      state, kBatch,
      [&] { benchmark::DoNotOptimize(client.generate_service_token("users.retrieve", {.username = kAlice})); },
      [&] {
        std::size_t size = raw.signature.size();
        benchmark::DoNotOptimize(EVP_PKEY_sign(raw.sign_ctx, raw.signature.data(), &size, raw.digest.data(), 32));
      });
}
BENCHMARK(BM_PairSign);

void BM_PairVerify(benchmark::State& state) {
  const auto client = fixture().client(false);
  const auto& token = fixture().user_token;
  if (!client.verify_token(token, kAlice)) {  // warms the key cache
    state.SkipWithError("the bench token does not verify");
    return;
  }
  RawEcdsa raw;
  loginid::bench::paired(
      state, kBatch, [&] { benchmark::DoNotOptimize(client.verify_token(token, kAlice)); },
      [&] {
        benchmark::DoNotOptimize(
            EVP_PKEY_verify(raw.verify_ctx, raw.signature.data(), raw.signature_size, raw.digest.data(), 32));
      });
}
BENCHMARK(BM_PairVerify);

void BM_RawEcdsaSign(benchmark::State& state) {
  RawEcdsa raw;
  for (auto _ : state) {
    std::size_t size = raw.signature.size();
    benchmark::DoNotOptimize(EVP_PKEY_sign(raw.sign_ctx, raw.signature.data(), &size, raw.digest.data(), 32));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RawEcdsaSign);

void BM_GenerateServiceToken(benchmark::State& state) {
  const auto client = fixture().client(false);
  for (auto _ : state) {
    benchmark::DoNotOptimize(client.generate_service_token("users.retrieve", {.username = kAlice}));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_GenerateServiceToken);

void BM_RawEcdsaVerify(benchmark::State& state) {
  RawEcdsa raw;
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        EVP_PKEY_verify(raw.verify_ctx, raw.signature.data(), raw.signature_size, raw.digest.data(), 32));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RawEcdsaVerify);

void verify_loop(benchmark::State& state, bool token_cache) {
  const auto client = fixture().client(token_cache);
  const auto& token = fixture().user_token;
  if (!client.verify_token(token, kAlice)) {  // warms the key cache (and the token cache)
    state.SkipWithError("the bench token does not verify");
    return;
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(client.verify_token(token, kAlice));
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_VerifyTokenWarmKeyCache(benchmark::State& state) { verify_loop(state, false); }
BENCHMARK(BM_VerifyTokenWarmKeyCache);

void BM_VerifyTokenCacheHit(benchmark::State& state) { verify_loop(state, true); }
BENCHMARK(BM_VerifyTokenCacheHit);

}  // namespace

BENCHMARK_MAIN();
