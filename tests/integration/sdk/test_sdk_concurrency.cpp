// 8 threads share one LoginIdManagement (and one LoginID) against a real emulator: mixed
// verify_token and management calls, no errors. Rerun under ThreadSanitizer by scripts/test.sh.

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "emulator_process.hpp"
#include "loginid/loginid.hpp"

namespace loginid::test {
namespace {

TEST(SdkConcurrency, EightThreadsShareOneClient) {
  const EmulatorProcess emulator;
  const LoginIdManagement mgmt(emulator.client_id("management"), emulator.private_key("management"),
                               emulator.options());
  const LoginID web(emulator.client_id("web"), emulator.private_key("web"), emulator.options());

  // One user token to verify from every thread (first verification fetches the key: racing is the point).
  const User owner = mgmt.add_user_without_credentials(loginid::Username("owner@example.com"));
  const CodeResult code = mgmt.generate_code(UserRef::by_id(owner.id), CodeType::short_code, CodePurpose::temporary_authentication, {.authorized = true});
  const std::string token = *web.wait_code(loginid::Username(owner.username), code.code, CodeType::short_code).jwt;
  const LoginID fresh_verifier(web.client_id(), std::string{}, emulator.options());  // cold key cache

  constexpr int kThreads = 8;
  constexpr int kRounds = 6;
  std::atomic<int> failures{0};
  std::atomic<int> verified{0};
  std::vector<std::string> errors(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      try {
        for (int round = 0; round < kRounds; ++round) {
          if (fresh_verifier.verify_token(token, loginid::Username(owner.username))) ++verified;
          const std::string name = "t" + std::to_string(t) + "-r" + std::to_string(round) + "@example.com";
          const User user = mgmt.add_user_without_credentials(loginid::Username(name));
          if (mgmt.get_user(loginid::Username(name)).id != user.id) throw std::runtime_error("get_user returned another user");
          (void)mgmt.generate_code(UserRef::by_id(user.id), CodeType::long_code, CodePurpose::temporary_authentication);
          (void)mgmt.get_credentials(UserRef::by_id(user.id));
          if (mgmt.deactivate_user(loginid::UserId(user.id)).is_active()) throw std::runtime_error("deactivate did not stick");
          if (!mgmt.verify_token(token) && web.verify_token(token)) ++verified;  // wrong audience vs right one
          mgmt.delete_by_user_id(loginid::UserId(user.id));
        }
      } catch (const std::exception& e) {
        ++failures;
        errors[static_cast<std::size_t>(t)] = e.what();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(errors[static_cast<std::size_t>(t)], "") << "thread " << t;
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(verified.load(), 2 * kThreads * kRounds);
}

}  // namespace
}  // namespace loginid::test
