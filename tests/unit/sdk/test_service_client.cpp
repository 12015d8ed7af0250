// The request pipeline against a recording, fault-injecting transport: headers, error mapping
// (service JSON, non-JSON bodies, request ids, transport failures), retries per idempotency, and the
// call's deadline with an injected clock and sleeper.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "loginid/error.hpp"
#include "sdk/service_client.hpp"
#include "test_transport_fake.hpp"

namespace loginid::detail {
namespace {

using std::chrono::milliseconds;
using test::answer;
using test::header_of;
using Kind = TransportError::Reason;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kBase = "http://127.0.0.1:9";

struct Harness {
  test::ManualClock clock;
  std::shared_ptr<test::ScriptedTransport> transport = std::make_shared<test::ScriptedTransport>();
  std::vector<milliseconds> sleeps;
  std::vector<std::string> logs;
  std::unique_ptr<ServiceClient> client;

  explicit Harness(const std::function<void(Options&)>& tweak = {}) {
    Options options;
    options.base_url = std::string(kBase) + "/";
    options.transport = transport;
    options.clock = clock.as_clock();
    options.retry.initial_backoff = milliseconds(100);
    options.retry.max_backoff = milliseconds(400);
    options.log = [this](LogLevel, std::string_view line) { logs.emplace_back(line); };
    if (tweak) {
      tweak(options);
    }
    client = std::make_unique<ServiceClient>(options, "client-1", [this](milliseconds delay, const CancellationToken&) {
      sleeps.push_back(delay);
      clock.advance(delay);
    });
  }
};

ApiCall post(std::string path, Idempotency idem = Idempotency::safe) {
  ApiCall call;
  call.method = "POST";
  call.path = std::move(path);
  call.body = nlohmann::json{{"username", "alice"}};
  call.bearer = "header.payload.signature-secret";
  call.idempotency = idem;
  return call;
}

Failure error_of(const Harness& h, const ApiCall& call) {
  return failure_of_call([&] { h.client->call(call); });
}

TEST(ServiceClient, SendsTheHeadersOfApiMd) {
  Harness h;
  h.transport->set_handler([](const HttpRequest&, int) {
    return answer(200, R"({"id":"u1"})", {{"x-request-id", "r-1"}});
  });
  const auto response = h.client->call(post("/manage/users/retrieve"));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.json["id"], "u1");
  EXPECT_EQ(response.request_id, "r-1");
  const auto sent = h.transport->requests().at(0);
  EXPECT_EQ(sent.method, "POST");
  EXPECT_EQ(sent.url, std::string(kBase) + "/manage/users/retrieve");
  EXPECT_EQ(header_of(sent, "Authorization"), "Bearer header.payload.signature-secret");
  EXPECT_EQ(header_of(sent, "X-Client-ID"), "client-1");
  EXPECT_EQ(header_of(sent, "Content-Type"), "application/json");
  EXPECT_THAT(header_of(sent, "Accept"), HasSubstr("application/json"));
  EXPECT_EQ(nlohmann::json::parse(sent.body), (nlohmann::json{{"username", "alice"}}));
  EXPECT_EQ(sent.timeout, milliseconds(10'000));  // the whole budget on the first attempt
  EXPECT_EQ(sent.connect_timeout, milliseconds(3'000));
}

TEST(ServiceClient, NoBodyNoContentTypeNoBearer) {
  Harness h;
  ApiCall call;
  call.method = "GET";
  call.path = "/certs?kid=abc";
  h.client->call(call);
  const auto sent = h.transport->requests().at(0);
  EXPECT_EQ(header_of(sent, "Authorization"), "");
  EXPECT_EQ(header_of(sent, "Content-Type"), "");
  EXPECT_EQ(header_of(sent, "X-Client-ID"), "client-1");
  EXPECT_TRUE(sent.body.empty());
}

TEST(ServiceClient, EmptyAndNonJsonSuccessBodiesGiveNullJson) {
  Harness h;
  h.transport->set_handler([](const HttpRequest&, int i) { return i == 0 ? answer(204, "") : answer(200, "-----BEGIN"); });
  EXPECT_TRUE(h.client->call(post("/a")).json.is_null());
  const auto pem = h.client->call(post("/b"));
  EXPECT_TRUE(pem.json.is_null());
  EXPECT_EQ(pem.body, "-----BEGIN");
}

TEST(ServiceClient, ServiceErrorCarriesStatusCodeMessageRequestId) {
  Harness h;
  h.transport->set_handler([](const HttpRequest&, int) {
    return answer(404, R"({"code":"not_found","message":"user not found"})", {{"X-Request-ID", "req-9"}});
  });
  const auto e = error_of(h, post("/manage/users/retrieve"));
  EXPECT_EQ(e.status, 404);
  EXPECT_EQ(e.code, "not_found");
  EXPECT_EQ(e.message, "user not found");
  EXPECT_EQ(e.request_id, "req-9");
  EXPECT_EQ(e.what, "not_found: user not found");
  EXPECT_EQ(h.transport->count(), 1U);  // 404 is not retried
}

TEST(ServiceClient, NonJsonErrorBodyBecomesUnknownErrorWithTruncatedText) {
  Harness h;
  const std::string html = "<html>" + std::string(1000, 'x') + "</html>";
  h.transport->set_handler([&](const HttpRequest&, int) { return answer(403, html, {{"X-Request-ID", "r-2"}}); });
  const auto e = error_of(h, post("/x"));
  EXPECT_EQ(e.status, 403);
  EXPECT_EQ(e.code, "unknown_error");
  EXPECT_THAT(e.message, HasSubstr("<html>xxx"));
  EXPECT_LT(e.message.size(), 260U);  // quoted, not copied whole
  EXPECT_EQ(e.request_id, "r-2");
}

TEST(ServiceClient, JsonErrorWithoutCodeIsUnknownError) {
  Harness h;
  h.transport->set_handler([](const HttpRequest&, int) { return answer(400, R"({"error":"x"})"); });
  EXPECT_EQ(error_of(h, post("/x")).code, "unknown_error");
  h.transport->set_handler([](const HttpRequest&, int) { return answer(400, ""); });
  const auto empty = error_of(h, post("/x"));
  EXPECT_EQ(empty.code, "unknown_error");
  EXPECT_THAT(empty.message, HasSubstr("empty body"));
}

TEST(ServiceClient, SafeCallRetriedOnRetryableStatusThenSucceeds) {
  Harness h;
  h.transport->set_handler([](const HttpRequest&, int i) {
    return i < 2 ? answer(503, R"({"code":"unavailable","message":"busy"})") : answer(200, "{}");
  });
  EXPECT_EQ(h.client->call(post("/credentials/list")).status, 200);
  EXPECT_EQ(h.transport->count(), 3U);
  ASSERT_EQ(h.sleeps.size(), 2U);
  EXPECT_LE(h.sleeps[0], milliseconds(100));  // full jitter under the growing cap
  EXPECT_LE(h.sleeps[1], milliseconds(200));
}

TEST(ServiceClient, SafeCallGivesUpAfterMaxAttemptsWithTheLastError) {
  Harness h;
  h.transport->set_handler([](const HttpRequest&, int) { return answer(502, R"({"code":"bad_gateway","message":"m"})"); });
  const auto e = error_of(h, post("/x"));
  EXPECT_EQ(e.status, 502);
  EXPECT_EQ(h.transport->count(), 3U);
}

TEST(ServiceClient, FreshBearerForEveryAttempt) {
  Harness h;
  h.transport->set_handler([](const HttpRequest&, int i) {
    return i < 2 ? answer(503, R"({"code":"unavailable","message":"m"})") : answer(200, "{}");
  });
  auto call = post("/credentials/list");
  call.bearer.reset();
  int minted = 0;
  call.make_bearer = [&minted] { return "token-" + std::to_string(++minted); };
  h.client->call(call);
  const auto sent = h.transport->requests();
  ASSERT_EQ(sent.size(), 3U);
  EXPECT_EQ(header_of(sent[0], "Authorization"), "Bearer token-1");
  EXPECT_EQ(header_of(sent[1], "Authorization"), "Bearer token-2");  // a single-use nonce is never replayed
  EXPECT_EQ(header_of(sent[2], "Authorization"), "Bearer token-3");
}

TEST(ServiceClient, CreateNeverSentTwiceOnceItMayHaveReachedTheServer) {
  for (Kind kind : {Kind::timeout, Kind::io_failed}) {
    Harness h;
    h.transport->set_handler([kind](const HttpRequest&, int) -> HttpResponse { throw TransportError(kind, "boom"); });
    const auto e = error_of(h, post("/tx", Idempotency::creates));
    EXPECT_EQ(e.status, 0);
    EXPECT_EQ(e.code, kind == Kind::timeout ? "timeout" : "connection_failed");
    EXPECT_EQ(h.transport->count(), 1U);
  }
  Harness h;
  h.transport->set_handler([](const HttpRequest&, int) { return answer(503, R"({"code":"x","message":"y"})"); });
  EXPECT_EQ(error_of(h, post("/tx", Idempotency::creates)).status, 503);
  EXPECT_EQ(h.transport->count(), 1U);  // answered = seen by the server
}

TEST(ServiceClient, CreateRetriedWhenTheRequestCannotHaveBeenSent) {
  Harness h;
  h.transport->set_handler([](const HttpRequest&, int i) -> HttpResponse {
    if (i == 0) {
      throw TransportError(Kind::connect_failed, "connection refused");
    }
    return answer(200, R"({"id":"tx1"})");
  });
  EXPECT_EQ(h.client->call(post("/tx", Idempotency::creates)).json["id"], "tx1");
  EXPECT_EQ(h.transport->count(), 2U);
}

TEST(ServiceClient, ConnectionFailureMapsToConnectionFailed) {
  Harness h;
  h.transport->set_handler([](const HttpRequest&, int) -> HttpResponse {
    throw TransportError(Kind::connect_failed, "Failed to connect to 127.0.0.1 port 9");
  });
  const auto e = error_of(h, post("/x"));
  EXPECT_EQ(e.status, 0);
  EXPECT_EQ(e.code, "connection_failed");
  EXPECT_THAT(e.message, HasSubstr("Failed to connect"));
  EXPECT_THAT(e.message, HasSubstr("3 attempt"));
  EXPECT_EQ(h.transport->count(), 3U);
}

TEST(ServiceClient, RetryAfterHonouredThroughTheSleeper) {
  Harness h;
  h.transport->set_handler([](const HttpRequest&, int i) {
    return i == 0 ? answer(429, R"({"code":"too_many_requests","message":"m"})", {{"Retry-After", "2"}})
                  : answer(200, "{}");
  });
  h.client->call(post("/x"));
  ASSERT_EQ(h.sleeps.size(), 1U);
  EXPECT_EQ(h.sleeps[0], milliseconds(2'000));
}

TEST(ServiceClient, RetryAfterBeyondTheDeadlineSurfacesTheError) {
  Harness h([](Options& o) { o.timeout = milliseconds(1'500); });
  h.transport->set_handler([](const HttpRequest&, int) {
    return answer(429, R"({"code":"too_many_requests","message":"slow down"})", {{"Retry-After", "5"}});
  });
  const auto e = error_of(h, post("/x"));
  EXPECT_EQ(e.code, "too_many_requests");
  EXPECT_EQ(h.transport->count(), 1U);
  EXPECT_TRUE(h.sleeps.empty());
}

TEST(ServiceClient, EachAttemptGetsTheRemainingBudgetAndTheCallEndsInTime) {
  Harness h([](Options& o) {
    o.timeout = milliseconds(1'000);
    o.retry.max_attempts = 100;
  });
  // Each attempt "takes" 300 ms of the injected clock (or its whole timeout, like a real transport) and fails.
  h.transport->set_handler([&h](const HttpRequest& request, int) -> HttpResponse {
    h.clock.advance(std::min(milliseconds(300), request.timeout));
    throw TransportError(Kind::connect_failed, "refused");
  });
  const auto start = h.clock.now();
  const auto e = error_of(h, post("/x"));
  EXPECT_EQ(e.status, 0);
  EXPECT_LE(h.clock.now() - start, milliseconds(1'000));
  const auto sent = h.transport->requests();
  ASSERT_GE(sent.size(), 2U);
  EXPECT_EQ(sent[0].timeout, milliseconds(1'000));
  for (std::size_t i = 1; i < sent.size(); ++i) {
    EXPECT_LT(sent[i].timeout, sent[i - 1].timeout);  // only what is left
    EXPECT_LE(sent[i].connect_timeout, sent[i].timeout);
  }
  EXPECT_LT(sent.size(), 5U);  // not 100: the deadline ends it
}

TEST(ServiceClient, CallTimeoutOverride) {
  Harness h;
  auto call = post("/authenticate/code/wait");
  call.timeout = milliseconds(120'000);
  h.client->call(call);
  EXPECT_EQ(h.transport->requests().at(0).timeout, milliseconds(120'000));
}

TEST(ServiceClient, LogsEachAttemptWithoutSecrets) {
  Harness h;
  h.transport->set_handler([](const HttpRequest&, int i) {
    return i == 0 ? answer(500, R"({"code":"internal_error","message":"m"})") : answer(200, "{}", {{"X-Request-ID", "r7"}});
  });
  h.client->call(post("/manage/users/retrieve"));
  ASSERT_GE(h.logs.size(), 3U);
  std::string all;
  for (const auto& line : h.logs) {
    all += line + "\n";
  }
  EXPECT_THAT(all, HasSubstr("POST /manage/users/retrieve -> 500"));
  EXPECT_THAT(all, HasSubstr("retrying in"));
  EXPECT_THAT(all, HasSubstr("request id r7"));
  EXPECT_THAT(all, Not(HasSubstr("signature-secret")));
  EXPECT_THAT(all, Not(HasSubstr("alice")));  // bodies are not logged
}

TEST(ServiceClient, RefusesBadConstructionAndCalls) {
  Options options;
  options.base_url = "http://127.0.0.1:9";
  options.transport = std::make_shared<test::ScriptedTransport>();
  EXPECT_THROW(ServiceClient(options, ""), InvalidArgument);
  EXPECT_THROW(ServiceClient(options, "id\r\nX-Evil: 1"), InvalidArgument);
  auto zero = options;
  zero.timeout = milliseconds(0);
  EXPECT_THROW(ServiceClient(zero, "id"), InvalidArgument);
  auto no_attempts = options;
  no_attempts.retry.max_attempts = 0;
  EXPECT_THROW(ServiceClient(no_attempts, "id"), InvalidArgument);
  const ServiceClient client(options, "id");
  EXPECT_THROW(client.call(post("no-slash")), InvalidArgument);
  EXPECT_THROW(client.call(post("/a b")), InvalidArgument);
  auto bad_utf8 = post("/x");
  bad_utf8.body = nlohmann::json{{"username", std::string("\xff\xfe")}};
  EXPECT_THROW(client.call(bad_utf8), InvalidArgument);
}

TEST(PercentEncode, KeepsUnreservedOnly) {
  EXPECT_EQ(percent_encode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(percent_encode("a b/c?d&e=f%"), "a%20b%2Fc%3Fd%26e%3Df%25");
  EXPECT_EQ(percent_encode("\xc3\xa9"), "%C3%A9");
  EXPECT_EQ(percent_encode(""), "");
}

}  // namespace
}  // namespace loginid::detail
