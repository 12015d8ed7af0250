// 8 threads share one ServiceClient and one TokenVerifier (key cache + verified-token cache) and mix
// verifications, key rotations to new kids, and calls that get retried. Run under ThreadSanitizer by
// scripts/test.sh (label concurrency): a data race fails the build there.

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "loginid/jwt.hpp"
#include "sdk/token_verifier.hpp"
#include "jose/jwt_json.hpp"
#include "test_transport_fake.hpp"

namespace loginid::detail {
namespace {

using test::answer;

constexpr int kThreads = 8;
constexpr int kRounds = 60;
constexpr int kKids = 4;
constexpr const char* kClient = "client-app";

TEST(Concurrency, SharedClientAndVerifierUnderMixedLoad) {
  test::ManualClock clock;
  const PrivateKey signer = PrivateKey::generate();
  const std::string pem = signer.public_key().to_pem();
  auto transport = std::make_shared<test::ScriptedTransport>();
  std::atomic<int> certs_fetches{0};
  std::mutex seen_mutex;
  std::set<std::string> seen_bodies;
  transport->set_handler([&](const HttpRequest& request, int) {
    if (request.url.find("/certs?kid=") != std::string::npos) {
      ++certs_fetches;
      return answer(200, pem, {{"Cache-Control", "max-age=300"}});
    }
    {
      // The first attempt of every call fails with 503, so every call goes through one retry.
      const std::lock_guard lock(seen_mutex);
      if (seen_bodies.insert(request.body).second) {
        return answer(503, R"({"code":"unavailable","message":"retry me"})");
      }
    }
    return answer(200, R"({"id":"u1"})", {{"X-Request-ID", "r"}});
  });
  Options options;
  options.base_url = "http://127.0.0.1:9";
  options.transport = transport;
  options.clock = clock.as_clock();
  options.retry.max_attempts = 4;
  options.token_cache.enabled = true;
  options.token_cache.max_entries = 16;  // small: eviction runs concurrently too
  std::atomic<int> log_lines{0};
  options.log = [&](LogLevel, std::string_view) { ++log_lines; };
  const auto service =
      std::make_shared<const ServiceClient>(options, kClient, [](std::chrono::milliseconds, const CancellationToken&) { std::this_thread::yield(); });
  const TokenVerifier verifier(service);

  const auto now = std::chrono::duration_cast<std::chrono::seconds>(clock.now().time_since_epoch()).count();
  std::vector<std::string> tokens;
  for (int i = 0; i < 32; ++i) {
    tokens.push_back(sign_jwt_json(Json{{"aud", kClient}, {"sub", "u" + std::to_string(i)}, {"iat", now},
                                         {"exp", now + 3600}, {"udata", "user" + std::to_string(i)}},
                              signer, "kid-" + std::to_string(i % kKids)));
  }

  std::atomic<int> verified{0};
  std::atomic<int> calls_ok{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < kRounds; ++round) {
        const auto& token = tokens[static_cast<std::size_t>((t * 7 + round) % 32)];
        std::error_code ec;
        const int user = (t * 7 + round) % 32;
        if (verifier.verify(token, TokenExpectations{kClient, "user" + std::to_string(user)}, ec)) {
          ++verified;
        } else {
          ++failures;
        }
        if (round % 3 == 0) {
          ApiCall call;
          call.method = "POST";
          call.path = "/manage/users/retrieve";
          call.body = nlohmann::json{{"username", "user-" + std::to_string(t) + "-" + std::to_string(round)}};
          call.bearer = "t";
          try {
            if (service->call(call).json["id"] == "u1") {
              ++calls_ok;
            }
          } catch (const Error&) {
            ++failures;
          }
        }
        if (t == 0 && round % 20 == 19) {
          clock.advance(std::chrono::seconds(1));  // time moves while others read it
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(verified.load(), kThreads * kRounds);
  EXPECT_EQ(calls_ok.load(), kThreads * ((kRounds + 2) / 3));
  EXPECT_EQ(certs_fetches.load(), kKids);  // single flight per kid, then cached
  EXPECT_EQ(transport->count(), static_cast<std::size_t>(kKids + 2 * calls_ok.load()));  // one retry per call
  EXPECT_GT(log_lines.load(), 0);
}

}  // namespace
}  // namespace loginid::detail
