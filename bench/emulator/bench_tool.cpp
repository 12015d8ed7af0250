// Helpers for bench/emulator/run.sh (a benchmark, not a test):
//   setup  URL CREDENTIALS            creates the user "bench-user", prints "<active kid> <management client id>"
//   tokens CREDENTIALS SCOPE COUNT FILES PREFIX
//                                     writes COUNT fresh management service tokens split over
//                                     PREFIX.1 .. PREFIX.FILES (one per wrk thread; nonces are single use)
//   ecdsa  SECONDS THREADS            ES256 verifications with THREADS verifying at once: "per_second
//                                     per_cpu_second" (wall clock summed over threads; per second of CPU)
//   wake   URL CREDENTIALS ROUNDS PARKED PID
//                                     parks PARKED wait_code calls (one connection each), then measures
//                                     ROUNDS authorize -> wait_code answers of one more waiter; prints
//                                     "p50_us p99_us p50_us p99_us rss_bytes_per_parked threads_before
//                                     threads_parked": latencies from sending the authorize, then from the
//                                     authorize's own answer (negative when the waiter answers first); the
//                                     RSS growth and thread counts of process PID
//   rtt    URL ROUNDS                 keep-alive GET round trip latency, "p50_us p99_us"
//   password-timing URL CREDENTIALS ROUNDS
//                                     POST /authenticate/password answer time for a wrong password of an
//                                     existing user and for a username that does not exist, ROUNDS of
//                                     each, alternating (the order flips every round), every name used
//                                     once (so no lockout): "wrong_p50_us wrong_mean_us nouser_p50_us
//                                     nouser_mean_us"
#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <mutex>
#include <cstdio>
#include <fstream>
#include <future>
#include <iostream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/process_status.hpp"
#include "jose/tokens.hpp"
#include "loginid/jwt.hpp"
#include "loginid/keys.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using loginid::PrivateKey;
using loginid::bench::sample_process;

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
  std::vector<std::thread> writers;  // one per file: signing is the slow part
  for (int f = 1; f <= files; ++f) {
    writers.emplace_back([&, f] {
      std::ofstream out(prefix + "." + std::to_string(f));
      for (long i = f - 1; i < count; i += files) out << token(app, scope) << "\n";
    });
  }
  for (auto& w : writers) w.join();
  return 0;
}

/// CPU time of the calling thread, seconds: a verify costs the same on a busy machine.
double thread_cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

int ecdsa(double seconds, int threads) {
  std::atomic<long> total{0};
  std::mutex cpu_mutex;
  double cpu = 0;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      auto key = PrivateKey::generate();
      auto pub = key.public_key();
      auto signature = key.sign_es256("bench");
      long n = 0;
      const double cpu_start = thread_cpu_seconds();
      const auto end = Clock::now() + std::chrono::duration<double>(seconds);
      while (Clock::now() < end) {
        for (int i = 0; i < 100; ++i) n += pub.verify_es256("bench", signature) ? 1 : 0;
      }
      const double used = thread_cpu_seconds() - cpu_start;
      total += n;
      std::lock_guard lock(cpu_mutex);
      cpu += used;
    });
  }
  for (auto& w : workers) w.join();
  std::printf("%.0f %.0f\n", static_cast<double>(total.load()) / seconds, static_cast<double>(total.load()) / cpu);
  return 0;
}

int port_of(const std::string& url) { return std::stoi(url.substr(url.rfind(':') + 1)); }

/// A blocking loopback connection that sent `request` and is never read: a parked waiter.
int park_one(int port, const std::string& request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket() failed (open-file limit?)");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
    ::close(fd);
    throw std::runtime_error("a parked waiter could not connect or send");
  }
  return fd;
}

