// The async API's signing keys (issue 12): a key the client's key cache lacks is fetched as an
// ordinary async request on the loop, never by blocking the loop thread. Proven by ordering, not
// timing: a local server holds the GET /certs answer until the test releases it, and meanwhile
// another call of the same runtime completes. Also: calls needing the same unseen kid share one
// fetch; a failed refresh serves the cached key (as the blocking path does); a failed first fetch
// is key_unavailable; a cancel during the fetch, and the client destroyed during it, complete the
// call once with Cancelled and leave the cache as it was; a call waiting for another's fetch is
// cancelled at once while that fetch goes on.

#include <httplib.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include "local_server.hpp"
#include "loginid/async.hpp"
#include "loginid/loginid.hpp"
#include "loginid/testing/fake_service.hpp"

namespace loginid {
namespace {

using std::chrono::seconds;
using testkit::FakeService;

constexpr auto kHangGuard = seconds(30);  // only a broken test waits this long

// A gate a server handler waits at (bounded) until the test opens it; the test can wait until a
// handler has arrived.
class Gate {
 public:
  void arrive_and_wait() {
    std::unique_lock lock(mutex_);
    ++arrived_;
    changed_.notify_all();
    changed_.wait_for(lock, kHangGuard, [this] { return open_; });
  }
  bool wait_arrivals(int count) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kHangGuard, [&] { return arrived_ >= count; });
  }
  void open() {
    const std::lock_guard lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }
  void close() {
    const std::lock_guard lock(mutex_);
    open_ = false;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int arrived_ = 0;
  bool open_ = true;
};

template <class T>
T get(std::future<T>& future) {
  if (future.wait_for(kHangGuard) != std::future_status::ready) {
    ADD_FAILURE() << "the call did not complete";
    std::abort();  // a hang: nothing sensible to go on with
  }
  return future.get();
}

// LoginID on a loopback server that serves the tokens' key (signed by `fake_`) at /certs, and
// answers wait_code and users/retrieve at once.
class AsyncKeys : public ::testing::Test {
 protected:
  AsyncKeys() {
    server_.server().Get("/certs", [this](const httplib::Request&, httplib::Response& res) {
      ++certs_fetches_;
      certs_gate_.arrive_and_wait();
      if (certs_fail_) {
        res.status = 503;
        res.set_content(R"({"code":"service_unavailable","message":"down"})", "application/json");
        return;
      }
      res.set_header("Cache-Control", "max-age=" + std::to_string(certs_max_age_.load()));
      res.set_content(fake_.public_key().to_pem(), "application/x-pem-file");
    });
    server_.server().Post("/authenticate/code/wait", [this](const httplib::Request&, httplib::Response& res) {
      const HttpResponse answer = fake_.authentication_response(testkit::UserTokenClaims{.username = "alice"});
      res.set_content(answer.body, "application/json");
    });
    server_.server().Post("/manage/users/retrieve", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(R"({"id":"5c0b1a52-4d3f-4e89-9a0e-2d1f3c4b5a6e","username":"bob","namespace_id":"n",)"
                      R"("status":"active","created_at":"2024-01-01T00:00:00Z","updated_at":"2024-01-01T00:00:00Z"})",
                      "application/json");
    });
    server_.start();
  }

  Options options(KeyCacheOptions keys = {}) const {
    Options o;
    o.base_url = server_.url("");
    o.allow_insecure_http = true;
    o.honour_emulator_env = false;
    o.retry.max_attempts = 1;  // a 503 is the answer, at once
    o.key_cache = keys;
    return o;
  }

  FakeService fake_;  // mints the tokens; its public key is what /certs serves
  test::LocalServer server_;
  Gate certs_gate_;
  std::atomic<int> certs_fetches_{0};
  std::atomic<bool> certs_fail_{false};
  std::atomic<int> certs_max_age_{300};
  AsyncRuntime runtime_;
};

