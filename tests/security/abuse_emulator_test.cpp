// The emulator under abuse (issue 6, "Emulator under faults and load"): slowloris bodies and
// headers, many idle connections, oversize headers, a flood of waiters, a flood of bad service
// tokens. During each, a health check (GET /emulator/health on a fresh connection) is sampled; every
// sample must be answered 200 (a bounded wait is the hang detector) and the latencies are printed
// as the figure (no threshold: the machine's speed is not the property under test). The attacks'
// own answers must never be a 5xx.

#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "integration/emulator/emulator_client.hpp"
#include "integration/emulator/emulator_process.hpp"
#include "integration/emulator/raw_socket.hpp"

namespace loginid::security_test {
namespace {

using loginid::testing::connect_loopback;
using loginid::testing::EmulatorClient;
using loginid::testing::EmulatorProcess;
using loginid::testing::read_until_close;
using loginid::testing::send_all;
using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

int status_of(const std::string& answer) {
  if (answer.rfind("HTTP/1.1 ", 0) != 0 || answer.size() < 12) return 0;
  return std::stoi(answer.substr(9, 3));
}

// One raw exchange on a fresh connection: the status (0 = no answer) and its latency.
struct Sample {
  int status = 0;
  double ms = 0;
};
Sample exchange(int port, const std::string& request, milliseconds limit) {
  const auto start = SteadyClock::now();
  const int fd = connect_loopback(port);
  if (fd < 0) return {};
  send_all(fd, request);
  const auto answer = read_until_close(fd, limit);
  ::close(fd);
  return {status_of(answer), std::chrono::duration<double, std::milli>(SteadyClock::now() - start).count()};
}

const std::string kHealth = "GET /emulator/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";

// Samples the health check every 100 ms while `attack` runs (plus once after it), then checks
// and prints. The 30 s bound per sample is the hang detector.
void health_during(const char* name, int port, const std::function<void()>& attack) {
  std::atomic<bool> done{false};
  std::vector<Sample> samples;
  std::thread sampler([&] {
    while (!done) {
      samples.push_back(exchange(port, kHealth, milliseconds(30'000)));
      std::this_thread::sleep_for(milliseconds(100));
    }
  });
  attack();
  done = true;
  sampler.join();
  samples.push_back(exchange(port, kHealth, milliseconds(30'000)));
  std::vector<double> latencies;
  int failed = 0;
  for (const auto& s : samples) {
    failed += s.status == 200 ? 0 : 1;
    latencies.push_back(s.ms);
  }
  std::sort(latencies.begin(), latencies.end());
  EXPECT_EQ(failed, 0) << name << ": the health check went unanswered " << failed << " of " << samples.size()
                       << " times";
  std::printf("[abuse] %-28s health checks %3zu, failed %d, latency ms median %.1f p90 %.1f max %.1f\n", name,
              samples.size(), failed, latencies[latencies.size() / 2], latencies[latencies.size() * 9 / 10],
              latencies.back());
}

class AbuseEmulator : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    emulator_ = new EmulatorProcess({.args = {"--wait-timeout", "3", "--max-waiters", "16"}, .db = {}, .work_dir = {}});
  }
  static void TearDownTestSuite() {
    delete emulator_;
    emulator_ = nullptr;
  }
  static int port() { return emulator_->port(); }
  static EmulatorProcess* emulator_;
};
EmulatorProcess* AbuseEmulator::emulator_ = nullptr;

TEST_F(AbuseEmulator, SlowlorisBodies) {
  std::vector<int> sockets;
  health_during("slowloris bodies (64 conns)", port(), [&] {
    for (int i = 0; i < 64; ++i) {
      const int fd = connect_loopback(port());
      if (fd < 0) continue;
      send_all(fd,
               "POST /manage/users HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
               "Content-Length: 100000\r\n\r\n{");
      sockets.push_back(fd);
    }
    for (int tick = 0; tick < 12; ++tick) {  // one byte per connection every 250 ms, for 3 s
      for (int fd : sockets) send_all(fd, " ");
      std::this_thread::sleep_for(milliseconds(250));
    }
  });
  int five_xx = 0;
  for (int fd : sockets) {
    ::shutdown(fd, SHUT_WR);
    five_xx += status_of(read_until_close(fd, milliseconds(10'000))) >= 500 ? 1 : 0;
    ::close(fd);
  }
  EXPECT_EQ(five_xx, 0);
}

TEST_F(AbuseEmulator, SlowlorisHeaders) {
  std::vector<int> sockets;
  health_during("slowloris headers (64 conns)", port(), [&] {
    for (int i = 0; i < 64; ++i) {
      const int fd = connect_loopback(port());
      if (fd < 0) continue;
      send_all(fd, "GET /emulator/health HTTP/1.1\r\nHost: 127.0.0.1\r\n");
      sockets.push_back(fd);
    }
    for (int tick = 0; tick < 12; ++tick) {
      for (int fd : sockets) send_all(fd, "X-A: b\r\n");
      std::this_thread::sleep_for(milliseconds(250));
    }
  });
  for (int fd : sockets) ::close(fd);
}

TEST_F(AbuseEmulator, ManyIdleConnections) {
  std::vector<int> sockets;
  health_during("idle connections (256)", port(), [&] {
    for (int i = 0; i < 256; ++i) {
      const int fd = connect_loopback(port());
      if (fd >= 0) sockets.push_back(fd);
    }
    std::this_thread::sleep_for(milliseconds(3000));
  });
  for (int fd : sockets) ::close(fd);
}

TEST_F(AbuseEmulator, OversizeHeaders) {
  std::vector<Sample> answers;
  health_during("oversize headers", port(), [&] {
    const std::string big_value(128 * 1024, 'a');
    std::string many;
    for (int i = 0; i < 5000; ++i) many += "X-H" + std::to_string(i) + ": v\r\n";
    const std::vector<std::string> requests = {
        "GET /emulator/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + big_value + "\r\nConnection: close\r\n\r\n",
        "GET /emulator/health HTTP/1.1\r\nHost: 127.0.0.1\r\n" + many + "Connection: close\r\n\r\n",
        "GET /" + big_value + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
        "POST /manage/users HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + big_value +
            "\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
    };
    for (int round = 0; round < 5; ++round) {
      for (const auto& r : requests) answers.push_back(exchange(port(), r, milliseconds(10'000)));
    }
  });
  for (const auto& a : answers) {
    EXPECT_LT(a.status, 500) << "an oversize request got a 5xx";
  }
}

TEST_F(AbuseEmulator, WaiterFlood) {
  EmulatorClient setup(*emulator_);
  setup.create_user("flood-user");
  const auto code = setup.generate_code("flood-user").at("code").get<std::string>();
  const auto web = setup.web();
  std::atomic<int> too_many{0}, timed_out{0}, five_xx{0}, other{0};
  std::mutex other_mutex;
  std::string other_answers;
  health_during("waiter flood (96 waiters)", port(), [&] {
    std::vector<std::thread> waiters;
    for (int i = 0; i < 96; ++i) {
      waiters.emplace_back([&] {
        EmulatorClient client(*emulator_);
        const auto reply = client.send("POST", "/authenticate/code/wait",
                                       nlohmann::json{{"client_id", web.client_id},
                                                      {"username", "flood-user"},
                                                      {"authentication_code", {{"code", code}, {"type", "short"}}}},
                                       {{"X-Client-ID", web.client_id}});
        if (reply.status == 429) ++too_many;
        else if (reply.status == 408) ++timed_out;
        else if (reply.status >= 500) ++five_xx;
        else ++other;
        if (reply.status != 429 && reply.status != 408) {
          const std::lock_guard lock(other_mutex);
          other_answers += " [" + std::to_string(reply.status) + " " + reply.body.substr(0, 120) + "]";
        }
      });
    }
    for (auto& t : waiters) t.join();
  });
  EXPECT_EQ(five_xx.load(), 0);
  EXPECT_GT(too_many.load(), 0) << "past --max-waiters the emulator must answer 429";
  EXPECT_EQ(too_many + timed_out, 96) << "other answers (status 0 = no answer within the client's timeout):"
                                       << other_answers;
  std::printf("[abuse] waiter flood: 96 waiters -> %d parked then code_timeout, %d refused with 429\n", timed_out.load(),
              too_many.load());
}

TEST_F(AbuseEmulator, BadServiceTokenFlood) {
  EmulatorClient setup(*emulator_);
  const auto mgmt = setup.management();
  const auto impostor = PrivateKey::generate();
  std::atomic<int> unauthorized{0}, five_xx{0}, other{0};
  health_during("bad service-token flood", port(), [&] {
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
        EmulatorClient client(*emulator_);
        for (int i = 0; i < 150; ++i) {
          std::string token;
          switch (i % 3) {
            case 0: token = "garbage." + std::to_string(i) + ".x"; break;
            case 1: token = EmulatorClient::token({mgmt.client_id, impostor}, "users.retrieve"); break;
            default: token = std::string(8000, static_cast<char>('a' + t)); break;
          }
          const auto reply = client.with_token("POST", "/manage/users/retrieve", {{"username", "nobody"}}, mgmt, token);
          if (reply.status == 401) ++unauthorized;
          else if (reply.status >= 500) ++five_xx;
          else ++other;
        }
      });
    }
    for (auto& th : threads) th.join();
  });
  EXPECT_EQ(five_xx.load(), 0);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(unauthorized.load(), 8 * 150);
}

}  // namespace
}  // namespace loginid::security_test
