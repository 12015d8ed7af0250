// wait_code against a real loginid-emulator, cancelled from another thread (issue 16, finding 3):
// the waiting call throws loginid::Cancelled although its own time (CallOptions::timeout, four
// minutes) is far from spent, and the emulator keeps serving: the next login with a code works.
// The cancel is made once the wait's request is in the transport (a wrapper around the default
// transport says so); the assertions are on what happened, never on how long it took.

#include <gtest/gtest.h>

#include <condition_variable>
#include <future>
#include <mutex>
#include <string>

#include "emulator_process.hpp"
#include "loginid/loginid.hpp"

namespace loginid::test {
namespace {

using namespace std::chrono_literals;

// The default transport, telling when a request to `path_end` begins.
class WatchingTransport final : public HttpTransport {
 public:
  explicit WatchingTransport(std::string path_end) : path_end_(std::move(path_end)) {}

  HttpResponse send(const HttpRequest& request) override {
    if (request.url.ends_with(path_end_)) {
      const std::lock_guard lock(mutex_);
      ++begun_;
      changed_.notify_all();
    }
    return inner_->send(request);
  }
  int begun() {
    const std::lock_guard lock(mutex_);
    return begun_;
  }
  // Waits (bounded: a hang guard) until `count` requests to the path have begun.
  bool wait_for_begun(int count) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 60s, [&] { return begun_ >= count; });
  }

 private:
  std::shared_ptr<HttpTransport> inner_ = make_curl_transport();
  std::string path_end_;
  std::mutex mutex_;
  std::condition_variable changed_;
  int begun_ = 0;
};

TEST(SdkCancellation, AWaitCodeCancelledFromAnotherThreadEndsAndTheEmulatorKeepsServing) {
  EmulatorProcess emulator;
  const LoginIdManagement mgmt{emulator.client_id("management"), emulator.private_key("management"),
                               emulator.options()};
  auto watching = std::make_shared<WatchingTransport>("/authenticate/code/wait");
  Options options = emulator.options();
  options.transport = watching;
  const LoginID web{emulator.client_id("web"), emulator.private_key("web"), options};
  const Username alice("cancel-alice@example.com");
  const User user = mgmt.add_user_without_credentials(alice);
  const UserRef ref = UserRef::by_username(alice.str());

  const CodeResult first = mgmt.generate_code(ref, CodeType::short_code, CodePurpose::temporary_authentication);
  CancellationSource cancel;
  auto waiting = std::async(std::launch::async, [&] {
    return web.wait_code(alice, first, {}, {.timeout = 4min, .cancellation = cancel.token()});
  });
  ASSERT_TRUE(watching->wait_for_begun(1));
  cancel.cancel();
  try {
    (void)waiting.get();
    ADD_FAILURE() << "the cancelled wait_code returned a result";
  } catch (const Cancelled& e) {
    EXPECT_EQ(e.kind(), ErrorKind::cancelled);
    EXPECT_EQ(e.status(), 0);
  }

  // The emulator serves on: a lookup, and a whole code login on the same client.
  EXPECT_EQ(mgmt.get_user(alice).id, user.id);
  const CodeResult second = mgmt.generate_code(ref, CodeType::short_code, CodePurpose::temporary_authentication);
  auto next = std::async(std::launch::async, [&] { return web.wait_code(alice, second); });
  ASSERT_TRUE(watching->wait_for_begun(2));
  (void)mgmt.authorize_code(ref, second);
  const AuthResult auth = next.get();
  ASSERT_TRUE(auth.jwt);
  EXPECT_TRUE(web.verify_token(*auth.jwt, alice));
}

// A deadline already passed fails wait_code before anything is sent, as its own timeout does.
TEST(SdkCancellation, AWaitCodeWhoseDeadlineHasPassedSendsNothing) {
  EmulatorProcess emulator;
  auto watching = std::make_shared<WatchingTransport>("/authenticate/code/wait");
  Options options = emulator.options();
  options.transport = watching;
  const LoginID web{emulator.client_id("web"), emulator.private_key("web"), options};
  try {
    (void)web.wait_code(Username("nobody@example.com"), "123456", CodeType::short_code, {},
                        {.deadline = std::chrono::steady_clock::now() - 1s});
    ADD_FAILURE() << "no error";
  } catch (const ServiceError& e) {
    EXPECT_EQ(e.code(), ServiceCode::code_timeout);
    EXPECT_EQ(e.status(), 0);
  }
  EXPECT_EQ(watching->begun(), 0);
}

}  // namespace
}  // namespace loginid::test