TEST_F(AsyncKeys, TheLoopRunsOtherCallsWhileAKeyIsFetchedAndCallsNeedingItShareTheFetch) {
  LoginIdManagement mgmt(fake_.client_id(), PrivateKey::generate().to_pem(), options());
  AsyncLoginIdManagement async(mgmt, runtime_);
  certs_gate_.close();

  // wait_code's answer carries a JWT whose kid this client never saw: its read needs a fetch.
  auto waited = async.wait_code(Username("alice"), "123456", CodeType::short_code).future();
  ASSERT_TRUE(certs_gate_.wait_arrivals(1));
  // Two verifications of tokens with that kid, while the fetch is held: they wait for it.
  auto verified = async.verify_token(fake_.user_token("alice"), Username("alice")).future();
  auto claims = async.verify_token_claims(fake_.user_token("carol")).future();
  // Started after them on the same loop (FIFO): once it completed, both are waiting for the key.
  auto barrier = async.verify_token("not.a.token").future();
  EXPECT_FALSE(get(barrier));

  // The loop is free: another call (a request and its answer) completes while /certs is held.
  auto user = async.get_user(Username("bob")).future();
  EXPECT_EQ(get(user).username, "bob");
  EXPECT_EQ(waited.wait_for(seconds(0)), std::future_status::timeout);
  EXPECT_EQ(verified.wait_for(seconds(0)), std::future_status::timeout);

  certs_gate_.open();
  const AuthResult auth = get(waited);
  ASSERT_TRUE(auth.claims.has_value());
  EXPECT_EQ(auth.claims->username(), "alice");
  EXPECT_TRUE(get(verified));
  EXPECT_EQ(get(claims).username(), "carol");
  EXPECT_EQ(certs_fetches_.load(), 1);  // one fetch for the three calls
  // Stored in the client's key cache: the blocking client verifies without a fetch.
  EXPECT_TRUE(mgmt.verify_token(fake_.user_token("alice"), Username("alice")));
  EXPECT_EQ(certs_fetches_.load(), 1);
}

TEST_F(AsyncKeys, AFailedRefreshServesTheCachedKeyAsTheBlockingPathDoes) {
  KeyCacheOptions keys;
  keys.min_ttl = seconds(0);  // max-age=0: every verification refreshes
  keys.default_ttl = seconds(0);
  certs_max_age_ = 0;
  LoginID web(fake_.client_id(), std::string{}, options(keys));
  AsyncLoginID async(web, runtime_);
  auto first = async.verify_token(fake_.user_token("alice")).future();
  EXPECT_TRUE(get(first));
  EXPECT_EQ(certs_fetches_.load(), 1);

  certs_fail_ = true;
  auto stale = async.verify_token_claims(fake_.user_token("alice")).future();
  EXPECT_EQ(get(stale).username(), "alice");
  EXPECT_EQ(certs_fetches_.load(), 2);  // the refresh was tried, and failed
  EXPECT_TRUE(web.verify_token(fake_.user_token("alice")));  // the blocking path agrees
}

TEST_F(AsyncKeys, AFailedFirstFetchIsKeyUnavailable) {
  certs_fail_ = true;
  LoginID web(fake_.client_id(), std::string{}, options());
  AsyncLoginID async(web, runtime_);
  auto claims = async.verify_token_claims(fake_.user_token("alice")).future();
  try {
    (void)get(claims);
    ADD_FAILURE() << "no error";
  } catch (const TokenError& e) {
    EXPECT_EQ(e.reason(), TokenErrc::key_unavailable);
  }
  auto ok = async.verify_token(fake_.user_token("alice")).future();
  EXPECT_FALSE(get(ok));
  std::error_code ec;
  EXPECT_FALSE(web.verify_token_claims(fake_.user_token("alice"), std::nullopt, ec).has_value());
  EXPECT_EQ(ec, make_error_code(TokenErrc::key_unavailable));  // the blocking path agrees
}

