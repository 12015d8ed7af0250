// The key cache: single flight, Cache-Control max-age with floor and ceiling, stale keys on a failed
// refresh, negative cache and rate limit for unknown kids, kid sanity, bounded size; all with an
// injected clock and transport.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <thread>

#include "loginid/keys.hpp"
#include "sdk/key_cache.hpp"
#include "test_transport_fake.hpp"

namespace loginid::detail {
namespace {

using std::chrono::seconds;
using test::answer;
using Kind = TransportError::Reason;

struct Harness {
  test::ManualClock clock;
  std::shared_ptr<test::ScriptedTransport> transport = std::make_shared<test::ScriptedTransport>();
  PublicKey key = PrivateKey::generate().public_key();
  std::shared_ptr<const ServiceClient> service;
  std::unique_ptr<KeyCache> cache;

  explicit Harness(const std::function<void(KeyCacheOptions&)>& tweak = {}) {
    Options options;
    options.base_url = "http://127.0.0.1:9";
    options.transport = transport;
    options.clock = clock.as_clock();
    options.retry.max_attempts = 1;  // one request per fetch: the counts below are fetches
    if (tweak) {
      tweak(options.key_cache);
    }
    service = std::make_shared<const ServiceClient>(options, "client", [](std::chrono::milliseconds, const CancellationToken&) {});
    cache = std::make_unique<KeyCache>(service);
  }

