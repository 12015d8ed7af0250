// get_user through the SDK vs a raw libcurl keep-alive POST of the same request, against a local
// loginid-emulator, in the same run. The raw client gets pre-made service tokens (nonces are
// single use, so one per request) and pays no signing; the SDK signs a fresh token per call.
// Both reuse one connection: the counters show it (raw: CURLINFO_NUM_CONNECTS of every call after
// the first; ours: connections the SDK's transport opened).
//
//   bench_sdk_get_user [benchmark flags] <emulator credentials file>
// (bench/sdk/run.sh starts a fresh emulator through examples/run_with_emulator.sh.)

#include <benchmark/benchmark.h>
#include <curl/curl.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "jose/tokens.hpp"
#include "loginid/loginid.hpp"

namespace {

constexpr int kIterations = 2000;

struct Setup {
  std::string base_url;
  std::string client_id;
  std::string private_key;
  std::string username;
};
Setup g_setup;

std::size_t collect(char* data, std::size_t size, std::size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

void BM_GetUserSdk(benchmark::State& state) {
  auto transport = loginid::make_curl_transport();
  loginid::Options options;
  options.base_url = g_setup.base_url;
  options.transport = transport;
  const loginid::LoginIdManagement mgmt(g_setup.client_id, g_setup.private_key, options);
  (void)mgmt.get_user(g_setup.username);  // warm: connect once
  const auto before = loginid::curl_transport_stats(*transport).value_or(loginid::TransportStats{});
  for (auto _ : state) {
    benchmark::DoNotOptimize(mgmt.get_user(g_setup.username));
  }
  const auto after = loginid::curl_transport_stats(*transport).value_or(loginid::TransportStats{});
  state.SetItemsProcessed(state.iterations());
  state.counters["new_connections_after_first_call"] =
      static_cast<double>(after.connections_opened - before.connections_opened);
  state.counters["connections_total"] = static_cast<double>(after.connections_opened);
}

std::string authorization_header(const loginid::PrivateKey& key) {
  loginid::detail::ServiceTokenRequest request{};
  request.client_id = g_setup.client_id;
  request.scope = "users.retrieve";
  request.now = std::chrono::system_clock::now();
  return "Authorization: Bearer " + loginid::detail::make_service_token(key, request);
}

// The raw client. With `sign_per_call` it signs each token inside the timed loop (as the SDK
// must): the gap between the two raw variants is the inherent ECDSA cost, the rest is the SDK's.
void raw_curl_get_user(benchmark::State& state, bool sign_per_call) {
  const loginid::PrivateKey key = loginid::PrivateKey::from_pem(g_setup.private_key);
  std::vector<std::string> headers_auth;
  const auto needed = static_cast<std::size_t>(state.max_iterations) + 1;
  headers_auth.reserve(needed);
  for (std::size_t i = 0; i < needed && !sign_per_call; ++i) headers_auth.push_back(authorization_header(key));
  const std::string url = g_setup.base_url + "/manage/users/retrieve";
  const std::string body = nlohmann::json{{"username", g_setup.username}}.dump();
  const std::string client_header = "X-Client-ID: " + g_setup.client_id;

  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  std::string answer;
  std::size_t next = 0;
  long new_connects_after_first = 0;
  long failures = 0;
  auto post = [&]() -> long {
    curl_slist* list = nullptr;
    const std::string fresh = sign_per_call ? authorization_header(key) : std::string();
    list = curl_slist_append(list, sign_per_call ? fresh.c_str() : headers_auth[next++].c_str());
    list = curl_slist_append(list, client_header.c_str());
    list = curl_slist_append(list, "Content-Type: application/json");
    answer.clear();
    curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &answer);
    curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
    const CURLcode rc = curl_easy_perform(curl.get());
    long status = 0;
    long connects = 0;
    curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(curl.get(), CURLINFO_NUM_CONNECTS, &connects);
    curl_slist_free_all(list);
    if (rc != CURLE_OK || status != 200) ++failures;
    return connects;
  };
  (void)post();  // warm: the first call connects
  for (auto _ : state) {
    new_connects_after_first += post();
    benchmark::DoNotOptimize(nlohmann::json::parse(answer));  // the SDK parses too
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["new_connections_after_first_call"] = static_cast<double>(new_connects_after_first);
  if (failures > 0) state.SkipWithError("raw requests failed");
}

void BM_GetUserRawCurl(benchmark::State& state) { raw_curl_get_user(state, false); }
void BM_GetUserRawCurlSigning(benchmark::State& state) { raw_curl_get_user(state, true); }

BENCHMARK(BM_GetUserSdk)->Iterations(kIterations)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_GetUserRawCurl)->Iterations(kIterations)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_GetUserRawCurlSigning)->Iterations(kIterations)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s [benchmark flags] <emulator credentials file>\n", argv[0]);
    return 2;
  }
  std::ifstream in(argv[1]);
  const auto creds = nlohmann::json::parse(in);
  g_setup.base_url = creds.at("base_url");
  g_setup.client_id = creds.at("management").at("client_id");
  g_setup.private_key = creds.at("management").at("private_key");
  g_setup.username = "bench-user@example.com";
  curl_global_init(CURL_GLOBAL_DEFAULT);
  {
    loginid::Options options;
    options.base_url = g_setup.base_url;
    const loginid::LoginIdManagement mgmt(g_setup.client_id, g_setup.private_key, options);
    (void)mgmt.add_user_without_credentials(g_setup.username);
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  curl_global_cleanup();
  return 0;
}