TEST_F(AsyncKeys, ACancelDuringTheFetchCompletesWithCancelledAndLeavesTheCacheAsItWas) {
  LoginID web(fake_.client_id(), std::string{}, options());
  AsyncLoginID async(web, runtime_);
  certs_gate_.close();
  CancellationSource cancel;
  CallOptions call;
  call.cancellation = cancel.token();
  auto cancelled = async.verify_token_claims(fake_.user_token("alice"), std::nullopt, call).future();
  ASSERT_TRUE(certs_gate_.wait_arrivals(1));
  cancel.cancel();
  EXPECT_THROW((void)get(cancelled), Cancelled);  // while the server still holds the answer

  certs_gate_.open();
  auto later = async.verify_token(fake_.user_token("alice")).future();
  EXPECT_TRUE(get(later));
  EXPECT_EQ(certs_fetches_.load(), 2);  // the cancelled fetch stored nothing: fetched anew
}

TEST_F(AsyncKeys, ACallWaitingForAnothersFetchIsCancelledAtOnceAndTheFetchGoesOn) {
  LoginID web(fake_.client_id(), std::string{}, options());
  AsyncLoginID async(web, runtime_);
  certs_gate_.close();
  auto fetching = async.verify_token(fake_.user_token("alice")).future();
  ASSERT_TRUE(certs_gate_.wait_arrivals(1));
  CancellationSource cancel;
  CallOptions call;
  call.cancellation = cancel.token();
  auto waiting = async.verify_token_claims(fake_.user_token("bob"), std::nullopt, call).future();
  auto barrier = async.verify_token("not.a.token").future();  // FIFO: `waiting` has joined the fetch
  EXPECT_FALSE(get(barrier));
  cancel.cancel();
  EXPECT_THROW((void)get(waiting), Cancelled);  // while the server still holds the answer
  EXPECT_EQ(fetching.wait_for(seconds(0)), std::future_status::timeout);

  certs_gate_.open();
  EXPECT_TRUE(get(fetching));
  EXPECT_EQ(certs_fetches_.load(), 1);
}

TEST_F(AsyncKeys, ACompletionThatThrowsDoesNotKeepTheOthersWaitingForTheKeyFromTheirs) {
  LoginID web(fake_.client_id(), std::string{}, options());
  AsyncLoginID async(web, runtime_);
  certs_gate_.close();
  std::promise<void> threw;
  async.verify_token(fake_.user_token("alice")).then([&](Outcome<bool>) {  // the fetching call
    threw.set_value();
    throw std::runtime_error("a completion that throws");
  });
  ASSERT_TRUE(certs_gate_.wait_arrivals(1));
  auto waiting = async.verify_token(fake_.user_token("bob")).future();
  auto barrier = async.verify_token("not.a.token").future();  // FIFO: `waiting` has joined the fetch
  EXPECT_FALSE(get(barrier));
  certs_gate_.open();
  auto thrown = threw.get_future();
  thrown.get();
  EXPECT_TRUE(get(waiting));
}

TEST_F(AsyncKeys, TheClientDestroyedDuringTheFetchCompletesEachCallOnceWithCancelled) {
  LoginID web(fake_.client_id(), std::string{}, options());
  auto async = std::make_unique<AsyncLoginID>(web, runtime_);
  certs_gate_.close();
  std::atomic<int> completions{0};
  std::atomic<int> cancelled{0};
  auto count = [&](auto outcome) {
    ++completions;
    try {
      (void)outcome.value();
    } catch (const Cancelled&) {
      ++cancelled;
    } catch (...) {
    }
  };
  // The fetch is wait_code's (its answer's JWT needs the key); two verifications wait for it.
  async->wait_code(Username("alice"), "123456", CodeType::short_code).then(count);
  ASSERT_TRUE(certs_gate_.wait_arrivals(1));
  async->verify_token_claims(fake_.user_token("alice")).then(count);
  async->verify_token(fake_.user_token("alice")).then(count);
  // Started after them, on the same loop (FIFO): once it completed, both are waiting for the key.
  auto barrier = async->verify_token("not.a.token").future();
  EXPECT_FALSE(get(barrier));
  EXPECT_EQ(completions.load(), 0);

  async.reset();
  EXPECT_EQ(completions.load(), 3);  // each once, before the destructor returned
  EXPECT_EQ(cancelled.load(), 3);
  certs_gate_.open();
}

}  // namespace
}  // namespace loginid