  void serve_key(std::string cache_control = "max-age=300") {
    transport->set_handler([pem = key.to_pem(), cache_control](const HttpRequest&, int) {
      HttpHeaders headers{{"Content-Type", "text/plain"}};
      if (!cache_control.empty()) {
        headers.emplace_back("Cache-Control", cache_control);
      }
      return answer(200, pem, headers);
    });
  }
  void serve_status(int status) {
    transport->set_handler([status](const HttpRequest&, int) {
      return answer(status, R"({"code":"x","message":"y"})");
    });
  }
  void serve_failure() {
    transport->set_handler([](const HttpRequest&, int) -> HttpResponse {
      throw TransportError(Kind::connect_failed, "refused");
    });
  }
};

TEST(KeyCache, FetchesOnceThenServesFromCache) {
  Harness h;
  h.serve_key();
  const auto first = h.cache->find("kid-1");
  ASSERT_TRUE(first.key);
  EXPECT_TRUE(*first.key == h.key);
  EXPECT_TRUE(h.cache->find("kid-1").key);
  EXPECT_EQ(h.transport->count(), 1U);
  const auto sent = h.transport->requests().at(0);
  EXPECT_EQ(sent.method, "GET");
  EXPECT_EQ(sent.url, "http://127.0.0.1:9/certs?kid=kid-1");
}

TEST(KeyCache, KidIsPercentEncoded) {
  Harness h;
  h.serve_key();
  ASSERT_TRUE(h.cache->find("a b/c&d=e").key);
  EXPECT_EQ(h.transport->requests().at(0).url, "http://127.0.0.1:9/certs?kid=a%20b%2Fc%26d%3De");
}

TEST(KeyCache, SingleFlightAcrossThreads) {
  Harness h;
  constexpr int kThreads = 16;
  std::mutex mutex;
  std::condition_variable all_arrived;
  int arrived = 0;
  std::atomic<int> fetches{0};
  h.transport->set_handler([&](const HttpRequest&, int) {
    ++fetches;
    std::unique_lock lock(mutex);
    // Hold the fetch until every thread has asked (bounded: a lost thread cannot hang the test).
    all_arrived.wait_for(lock, std::chrono::seconds(5), [&] { return arrived == kThreads; });
    lock.unlock();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return answer(200, h.key.to_pem(), {{"Cache-Control", "max-age=300"}});
  });
  std::atomic<int> got_key{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      {
        const std::lock_guard lock(mutex);
        ++arrived;
      }
      all_arrived.notify_all();
      if (h.cache->find("new-kid").key) {
        ++got_key;
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(fetches.load(), 1);
  EXPECT_EQ(got_key.load(), kThreads);
}

// Issue 16 finding 7: fork() while another thread fetches a kid. That thread is not in the child, so
// the child must not wait for its fetch (it used to, forever): it fetches the key itself.
TEST(KeyCache, AForkedChildDoesNotWaitForItsParentsFetch) {
  Harness h;
  const pid_t parent = ::getpid();
  std::mutex mutex;
  std::condition_variable changed;
  bool fetching = false;
  bool release = false;
  h.transport->set_handler([&](const HttpRequest&, int) {
    if (::getpid() == parent) {  // the parent's fetch is held until the child is done
      std::unique_lock lock(mutex);
      fetching = true;
      changed.notify_all();
      changed.wait_for(lock, std::chrono::seconds(30), [&] { return release; });
    }
    return answer(200, h.key.to_pem(), {{"Cache-Control", "max-age=300"}});
  });
  std::thread fetcher([&] { EXPECT_TRUE(h.cache->find("kid-1").key); });
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(changed.wait_for(lock, std::chrono::seconds(30), [&] { return fetching; }));
  }
  const pid_t child = ::fork();
  if (child == 0) {
    ::alarm(20);  // hang guard: a child waiting for the parent's fetch dies of SIGALRM
    const auto found = h.cache->find("kid-1");
    ::_exit(found.key && *found.key == h.key ? 0 : 2);
  }
  int status = 0;
  const bool waited = child > 0 && ::waitpid(child, &status, 0) == child;
  {
    const std::lock_guard lock(mutex);
    release = true;
  }
  changed.notify_all();
  fetcher.join();
  ASSERT_TRUE(waited) << "fork or waitpid failed";
  ASSERT_TRUE(WIFEXITED(status)) << "the child was killed by signal " << (WIFSIGNALED(status) ? WTERMSIG(status) : 0)
                                 << " (SIGALRM: it waited for its parent's fetch)";
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the child found no key";
}

TEST(KeyCache, MaxAgeHonoured) {
  Harness h;
  h.serve_key("public, max-age=120");
  ASSERT_TRUE(h.cache->find("k").key);
  h.clock.advance(seconds(119));
  ASSERT_TRUE(h.cache->find("k").key);
  EXPECT_EQ(h.transport->count(), 1U);
  h.clock.advance(seconds(2));
  ASSERT_TRUE(h.cache->find("k").key);
  EXPECT_EQ(h.transport->count(), 2U);
}

TEST(KeyCache, MaxAgeClampedToFloorAndCeiling) {
  Harness h([](KeyCacheOptions& o) {
    o.min_ttl = seconds(60);
    o.max_ttl = seconds(600);
  });
  h.serve_key("max-age=5");
  ASSERT_TRUE(h.cache->find("short").key);
  h.clock.advance(seconds(30));
  ASSERT_TRUE(h.cache->find("short").key);
  EXPECT_EQ(h.transport->count(), 1U);  // 5 s raised to the 60 s floor
  h.serve_key("max-age=999999");
  ASSERT_TRUE(h.cache->find("long").key);
  h.clock.advance(seconds(601));
  ASSERT_TRUE(h.cache->find("long").key);
  EXPECT_EQ(h.transport->count(), 3U);  // "long" refetched after the 600 s ceiling
}

TEST(KeyCache, DefaultTtlWithoutCacheControl) {
  Harness h([](KeyCacheOptions& o) { o.default_ttl = seconds(100); });
  h.serve_key("");
  ASSERT_TRUE(h.cache->find("k").key);
  h.clock.advance(seconds(99));
  ASSERT_TRUE(h.cache->find("k").key);
  EXPECT_EQ(h.transport->count(), 1U);
  h.clock.advance(seconds(2));
  ASSERT_TRUE(h.cache->find("k").key);
  EXPECT_EQ(h.transport->count(), 2U);
}

TEST(KeyCache, StaleKeyServedWhenRefreshFails) {
  Harness h([](KeyCacheOptions& o) {
    o.min_ttl = seconds(60);
    o.negative_ttl = seconds(30);
  });
  h.serve_key("max-age=60");
  ASSERT_TRUE(h.cache->find("k").key);
  h.clock.advance(seconds(61));
  for (int failure = 0; failure < 2; ++failure) {
    failure == 0 ? h.serve_failure() : h.serve_status(503);
    const auto stale = h.cache->find("k");
    ASSERT_TRUE(stale.key) << "failure mode " << failure;
    EXPECT_TRUE(*stale.key == h.key);
    EXPECT_EQ(h.transport->count(), 2U + static_cast<unsigned>(failure));
    // No new attempt for a while after a failed refresh: the service is not hammered.
    EXPECT_TRUE(h.cache->find("k").key);
    EXPECT_EQ(h.transport->count(), 2U + static_cast<unsigned>(failure));
    h.clock.advance(seconds(31));
  }
}

TEST(KeyCache, OtherThreadsGetTheStaleKeyWhileOneRefreshes) {
  Harness h([](KeyCacheOptions& o) { o.min_ttl = seconds(60); });
  h.serve_key("max-age=60");
  ASSERT_TRUE(h.cache->find("k").key);
  h.clock.advance(seconds(61));
  std::mutex mutex;
  std::condition_variable cv;
  bool released = false;
  h.transport->set_handler([&](const HttpRequest&, int) {
    std::unique_lock lock(mutex);
    cv.wait_for(lock, std::chrono::seconds(5), [&] { return released; });  // bounded
    return answer(200, h.key.to_pem(), {{"Cache-Control", "max-age=60"}});
  });
  std::atomic<bool> refresher_done{false};
  std::thread refresher([&] {
    EXPECT_TRUE(h.cache->find("k").key);
    refresher_done = true;
  });
  for (int i = 0; i < 500 && h.transport->count() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(h.transport->count(), 2U);  // the refresh is in flight and blocked
  const auto meanwhile = h.cache->find("k");
  EXPECT_TRUE(meanwhile.key);
  EXPECT_FALSE(refresher_done.load());  // answered without waiting for the refresh
  EXPECT_EQ(h.transport->count(), 2U);
  {
    const std::lock_guard lock(mutex);
    released = true;
  }
  cv.notify_all();
  refresher.join();
}

TEST(KeyCache, UnknownKidNegativelyCached) {
  Harness h([](KeyCacheOptions& o) { o.negative_ttl = seconds(60); });
  h.serve_status(404);
  EXPECT_EQ(h.cache->find("nope").error, TokenErrc::key_not_found);
  EXPECT_EQ(h.cache->find("nope").error, TokenErrc::key_not_found);
  EXPECT_EQ(h.transport->count(), 1U);
  h.clock.advance(seconds(61));
  EXPECT_EQ(h.cache->find("nope").error, TokenErrc::key_not_found);
  EXPECT_EQ(h.transport->count(), 2U);
}

TEST(KeyCache, UnknownKidFetchesRateLimited) {
  Harness h([](KeyCacheOptions& o) { o.max_unknown_fetches_per_minute = 3; });
  h.serve_status(404);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(h.cache->find("random-" + std::to_string(i)).error, TokenErrc::key_not_found);
  }
  for (int i = 3; i < 10; ++i) {
    EXPECT_EQ(h.cache->find("random-" + std::to_string(i)).error, TokenErrc::key_unavailable);
  }
  EXPECT_EQ(h.transport->count(), 3U);
  h.clock.advance(seconds(61));
  EXPECT_EQ(h.cache->find("random-42").error, TokenErrc::key_not_found);
  EXPECT_EQ(h.transport->count(), 4U);
}

TEST(KeyCache, KnownKidRefreshIsNotRateLimited) {
  Harness h([](KeyCacheOptions& o) {
    o.max_unknown_fetches_per_minute = 1;
    o.min_ttl = seconds(60);
  });
  h.serve_key("max-age=60");
  ASSERT_TRUE(h.cache->find("k").key);
  h.clock.advance(seconds(61));
  ASSERT_TRUE(h.cache->find("k").key);
  EXPECT_EQ(h.transport->count(), 2U);
}

TEST(KeyCache, UnusableKidsRefusedWithoutARequest) {
  Harness h;
  h.serve_key();
  EXPECT_EQ(h.cache->find("").error, TokenErrc::bad_kid);
  EXPECT_EQ(h.cache->find(std::string(kMaxKidLength + 1, 'k')).error, TokenErrc::bad_kid);
  EXPECT_EQ(h.cache->find("line\nbreak").error, TokenErrc::bad_kid);
  EXPECT_EQ(h.transport->count(), 0U);
  EXPECT_TRUE(h.cache->find(std::string(kMaxKidLength, 'k')).key);
}

TEST(KeyCache, UnreachableServiceGivesKeyUnavailable) {
  Harness h;
  h.serve_failure();
  EXPECT_EQ(h.cache->find("k").error, TokenErrc::key_unavailable);
  h.serve_status(500);
  EXPECT_EQ(h.cache->find("k").error, TokenErrc::key_unavailable);
  h.transport->set_handler([](const HttpRequest&, int) { return answer(200, "not a pem"); });
  EXPECT_EQ(h.cache->find("k").error, TokenErrc::key_unavailable);
}

TEST(KeyCache, BoundedSizeEvictsTheOldest) {
  Harness h([](KeyCacheOptions& o) { o.max_keys = 2; });
  h.serve_key();
  ASSERT_TRUE(h.cache->find("a").key);
  h.clock.advance(seconds(1));
  ASSERT_TRUE(h.cache->find("b").key);
  h.clock.advance(seconds(1));
  ASSERT_TRUE(h.cache->find("c").key);  // evicts a
  EXPECT_EQ(h.transport->count(), 3U);
  ASSERT_TRUE(h.cache->find("b").key);
  ASSERT_TRUE(h.cache->find("c").key);
  EXPECT_EQ(h.transport->count(), 3U);
  ASSERT_TRUE(h.cache->find("a").key);
  EXPECT_EQ(h.transport->count(), 4U);
}

// The async engine's path (DeferredKeys): lookups never fetch; what the engine fetched is stored and
// read exactly as find() stores and reads its own fetches.
CallContext deferred_context(const Harness& h) {
  CallContext context = h.service->context({});
  context.deferred_keys = std::make_shared<DeferredKeys>();
  return context;
}

TEST(KeyCacheDeferred, ALookupNeverFetchesButNamesTheMissingKid) {
  Harness h;
  h.serve_key();
  const CallContext context = deferred_context(h);
  const auto lookup = h.cache->find("kid-1", h.clock.now(), context);
  EXPECT_FALSE(lookup.key);
  EXPECT_EQ(lookup.error, std::make_error_code(std::errc::operation_would_block));
  EXPECT_EQ(context.deferred_keys->missing, "kid-1");
  EXPECT_EQ(h.transport->count(), 0U);
  EXPECT_EQ(KeyCache::certs_call("kid 1").path, "/certs?kid=kid%201");
}

TEST(KeyCacheDeferred, AStoredAnswerIsCachedWithItsMaxAgeAsFindsOwn) {
  Harness h;
  h.serve_failure();  // nothing of this test may go through the cache's own fetch
  const PublicKey key = PrivateKey::generate().public_key();
  EXPECT_FALSE(h.cache->claim_fetch("kid-1"));
  const auto stored = h.cache->store_fetched(
      "kid-1", ApiResponse{200, key.to_pem(), nullptr, "req-1", HttpHeaders{{"Cache-Control", "max-age=120"}}});
  ASSERT_TRUE(stored.key);
  EXPECT_TRUE(*stored.key == key);
  const CallContext context = deferred_context(h);
  const auto hit = h.cache->find("kid-1", h.clock.now(), context);
  ASSERT_TRUE(hit.key);
  EXPECT_FALSE(context.deferred_keys->missing);
  h.clock.advance(seconds(121));  // max-age ran out: a deferred lookup asks for a fetch again
  EXPECT_FALSE(h.cache->find("kid-1", h.clock.now(), context).key);
  EXPECT_EQ(context.deferred_keys->missing, "kid-1");
  EXPECT_EQ(h.transport->count(), 0U);
}

TEST(KeyCacheDeferred, AFailedRefreshServesTheStaleKeyANotFoundIsRemembered) {
  Harness h;
  const PublicKey key = PrivateKey::generate().public_key();
  (void)h.cache->store_fetched("kid-1", ApiResponse{200, key.to_pem(), nullptr, "", HttpHeaders{{"Cache-Control", "max-age=60"}}});
  h.clock.advance(seconds(61));
  const auto stale = h.cache->store_fetched(
      "kid-1", std::make_exception_ptr(TransportError(Kind::connect_failed, "refused")));
  ASSERT_TRUE(stale.key);
  EXPECT_TRUE(*stale.key == key);
  const auto gone = h.cache->store_fetched(
      "kid-2", std::make_exception_ptr(ServiceError(404, ServiceCode("not_found"), "no such key")));
  EXPECT_EQ(gone.error, make_error_code(TokenErrc::key_not_found));
  const CallContext context = deferred_context(h);
  EXPECT_EQ(h.cache->find("kid-2", h.clock.now(), context).error, make_error_code(TokenErrc::key_not_found));
  const auto nothing = h.cache->store_fetched(
      "kid-3", std::make_exception_ptr(TransportError(Kind::connect_failed, "refused")));
  EXPECT_EQ(nothing.error, make_error_code(TokenErrc::key_unavailable));
  const auto cancelled = h.cache->store_fetched("kid-4", std::make_exception_ptr(Cancelled("cancelled")));
  EXPECT_EQ(cancelled.error, std::make_error_code(std::errc::operation_canceled));
}

TEST(KeyCacheDeferred, ClaimingAFetchTakesTheUnknownKidBudget) {
  Harness h([](KeyCacheOptions& o) { o.max_unknown_fetches_per_minute = 2; });
  EXPECT_FALSE(h.cache->claim_fetch("a"));
  EXPECT_FALSE(h.cache->claim_fetch("b"));
  const auto refused = h.cache->claim_fetch("c");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->error, make_error_code(TokenErrc::key_unavailable));
  EXPECT_EQ(h.cache->claim_fetch("bad\nkid")->error, make_error_code(TokenErrc::bad_kid));
}

TEST(ParseMaxAge, Forms) {
  EXPECT_EQ(parse_max_age("max-age=60"), seconds(60));
  EXPECT_EQ(parse_max_age("public, MAX-AGE=\"90\", immutable"), seconds(90));
  EXPECT_EQ(parse_max_age("no-store"), seconds(0));
  EXPECT_FALSE(parse_max_age("max-age=abc"));
  EXPECT_FALSE(parse_max_age("public"));
  EXPECT_FALSE(parse_max_age(""));
}

}  // namespace
}  // namespace loginid::detail