/// Polls /emulator/health (bounded) until `waiters` are parked.
void await_waiters(httplib::Client& control, int waiters, std::chrono::seconds limit) {
  const auto give_up = Clock::now() + limit;
  while (Clock::now() < give_up) {
    auto health = control.Get("/emulator/health");
    if (health && nlohmann::json::parse(health->body).value("waiters", -1) == waiters) return;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  throw std::runtime_error("the emulator did not report " + std::to_string(waiters) + " parked waiters in time");
}

int wake(const std::string& url, const std::string& credentials, int rounds, int parked, const std::string& pid) {
  rlimit files{};
  ::getrlimit(RLIMIT_NOFILE, &files);
  files.rlim_cur = std::min<rlim_t>(files.rlim_max, static_cast<rlim_t>(parked) + 256);
  ::setrlimit(RLIMIT_NOFILE, &files);
  auto app = management_app(credentials);
  auto web_id = [&] {
    std::ifstream in(credentials);
    return nlohmann::json::parse(in).at("web").at("client_id").get<std::string>();
  }();
  auto control = client_for(url);
  post(control, "/manage/users", {{"username", "wake-user"}}, auth(app, "users.create"));
  auto wait_body = [&](const std::string& code) {
    return nlohmann::json{
        {"client_id", web_id}, {"username", "wake-user"}, {"authentication_code", {{"code", code}, {"type", "short"}}}};
  };
  auto generate = [&] {
    return post(control, "/codes/short/generate", {{"purpose", "temporary_authentication"}, {"username", "wake-user"}},
                auth(app, "codes.generate"))
        .at("code")
        .get<std::string>();
  };

  // The crowd: PARKED waits on one code nobody authorizes, each on its own connection.
  const auto before = sample_process(pid);
  const auto body = wait_body(generate()).dump();
  const std::string request = "POST /authenticate/code/wait HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                              "Content-Type: application/json\r\nContent-Length: " +
                              std::to_string(body.size()) + "\r\n\r\n" + body;
  std::vector<int> crowd;
  struct CloseAll {
    std::vector<int>& fds;
    ~CloseAll() {
      for (int fd : fds) ::close(fd);
    }
  } close_all{crowd};
  for (int i = 0; i < parked; ++i) crowd.push_back(park_one(port_of(url), request));
  await_waiters(control, parked, std::chrono::seconds(120));
  const auto peak = sample_process(pid);

  auto waiter_client = client_for(url);
  std::vector<double> from_call;
  std::vector<double> from_answer;
  for (int i = 0; i < rounds; ++i) {
    auto code = generate();
    auto waiter = std::async(std::launch::async, [&] {
      post(waiter_client, "/authenticate/code/wait", wait_body(code), {});
      return Clock::now();
    });
    await_waiters(control, parked + 1, std::chrono::seconds(30));
    auto headers = auth(app, "codes.authorize");  // signed before the clock starts
    const auto start = Clock::now();
    post(control, "/codes/short/authorize",
         {{"purpose", "temporary_authentication"}, {"username", "wake-user"}, {"code", code}}, headers);
    const auto answered = Clock::now();
    const auto woke = waiter.get();
    from_call.push_back(std::chrono::duration<double, std::micro>(woke - start).count());
    from_answer.push_back(std::chrono::duration<double, std::micro>(woke - answered).count());
  }
  const double per_parked = parked > 0 ? static_cast<double>(peak.rss_kb - before.rss_kb) * 1024.0 / parked : 0;
  std::printf("%s %s %.0f %ld %ld\n", percentiles(from_call).c_str(), percentiles(from_answer).c_str(), per_parked,
              before.threads, peak.threads);
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
    if (a.size() == 3 && a[0] == "ecdsa") return ecdsa(std::stod(a[1]), std::stoi(a[2]));
    if (a.size() == 6 && a[0] == "wake") return wake(a[1], a[2], std::stoi(a[3]), std::stoi(a[4]), a[5]);
    if (a.size() == 3 && a[0] == "rtt") return rtt(a[1], std::stoi(a[2]));
    if (a.size() == 4 && a[0] == "password-timing") return password_timing(a[1], a[2], std::stoi(a[3]));
    std::cerr << "usage: see the comment at the top of bench/emulator/bench_tool.cpp\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "emulator_bench_tool: " << e.what() << "\n";
    return 1;
  }
}
