// Helpers for bench/emulator/run.sh (a benchmark, not a test):
//   setup  URL CREDENTIALS            creates the user "bench-user", prints "<active kid> <management client id>"
//   tokens CREDENTIALS SCOPE COUNT FILES PREFIX
//                                     writes COUNT fresh management service tokens split over
//                                     PREFIX.1 .. PREFIX.FILES (one per wrk thread; nonces are single use)
//   ecdsa  SECONDS                    ES256 verifications per second on one core
//   wake   URL CREDENTIALS ROUNDS     parked wait_code answer latency, "p50_us p99_us p50_us p99_us": measured
//                                     from sending the authorize, then from the authorize's own answer
//                                     (negative when the waiter answers first)
//   rtt    URL ROUNDS                 keep-alive GET round trip latency, "p50_us p99_us"
//   password-timing URL CREDENTIALS ROUNDS
//                                     POST /authenticate/password answer time for a wrong password of an
//                                     existing user and for a username that does not exist, ROUNDS of
//                                     each, alternating (the order flips every round), every name used
//                                     once (so no lockout): "wrong_p50_us wrong_mean_us nouser_p50_us
//                                     nouser_mean_us"
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <future>
#include <iostream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "jose/tokens.hpp"
#include "loginid/jwt.hpp"
#include "loginid/keys.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using loginid::PrivateKey;

struct App {
  std::string client_id;
  PrivateKey key;
};

App management_app(const std::string& credentials_path) {
  std::ifstream in(credentials_path);
  auto json = nlohmann::json::parse(in);
  const auto& m = json.at("management");
  return {m.at("client_id").get<std::string>(), PrivateKey::from_pem(m.at("private_key").get<std::string>())};
}

std::string token(const App& app, const std::string& scope) {
  loginid::detail::ServiceTokenRequest request;
  request.client_id = app.client_id;
  request.scope = scope;
  request.now = std::chrono::system_clock::now();
  return loginid::detail::make_service_token(app.key, request);
}

httplib::Headers auth(const App& app, const std::string& scope) {
  return {{"Authorization", "Bearer " + token(app, scope)}, {"X-Client-ID", app.client_id}};
}

httplib::Client client_for(const std::string& url) {
  httplib::Client client(url);
  client.set_keep_alive(true);
  client.set_tcp_nodelay(true);
  client.set_read_timeout(30);
  return client;
}

nlohmann::json post(httplib::Client& client, const std::string& path, const nlohmann::json& body,
                    const httplib::Headers& headers, int want = 200) {
  auto result = client.Post(path.c_str(), headers, body.dump(), "application/json");
  if (!result || result->status != want) {
    throw std::runtime_error(path + " failed: " + (result ? result->body : std::string("no answer")));
  }
  return result->body.empty() ? nlohmann::json() : nlohmann::json::parse(result->body);
}

std::string percentiles(std::vector<double> samples_us) {
  std::sort(samples_us.begin(), samples_us.end());
  auto at = [&](double q) { return samples_us[static_cast<std::size_t>(q * static_cast<double>(samples_us.size() - 1))]; };
  char line[64];
  std::snprintf(line, sizeof line, "%.0f %.0f", at(0.50), at(0.99));
  return line;
}

int setup(const std::string& url, const std::string& credentials) {
  auto app = management_app(credentials);
  auto client = client_for(url);
  post(client, "/manage/users", {{"username", "bench-user"}}, auth(app, "users.create"));
  auto keys = nlohmann::json::parse(client.Get("/emulator/keys")->body).at("keys");
  for (const auto& key : keys) {
    if (key.at("active").get<bool>()) std::cout << key.at("kid").get<std::string>() << " " << app.client_id << "\n";
  }
  return 0;
}

int tokens(const std::string& credentials, const std::string& scope, long count, int files, const std::string& prefix) {
  auto app = management_app(credentials);
  std::vector<std::ofstream> out;
  for (int i = 1; i <= files; ++i) out.emplace_back(prefix + "." + std::to_string(i));
  for (long i = 0; i < count; ++i) out[static_cast<std::size_t>(i % files)] << token(app, scope) << "\n";
  return 0;
}

int ecdsa(double seconds) {
  auto key = PrivateKey::generate();
  auto pub = key.public_key();
  auto signature = key.sign_es256("bench");
  long n = 0;
  const auto end = Clock::now() + std::chrono::duration<double>(seconds);
  while (Clock::now() < end) {
    for (int i = 0; i < 100; ++i) n += pub.verify_es256("bench", signature) ? 1 : 0;
  }
  std::printf("%.0f\n", static_cast<double>(n) / seconds);
  return 0;
}

