// Concurrency against the emulator (issue 6): N SDK clients (one shared LoginIdManagement, used
// from every thread) create, rename, revoke and delete in parallel. No lost update (each thread
// reads back exactly what it wrote; a contended rename ends on one of the names written), exactly
// one winner when many create the same username, no 5xx, and a bounded run.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <future>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "integration/emulator/emulator_process.hpp"
#include "failure.hpp"
#include "loginid/management.hpp"

namespace loginid::security_test {
namespace {

using loginid::testing::EmulatorProcess;
using std::chrono::milliseconds;

constexpr int kThreads = 8;
constexpr int kRounds = 6;

struct Fixture {
  EmulatorProcess emulator;
  LoginIdManagement mgmt;
  std::string user_pem = PrivateKey::generate().public_key().to_pem();

  static LoginIdManagement make(const EmulatorProcess& e) {
    const auto credentials = e.credentials();
    Options options;
    options.base_url = e.base_url();
    options.timeout = milliseconds(20'000);
    return LoginIdManagement(credentials.at("management").at("client_id").get<std::string>(),
                             credentials.at("management").at("private_key").get<std::string>(), options);
  }
  Fixture() : mgmt(make(emulator)) {}
};

// Runs `body` on kThreads threads; fails (and exits: hung threads cannot be joined) past `limit`.
void run_parallel(const std::function<void(int)>& body, milliseconds limit) {
  std::vector<std::future<void>> done;
  for (int t = 0; t < kThreads; ++t) {
    done.push_back(std::async(std::launch::async, body, t));
  }
  const auto until = std::chrono::steady_clock::now() + limit;
  for (auto& d : done) {
    if (d.wait_until(until) != std::future_status::ready) {
      ADD_FAILURE() << "parallel run did not finish within " << limit.count() << " ms: deadlock?";
      std::fflush(nullptr);
      std::_Exit(1);
    }
  }
  for (auto& d : done) d.get();  // rethrows a thread's failure
}

TEST(ConcurrentClients, CreateRenameRevokeDeleteInParallelLosesNothing) {
  Fixture f;
  std::atomic<int> five_xx{0}, steps{0};
  run_parallel(
      [&](int t) {
        for (int round = 0; round < kRounds; ++round) {
          const std::string name = "c" + std::to_string(t) + "-" + std::to_string(round);
          try {
            const User user = f.mgmt.add_user_without_credentials(loginid::Username(name));
            const auto ref = UserRef::by_id(user.id);
            const auto added = f.mgmt.add_publickey_credential(ref, f.user_pem, "first");
            ASSERT_TRUE(added.credential.has_value());
            const std::string uuid = added.credential->uuid;
            const auto renamed = f.mgmt.rename_credential(ref, loginid::CredentialId(uuid), "renamed-" + name);
            EXPECT_EQ(renamed.credential.name, "renamed-" + name);
            const auto listed = f.mgmt.get_credentials(ref);
            ASSERT_EQ(listed.credentials.size(), 1U) << name;
            EXPECT_EQ(listed.credentials[0].name, "renamed-" + name) << "lost rename of " << name;
            const auto revoked = f.mgmt.revoke_credential(ref, loginid::CredentialId(uuid));
            EXPECT_EQ(revoked.credential.status, CredentialStatus::revoked);
            const auto after = f.mgmt.get_credentials(ref, CredentialStatus::revoked);
            ASSERT_EQ(after.credentials.size(), 1U) << "lost revoke of " << name;
            EXPECT_EQ(after.credentials[0].name, "renamed-" + name) << "the revoke undid the rename";
            f.mgmt.delete_by_user_id(loginid::UserId(user.id));
            try {
              (void)f.mgmt.get_user(loginid::Username(name));
              ADD_FAILURE() << name << " still exists after delete";
            } catch (const ServiceError& e) {
              EXPECT_EQ(e.code(), ServiceCode::not_found) << e.what();
            }
            steps += 8;
          } catch (const Error& e) {
            if (e.status() >= 500) ++five_xx;
            ADD_FAILURE() << name << ": " << e.what();
          }
        }
      },
      milliseconds(120'000));
  EXPECT_EQ(five_xx.load(), 0);
  EXPECT_EQ(steps.load(), kThreads * kRounds * 8);
  std::printf("[concurrency] %d threads x %d rounds: %d calls, no lost update, no 5xx\n", kThreads, kRounds, steps.load());
}

TEST(ConcurrentClients, SameUsernameHasExactlyOneWinner) {
  Fixture f;
  constexpr int kNames = 10;
  std::atomic<int> created[kNames] = {};
  std::atomic<int> conflicts{0}, others{0};
  run_parallel(
      [&](int) {
        for (int n = 0; n < kNames; ++n) {
          try {
            (void)f.mgmt.add_user_without_credentials(loginid::Username("race-" + std::to_string(n)));
            ++created[n];
          } catch (const Error& e) {
            if (failure_of(e).code == "user_already_exists" && e.status() == 409) ++conflicts;
            else ++others;
          }
        }
      },
      milliseconds(60'000));
  for (int n = 0; n < kNames; ++n) {
    EXPECT_EQ(created[n].load(), 1) << "race-" << n;
  }
  EXPECT_EQ(conflicts.load(), kNames * (kThreads - 1));
  EXPECT_EQ(others.load(), 0);
  // Case-insensitive uniqueness holds under contention too.
  std::atomic<int> winners{0};
  run_parallel(
      [&](int t) {
        std::string name = "MixedCase";
        if (t % 2) name = "mixedcase";
        try {
          (void)f.mgmt.add_user_without_credentials(loginid::Username(name));
          ++winners;
        } catch (const Error& e) {
          EXPECT_EQ(failure_of(e).code, "user_already_exists") << e.what();
        }
      },
      milliseconds(60'000));
  EXPECT_EQ(winners.load(), 1);
}

TEST(ConcurrentClients, ContendedRenamesEndOnOneWrittenName) {
  Fixture f;
  const User user = f.mgmt.add_user_without_credentials(loginid::Username("shared"));
  const auto ref = UserRef::by_id(user.id);
  const auto uuid = f.mgmt.add_publickey_credential(ref, f.user_pem, "start").credential->uuid;
  std::mutex mutex;
  std::set<std::string> written;
  run_parallel(
      [&](int t) {
        for (int i = 0; i < 10; ++i) {
          const std::string name = "n" + std::to_string(t) + "-" + std::to_string(i);
          const auto answer = f.mgmt.rename_credential(ref, loginid::CredentialId(uuid), name);
          EXPECT_EQ(answer.credential.name, name) << "a rename answered with another writer's name";
          const std::lock_guard lock(mutex);
          written.insert(name);
        }
      },
      milliseconds(60'000));
  const auto listed = f.mgmt.get_credentials(ref);
  ASSERT_EQ(listed.credentials.size(), 1U);
  EXPECT_EQ(written.count(listed.credentials[0].name), 1U) << listed.credentials[0].name;
  EXPECT_EQ(written.size(), static_cast<std::size_t>(kThreads * 10));
}

}  // namespace
}  // namespace loginid::security_test
