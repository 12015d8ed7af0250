// get_user through the SDK vs a raw libcurl keep-alive POST of the same request, against a local
// loginid-emulator, in the same run. The raw client gets pre-made service tokens (nonces are
// single use, so one per request) and pays no signing. The SDK needs a fresh token per call: by
// default (Options::presign) its background thread signs the next one while a call waits for its
// answer; a second SDK client with presign off signs inline. A second raw variant signs per call
// too: the gap between the raw variants is the inherent ECDSA cost.
//
// The four run in alternating batches inside one benchmark, taking turns going first, so a busy
// machine slows all of them alike and the ratios stay meaningful. Connection reuse is shown by counters: the raw
// client's CURLINFO_NUM_CONNECTS after its first call, and the connections the SDK's transport
// opened (curl_transport_stats).
//
//   bench_sdk_get_user [benchmark flags] <emulator credentials file>
// (bench/sdk/run.sh starts a fresh emulator through examples/run_with_emulator.sh.)

#include <benchmark/benchmark.h>
#include <curl/curl.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/alternating.hpp"
#include "jose/tokens.hpp"
#include "loginid/loginid.hpp"

namespace {

constexpr int kBatches = 40;
constexpr int kBatchSize = 50;

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

// One libcurl easy handle (it keeps its connection alive between calls) posting retrieve requests.
class RawClient {
 public:
  RawClient(std::size_t premade_tokens)
      : key_(loginid::PrivateKey::from_pem(g_setup.private_key)),
        url_(g_setup.base_url + "/manage/users/retrieve"),
        body_(nlohmann::json{{"username", g_setup.username}}.dump()),
        client_header_("X-Client-ID: " + g_setup.client_id),
        curl_(curl_easy_init(), curl_easy_cleanup) {
    tokens_.reserve(premade_tokens);
    for (std::size_t i = 0; i < premade_tokens; ++i) tokens_.push_back(authorization_header());
  }

  /// One POST; `sign` makes its token now instead of taking a pre-made one. Returns the new
  /// connections curl opened for it.
  long post(bool sign) {
    const std::string fresh = sign ? authorization_header() : std::string();
    if (!sign && next_ >= tokens_.size()) throw std::runtime_error("out of pre-made tokens");
    curl_slist* list = curl_slist_append(nullptr, sign ? fresh.c_str() : tokens_[next_++].c_str());
    list = curl_slist_append(list, client_header_.c_str());
    list = curl_slist_append(list, "Content-Type: application/json");
    answer_.clear();
    CURL* curl = curl_.get();
    curl_easy_setopt(curl, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body_.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body_.size()));
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer_);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    const CURLcode rc = curl_easy_perform(curl);
    long status = 0;
    long connects = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &connects);
    curl_slist_free_all(list);
    if (rc != CURLE_OK || status != 200) throw std::runtime_error("raw request failed: " + answer_);
    benchmark::DoNotOptimize(nlohmann::json::parse(answer_));  // the SDK parses its answer too
    return connects;
  }

 private:
  std::string authorization_header() const {
    loginid::detail::ServiceTokenRequest request{};
    request.client_id = g_setup.client_id;
    request.scope = "users.retrieve";
    request.now = std::chrono::system_clock::now();
    return "Authorization: Bearer " + loginid::detail::make_service_token(key_, request);
  }

  loginid::PrivateKey key_;
  std::string url_, body_, client_header_;
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl_;
  std::vector<std::string> tokens_;
  std::size_t next_ = 0;
  std::string answer_;
};

void BM_PairGetUser(benchmark::State& state) {
  auto transport = loginid::make_curl_transport();
  loginid::Options options;
  options.base_url = g_setup.base_url;
  options.transport = transport;
  const loginid::LoginIdManagement mgmt(g_setup.client_id, std::string(g_setup.private_key), options);
  loginid::Options inline_options = options;
  inline_options.transport = loginid::make_curl_transport();
  inline_options.presign.enabled = false;
  const loginid::LoginIdManagement mgmt_inline(g_setup.client_id, std::string(g_setup.private_key), inline_options);
  RawClient raw(static_cast<std::size_t>(state.max_iterations) * kBatchSize + 1);

  const loginid::Username username(g_setup.username);  // made once, as an application holds it
  (void)mgmt.get_user(username);  // first calls connect
  (void)mgmt_inline.get_user(username);
  (void)raw.post(false);
  const auto sdk_before = loginid::curl_transport_stats(*transport).value_or(loginid::TransportStats{});

  long raw_new_connections = 0;
  auto ours_call = [&] { benchmark::DoNotOptimize(mgmt.get_user(username)); };
  auto plain_call = [&] { raw_new_connections += raw.post(false); };
  auto signing_call = [&] { raw_new_connections += raw.post(true); };
  auto ours_inline_call = [&] { benchmark::DoNotOptimize(mgmt_inline.get_user(username)); };
  // Wall time (the emulator's work counts); the four take turns going first.
  using loginid::bench::timed_batch;
  using loginid::bench::wall_ns;
  double ours = 0, plain = 0, signing = 0, ours_inline = 0;
  int round = 0;
  for (auto _ : state) {
    for (int turn = 0; turn < 4; ++turn) {
      switch ((round + turn) % 4) {
        case 0: ours += timed_batch(wall_ns, ours_call, kBatchSize) * 1e-9; break;
        case 1: plain += timed_batch(wall_ns, plain_call, kBatchSize) * 1e-9; break;
        case 2: signing += timed_batch(wall_ns, signing_call, kBatchSize) * 1e-9; break;
        default: ours_inline += timed_batch(wall_ns, ours_inline_call, kBatchSize) * 1e-9; break;
      }
    }
    ++round;
  }
  const auto sdk_after = loginid::curl_transport_stats(*transport).value_or(loginid::TransportStats{});
  const double calls = static_cast<double>(state.iterations()) * kBatchSize;
  state.counters["ours_per_s"] = calls / ours;
  state.counters["raw_per_s"] = calls / plain;
  state.counters["raw_signing_per_s"] = calls / signing;
  state.counters["time_ratio_vs_raw"] = ours / plain;
  state.counters["time_ratio_vs_raw_signing"] = ours / signing;
  state.counters["ours_presign_off_per_s"] = calls / ours_inline;
  state.counters["time_ratio_presign_off_vs_raw"] = ours_inline / plain;
  state.counters["sdk_new_connections_after_first"] =
      static_cast<double>(sdk_after.connections_opened - sdk_before.connections_opened);
  state.counters["raw_new_connections_after_first"] = static_cast<double>(raw_new_connections);
}

BENCHMARK(BM_PairGetUser)->Iterations(kBatches)->Unit(benchmark::kMillisecond)->UseRealTime();

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
    const loginid::LoginIdManagement mgmt(g_setup.client_id, std::string(g_setup.private_key), options);
    (void)mgmt.add_user_without_credentials(loginid::Username(g_setup.username));
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  curl_global_cleanup();
  return 0;
}