int wake(const std::string& url, const std::string& credentials, int rounds) {
  auto app = management_app(credentials);
  auto web_id = [&] {
    std::ifstream in(credentials);
    return nlohmann::json::parse(in).at("web").at("client_id").get<std::string>();
  }();
  auto control = client_for(url);
  post(control, "/manage/users", {{"username", "wake-user"}}, auth(app, "users.create"));
  auto waiter_client = client_for(url);
  std::vector<double> from_call;
  std::vector<double> from_answer;
  for (int i = 0; i < rounds; ++i) {
    auto code = post(control, "/codes/short/generate",
                     {{"purpose", "temporary_authentication"}, {"username", "wake-user"}}, auth(app, "codes.generate"))
                    .at("code")
                    .get<std::string>();
    auto waiter = std::async(std::launch::async, [&] {
      post(waiter_client, "/authenticate/code/wait",
           {{"client_id", web_id}, {"username", "wake-user"}, {"authentication_code", {{"code", code}, {"type", "short"}}}},
           {});
      return Clock::now();
    });
    // Bounded: until the emulator reports the waiter parked.
    for (int spin = 0; spin < 5000; ++spin) {
      auto health = nlohmann::json::parse(control.Get("/emulator/health")->body);
      if (health.value("waiters", 0) == 1) break;
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    auto headers = auth(app, "codes.authorize");  // signed before the clock starts
    const auto start = Clock::now();
    post(control, "/codes/short/authorize",
         {{"purpose", "temporary_authentication"}, {"username", "wake-user"}, {"code", code}}, headers);
    const auto answered = Clock::now();
    const auto woke = waiter.get();
    from_call.push_back(std::chrono::duration<double, std::micro>(woke - start).count());
    from_answer.push_back(std::chrono::duration<double, std::micro>(woke - answered).count());
  }
  std::cout << percentiles(from_call) << " " << percentiles(from_answer) << "\n";
  return 0;
}

int rtt(const std::string& url, int rounds) {
  auto client = client_for(url);
  std::vector<double> samples;
  for (int i = 0; i < rounds; ++i) {
    const auto start = Clock::now();
    auto result = client.Get("/emulator/health");
    if (!result) throw std::runtime_error("no answer");
    samples.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
  }
  std::cout << percentiles(samples) << "\n";
  return 0;
}

}  // namespace

int password_timing(const std::string& url, const std::string& credentials, int rounds) {
  std::ifstream in(credentials);
  const auto web = nlohmann::json::parse(in).at("web");
  const App app{web.at("client_id").get<std::string>(), PrivateKey::from_pem(web.at("private_key").get<std::string>())};
  auto client = client_for(url);
  const std::string password = "the right passphrase, long enough";
  for (int i = 0; i < rounds; ++i) {  // users with a password, one per round
    post(client, "/register/password",
         {{"client_id", app.client_id}, {"username", "timing-" + std::to_string(i)}, {"password", password},
          {"password_confirmation", password}},
         auth(app, "auth.register"));
  }
  auto attempt = [&](const std::string& username) {
    const auto headers = auth(app, "auth.login");  // signed before the clock starts
    const std::string body =
        nlohmann::json{{"client_id", app.client_id}, {"username", username}, {"password", "a wrong guess here"}}.dump();
    const auto start = Clock::now();
    auto result = client.Post("/authenticate/password", headers, body, "application/json");
    const double us = std::chrono::duration<double, std::micro>(Clock::now() - start).count();
    if (!result || result->status != 401) {
      throw std::runtime_error("expected 401 credential_invalid, got " + (result ? result->body : std::string("none")));
    }
    return us;
  };
  std::vector<double> wrong;
  std::vector<double> nouser;
  for (int i = 0; i < rounds; ++i) {
    const std::string existing = "timing-" + std::to_string(i);
    const std::string missing = "nobody-" + std::to_string(i);
    if (i % 2 == 0) {
      wrong.push_back(attempt(existing));
      nouser.push_back(attempt(missing));
    } else {
      nouser.push_back(attempt(missing));
      wrong.push_back(attempt(existing));
    }
  }
  auto p50 = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  auto mean = [](const std::vector<double>& v) {
    double sum = 0;
    for (double x : v) sum += x;
    return sum / static_cast<double>(v.size());
  };
  std::printf("%.0f %.0f %.0f %.0f\n", p50(wrong), mean(wrong), p50(nouser), mean(nouser));
  return 0;
}

int main(int argc, char** argv) {
  try {
    std::vector<std::string> a(argv + 1, argv + argc);
    if (a.size() == 3 && a[0] == "setup") return setup(a[1], a[2]);
    if (a.size() == 6 && a[0] == "tokens") return tokens(a[1], a[2], std::stol(a[3]), std::stoi(a[4]), a[5]);
    if (a.size() == 2 && a[0] == "ecdsa") return ecdsa(std::stod(a[1]));
    if (a.size() == 4 && a[0] == "wake") return wake(a[1], a[2], std::stoi(a[3]));
    if (a.size() == 3 && a[0] == "rtt") return rtt(a[1], std::stoi(a[2]));
    if (a.size() == 4 && a[0] == "password-timing") return password_timing(a[1], a[2], std::stoi(a[3]));
    std::cerr << "usage: see the comment at the top of bench/emulator/bench_tool.cpp\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "emulator_bench_tool: " << e.what() << "\n";
    return 1;
  }
}
