// The libcurl transport against an in-process cpp-httplib server on loopback: keep-alive reuse
// (one connection for two requests, also across threads), timeouts, error kinds, size cap, no
// redirects, protocol restriction, TLS (a CA as PEM text, file or hashed directory; an unknown CA,
// a certificate for another name, an expired one and https to a plain server each fail as
// tls_failed with what to do, and ServiceClient makes one attempt), and Retry-After honoured end
// to end through ServiceClient.

#include <httplib.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>

#include "loginid/error.hpp"
#include "loginid/transport.hpp"
#include "loginid/version.hpp"
#include "sdk/service_client.hpp"
#include "support/open_file_limit.hpp"
#include "support/test_pki.hpp"
#include "local_server.hpp"

namespace loginid {
namespace {

using std::chrono::milliseconds;
using Kind = TransportError::Reason;
using ::testing::HasSubstr;
using test::closed_port;
using test::LocalServer;
using test::tls_server;

HttpRequest get(std::string url) {
  HttpRequest request;
  request.method = "GET";
  request.url = std::move(url);
  request.timeout = milliseconds(5'000);
  request.connect_timeout = milliseconds(2'000);
  return request;
}

TransportError failure_of(HttpTransport& transport, const HttpRequest& request) {
  try {
    transport.send(request);
  } catch (const TransportError& e) {
    return e;
  }
  ADD_FAILURE() << "no TransportError for " << request.url;
  return TransportError(Kind::refused_locally, "none");
}

class CurlTransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.server().Get("/hello", [this](const httplib::Request& req, httplib::Response& res) {
      server_.record(req);
      res.set_header("X-Request-ID", "r-1");
      res.set_content("hi", "text/plain");
    });
    server_.server().Post("/echo", [this](const httplib::Request& req, httplib::Response& res) {
      server_.record(req);
      res.set_content(req.body, "application/json");
    });
    server_.server().Put("/put", [this](const httplib::Request& req, httplib::Response& res) {
      server_.record(req);
      res.status = 200;
    });
    server_.server().Delete("/del", [this](const httplib::Request& req, httplib::Response& res) {
      server_.record(req);
      res.status = 204;
    });
    server_.server().Get("/slow", [this](const httplib::Request& req, httplib::Response& res) {
      server_.record(req);
      server_.hold();
      res.set_content("late", "text/plain");
    });
    server_.server().Get("/big", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(std::string(4096, 'b'), "text/plain");
    });
    server_.server().Get("/big-chunked", [](const httplib::Request&, httplib::Response& res) {
      res.set_chunked_content_provider("text/plain", [](size_t, httplib::DataSink& sink) {
        const std::string chunk(1024, 'c');
        for (int i = 0; i < 4; ++i) {
          sink.write(chunk.data(), chunk.size());
        }
        sink.done();
        return true;
      });
    });
    server_.server().Get("/redirect", [this](const httplib::Request& req, httplib::Response& res) {
      server_.record(req);
      res.set_redirect("/hello");
    });
    server_.server().set_keep_alive_max_count(1000);  // httplib's default (5) would close reused connections
    server_.start();
  }

  LocalServer server_;
};

TEST_F(CurlTransportTest, TwoRequestsShareOneConnection) {
  const auto transport = make_curl_transport();
  const auto first = transport->send(get(server_.url("/hello")));
  const auto second = transport->send(get(server_.url("/hello")));
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(second.body, "hi");
  EXPECT_EQ(second.header("x-request-id"), "r-1");
  const auto seen = server_.seen();
  ASSERT_EQ(seen.size(), 2U);
  EXPECT_EQ(seen[0].remote_port, seen[1].remote_port);  // same client socket = reused connection
  const auto stats = curl_transport_stats(*transport);
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->requests, 2U);
  EXPECT_EQ(stats->connections_opened, 1U);
}

TEST_F(CurlTransportTest, ConnectionReusedAcrossThreads) {
  const auto transport = make_curl_transport();
  std::thread([&] { transport->send(get(server_.url("/hello"))); }).join();
  std::thread([&] { transport->send(get(server_.url("/hello"))); }).join();
  const auto seen = server_.seen();
  ASSERT_EQ(seen.size(), 2U);
  EXPECT_EQ(seen[0].remote_port, seen[1].remote_port);
  EXPECT_EQ(curl_transport_stats(*transport)->connections_opened, 1U);
}

TEST_F(CurlTransportTest, ConcurrentRequestsEachGetAConnectionThenReuseThem) {
  const auto transport = make_curl_transport();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        EXPECT_EQ(transport->send(get(server_.url("/hello"))).status, 200);
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  const auto stats = curl_transport_stats(*transport);
  EXPECT_EQ(stats->requests, 40U);
  EXPECT_LE(stats->connections_opened, 4U);  // at most one per concurrent caller, not one per request
}

// Issue 13: one version everywhere. The library reports the release it was built as, which is the
// headers' release here, and the default transport names it in the User-Agent on the wire.
TEST_F(CurlTransportTest, TheUserAgentNamesTheLibrarysRelease) {
  EXPECT_STREQ(loginid::version(), LOGINID_VERSION_STRING);
  const auto transport = make_curl_transport();
  HttpRequest post = get(server_.url("/echo"));
  post.method = "POST";
  post.body = "{}";
  EXPECT_EQ(transport->send(post).status, 200);
  const auto seen = server_.seen();
  ASSERT_EQ(seen.size(), 1U);
  ASSERT_EQ(seen[0].headers.count("User-Agent"), 1U);
  EXPECT_EQ(seen[0].headers.find("User-Agent")->second, std::string("loginid-cpp/") + loginid::version());
}

TEST_F(CurlTransportTest, MethodsHeadersAndBodiesGoOutAsGiven) {
  const auto transport = make_curl_transport();
  HttpRequest post = get(server_.url("/echo"));
  post.method = "POST";
  post.body = R"({"a":1})";
  post.headers = {{"Content-Type", "application/json"}, {"X-Client-ID", "c1"}, {"Authorization", "Bearer t"}};
  EXPECT_EQ(transport->send(post).body, R"({"a":1})");
  HttpRequest put = get(server_.url("/put"));
  put.method = "PUT";
  EXPECT_EQ(transport->send(put).status, 200);
  HttpRequest del = get(server_.url("/del"));
  del.method = "DELETE";
  EXPECT_EQ(transport->send(del).status, 204);
  const auto seen = server_.seen();
  ASSERT_EQ(seen.size(), 3U);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].body, R"({"a":1})");
  EXPECT_EQ(seen[0].headers.find("X-Client-ID")->second, "c1");
  EXPECT_EQ(seen[0].headers.find("Content-Type")->second, "application/json");
  EXPECT_EQ(seen[0].headers.count("Expect"), 0U);
  EXPECT_EQ(seen[1].method, "PUT");
  EXPECT_EQ(seen[1].headers.count("Content-Type"), 0U);  // no form-urlencoded default
  EXPECT_EQ(seen[2].method, "DELETE");
}

TEST_F(CurlTransportTest, SlowAnswerTimesOutAsTimeout) {
  const auto transport = make_curl_transport();
  auto request = get(server_.url("/slow"));
  request.timeout = milliseconds(200);
  const auto e = failure_of(*transport, request);
  EXPECT_EQ(e.reason(), Kind::timeout);
  EXPECT_TRUE(e.may_have_reached_server());
  EXPECT_THAT(std::string(e.what()), HasSubstr("timeout 200 ms"));
}

// A cancel from another thread aborts an exchange that waits for an answer (the server holds it
// for 5 s): the send throws Cancelled instead of returning the late answer, and the transport
// keeps working (the aborted connection is not reused half-read).
TEST_F(CurlTransportTest, ACancelAbortsAnExchangeWaitingForItsAnswer) {
  const auto transport = make_curl_transport();
  auto request = get(server_.url("/slow"));
  request.timeout = milliseconds(60'000);
  CancellationSource source;
  request.cancellation = source.token();
  std::thread canceller([&] {
    for (int i = 0; i < 6000 && server_.seen().empty(); ++i) {  // hang guard only
      std::this_thread::sleep_for(milliseconds(10));
    }
    source.cancel();
  });
  EXPECT_THROW(
      {
        try {
          transport->send(request);
        } catch (const Cancelled& e) {
          EXPECT_THAT(std::string(e.what()), HasSubstr("cancelled during the exchange"));
          throw;
        }
      },
      Cancelled);
  canceller.join();
  ASSERT_EQ(server_.seen().size(), 1U);
  server_.release();
  EXPECT_EQ(transport->send(get(server_.url("/hello"))).body, "hi");
  EXPECT_EQ(curl_transport_stats(*transport)->connections_opened, 2U);
}

TEST_F(CurlTransportTest, AnAlreadyCancelledRequestIsNotSent) {
  const auto transport = make_curl_transport();
  auto request = get(server_.url("/hello"));
  CancellationSource source;
  source.cancel();
  request.cancellation = source.token();
  EXPECT_THROW(transport->send(request), Cancelled);
  EXPECT_TRUE(server_.seen().empty());
}

TEST_F(CurlTransportTest, RefusedConnectionIsConnectFailed) {
  const int port = closed_port();
  const auto transport = make_curl_transport();
  const auto e = failure_of(*transport, get("http://127.0.0.1:" + std::to_string(port) + "/x"));
  EXPECT_EQ(e.reason(), Kind::connect_failed);
  EXPECT_FALSE(e.may_have_reached_server());
}

TEST_F(CurlTransportTest, ResponseSizeCapped) {
  CurlTransportOptions options;
  options.max_response_bytes = 1000;
  const auto transport = make_curl_transport(options);
  for (const char* path : {"/big", "/big-chunked"}) {
    const auto e = failure_of(*transport, get(server_.url(path)));
    EXPECT_EQ(e.reason(), Kind::response_too_large) << path;
    EXPECT_TRUE(e.may_have_reached_server()) << path;
    EXPECT_THAT(std::string(e.what()), HasSubstr("response body larger than 1000 bytes (the bound "
                                                 "CurlTransportOptions::max_response_bytes; not retried)"))
        << path;
  }
  EXPECT_EQ(make_curl_transport()->send(get(server_.url("/big"))).body.size(), 4096U);  // default cap is 1 MiB
}

TEST_F(CurlTransportTest, RedirectsAreNotFollowed) {
  const auto transport = make_curl_transport();
  const auto response = transport->send(get(server_.url("/redirect")));
  EXPECT_EQ(response.status, 302);
  const auto seen = server_.seen();
  ASSERT_EQ(seen.size(), 1U);
  EXPECT_EQ(seen[0].path, "/redirect");
}

TEST_F(CurlTransportTest, OnlyHttpAndHttpsAndSaneRequests) {
  const auto transport = make_curl_transport();
  EXPECT_EQ(failure_of(*transport, get("file:///etc/passwd")).reason(), Kind::refused_locally);
  EXPECT_EQ(failure_of(*transport, get("ftp://127.0.0.1/x")).reason(), Kind::refused_locally);
  auto patch = get(server_.url("/hello"));
  patch.method = "PATCH";
  EXPECT_EQ(failure_of(*transport, patch).reason(), Kind::refused_locally);
  auto injected = get(server_.url("/hello"));
  injected.headers = {{"X-Client-ID", "a\r\nX-Evil: 1"}};
  EXPECT_EQ(failure_of(*transport, injected).reason(), Kind::refused_locally);
  EXPECT_TRUE(server_.seen().empty());
}

// --- TLS: certificates made by the test (tests/support/test_pki.hpp) ----------------------------

// A folder removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string path = (std::filesystem::temp_directory_path() / "loginid-tls-XXXXXX").string();
    if (::mkdtemp(path.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = path;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

class CurlTransportTls : public ::testing::Test {
 protected:
  // The server presents `pem`; the test CA is what a client configured for it trusts.
  void serve(const test::PemPair& pem) {
    server_ = std::make_unique<LocalServer>(tls_server(pem));
    server_->start();
  }
  [[nodiscard]] std::string url(const std::string& host = "127.0.0.1") const {
    return server_->url("https", host, "/hello");
  }
  [[nodiscard]] CurlTransportOptions trusting_ca() const {
    CurlTransportOptions options;
    options.ca_bundle = ca_.cert_pem();
    return options;
  }

  test::TestCa ca_;
  std::unique_ptr<LocalServer> server_;
};

TEST_F(CurlTransportTls, TheRightCaAsPemTextAFileOrAHashedDirectory) {
  serve(ca_.issue());
  EXPECT_EQ(make_curl_transport(trusting_ca())->send(get(url())).body, "tls");
  EXPECT_EQ(make_curl_transport(trusting_ca())->send(get(url("localhost"))).body, "tls");

  const TempDir dir;
  const auto file = dir.path() / "ca.pem";
  test::write_private_file(file, ca_.cert_pem());
  CurlTransportOptions from_file;
  from_file.ca_bundle = file.string();
  EXPECT_EQ(make_curl_transport(from_file)->send(get(url())).body, "tls");

  const auto hashed = dir.path() / "hashed";
  std::filesystem::create_directory(hashed);
  test::write_private_file(hashed / (ca_.subject_hash() + ".0"), ca_.cert_pem());
  CurlTransportOptions from_directory;
  from_directory.ca_bundle = hashed.string();
  EXPECT_EQ(make_curl_transport(from_directory)->send(get(url())).body, "tls");
}

TEST_F(CurlTransportTls, AnUnknownCaFailsAsTlsNamingTheProblemAndTheFix) {
  serve(ca_.issue());
  // Neither the system store nor another CA knows the test CA.
  const test::TestCa other("another CA");
  CurlTransportOptions options;
  options.ca_bundle = other.cert_pem();
  for (const auto& transport : {make_curl_transport(), make_curl_transport(options)}) {
    const auto e = failure_of(*transport, get(url()));
    EXPECT_EQ(e.reason(), Kind::tls_failed);
    EXPECT_FALSE(e.may_have_reached_server());
    EXPECT_THAT(e.what(), HasSubstr("unknown CA"));
    EXPECT_THAT(e.what(), HasSubstr("Options::ca_bundle"));
    EXPECT_THAT(e.what(), HasSubstr("--ca-bundle"));
  }
}

TEST_F(CurlTransportTls, ACertificateForAnotherNameFailsAsTls) {
  serve(ca_.issue({.subject_alt_names = "DNS:service.example"}));
  const auto e = failure_of(*make_curl_transport(trusting_ca()), get(url()));
  EXPECT_EQ(e.reason(), Kind::tls_failed);
  EXPECT_THAT(e.what(), HasSubstr("issued for another host name"));
  EXPECT_THAT(e.what(), HasSubstr("127.0.0.1"));
}

TEST_F(CurlTransportTls, AnExpiredCertificateFailsAsTls) {
  serve(ca_.issue({.not_before = -3 * 24 * 3600, .not_after = -24 * 3600}));
  const auto e = failure_of(*make_curl_transport(trusting_ca()), get(url()));
  EXPECT_EQ(e.reason(), Kind::tls_failed);
  EXPECT_THAT(e.what(), HasSubstr("has expired"));
}

TEST_F(CurlTransportTest, HttpsToAPlainServerFailsAsTlsSayingItSpeaksHttp) {
  const auto e = failure_of(*make_curl_transport(), get(server_.url("https", "127.0.0.1", "/hello")));
  EXPECT_EQ(e.reason(), Kind::tls_failed);
  EXPECT_THAT(e.what(), HasSubstr("plain http"));
}

// A wrapper that counts the attempts ServiceClient makes.
class CountingTransport final : public HttpTransport {
 public:
  explicit CountingTransport(std::shared_ptr<HttpTransport> inner) : inner_(std::move(inner)) {}
  HttpResponse send(const HttpRequest& request) override {
    ++sends_;
    return inner_->send(request);
  }
  [[nodiscard]] int sends() const { return sends_.load(); }

 private:
  std::shared_ptr<HttpTransport> inner_;
  std::atomic<int> sends_{0};
};

// ServiceClient retries connection failures (three attempts here), never a certificate failure.
TEST_F(CurlTransportTls, ServiceClientMakesOneAttemptOnACertificateFailure) {
  serve(ca_.issue({.not_before = -3 * 24 * 3600, .not_after = -24 * 3600}));
  auto counting = std::make_shared<CountingTransport>(make_curl_transport(trusting_ca()));
  Options options;
  options.base_url = server_->url("https", "127.0.0.1", "");
  options.transport = counting;
  options.retry.max_attempts = 3;
  const detail::ServiceClient client(options, "client-1");
  detail::ApiCall call;
  call.method = "GET";  // safe: any retryable failure would be repeated
  call.path = "/hello";
  try {
    client.call(call);
    ADD_FAILURE() << "no error";
  } catch (const TransportError& e) {
    EXPECT_EQ(e.status(), 0);
    EXPECT_EQ(e.reason(), Kind::tls_failed);
    EXPECT_THAT(e.what(), HasSubstr("has expired"));
    EXPECT_THAT(e.what(), HasSubstr("after 1 attempt(s)"));
  }
  EXPECT_EQ(counting->sends(), 1);

  // The check can fail: a connection failure of the same client is tried three times.
  auto refused = std::make_shared<CountingTransport>(make_curl_transport(trusting_ca()));
  options.base_url = "https://127.0.0.1:" + std::to_string(closed_port());
  options.transport = refused;
  options.retry.initial_backoff = milliseconds(1);
  EXPECT_THROW(detail::ServiceClient(options, "client-1").call(call), Error);
  EXPECT_EQ(refused->sends(), 3);
}

// A process out of descriptors: libcurl says only "Couldn't connect to server", which used to be a
// connection failure, retried. The transport names the cause, and the call is not retried.
TEST_F(CurlTransportTest, OutOfOpenFilesIsSaidAndNotRetried) {
  auto counting = std::make_shared<CountingTransport>(make_curl_transport());
  Options options;
  options.base_url = server_.url("");
  options.transport = counting;
  options.retry.max_attempts = 3;
  options.retry.initial_backoff = milliseconds(1);
  const detail::ServiceClient client(options, "client-1");
  detail::ApiCall call;
  call.method = "GET";  // safe: a connection failure would be repeated
  call.path = "/hello";
  std::string limit;
  try {
    const test::OutOfOpenFiles out;
    limit = std::to_string(out.limit());
    client.call(call);
    ADD_FAILURE() << "no error";
  } catch (const TransportError& e) {
    EXPECT_EQ(e.reason(), Kind::refused_locally);
    EXPECT_FALSE(e.may_have_reached_server());
    EXPECT_THAT(e.what(), HasSubstr("GET " + server_.url("/hello") + ": not sent: this process is out of open files "
                                    "(EMFILE: every descriptor up to its limit of " + limit + " is in use"));
    EXPECT_THAT(e.what(), HasSubstr("after 1 attempt(s)"));
  }
  EXPECT_EQ(counting->sends(), 1);
  EXPECT_TRUE(server_.seen().empty());
  // With descriptors again, the same client works.
  EXPECT_EQ(client.call(call).status, 200);
}

TEST(CurlTransportCaBundle, BadBundlesAreRefusedWhenTheTransportIsMade) {
  const TempDir dir;
  const auto message = [](const std::string& bundle) -> std::string {
    CurlTransportOptions options;
    options.ca_bundle = bundle;
    try {
      make_curl_transport(options);
    } catch (const InvalidArgument& e) {
      return e.what();
    }
    return "(accepted)";
  };
  EXPECT_THAT(message((dir.path() / "missing.pem").string()), HasSubstr("does not exist"));
  EXPECT_THAT(message(""), HasSubstr("empty"));
  test::write_private_file(dir.path() / "key.pem", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
  EXPECT_THAT(message((dir.path() / "key.pem").string()), HasSubstr("holds no PEM certificate"));
  EXPECT_THAT(message("-----BEGIN PRIVATE KEY-----\nAAAA\n"), HasSubstr("holds no certificate"));
  std::filesystem::create_directory(dir.path() / "plain");
  test::write_private_file(dir.path() / "plain" / "corp-ca.pem", test::TestCa().cert_pem());
  EXPECT_THAT(message((dir.path() / "plain").string()), HasSubstr("openssl rehash"));
  EXPECT_THAT(message("/dev/null"), HasSubstr("neither a file nor a directory"));
}

// --- Retry-After end to end: ServiceClient + libcurl + a server that asks to wait -----------

TEST(CurlRetryAfter, ServiceClientWaitsAsAskedThenSucceeds) {
  LocalServer server;
  std::atomic<int> calls{0};
  server.server().Post("/codes/short/generate", [&](const httplib::Request& req, httplib::Response& res) {
    server.record(req);
    if (++calls == 1) {
      res.status = 503;
      res.set_header("Retry-After", "1");
      res.set_content(R"({"code":"unavailable","message":"try later"})", "application/json");
      return;
    }
    res.set_content(R"({"ok":true})", "application/json");
  });
  server.start();
  Options options;
  options.base_url = server.url("");
  const detail::ServiceClient client(options, "client-1");
  detail::ApiCall call;
  call.method = "POST";
  call.path = "/codes/short/generate";
  call.body = nlohmann::json::object();
  EXPECT_EQ(client.call(call).json["ok"], true);
  const auto seen = server.seen();
  ASSERT_EQ(seen.size(), 2U);
  // A lower bound only (a sleep never ends early): this checks the wait happened, not speed.
  EXPECT_GE(seen[1].at - seen[0].at, milliseconds(1'000));
  EXPECT_EQ(seen[0].remote_port, seen[1].remote_port);  // and the retry reused the connection
}

TEST(CurlRetryAfter, RetryAfterPastTheTimeoutEndsTheCallWithTheError) {
  LocalServer server;
  server.server().Post("/x", [&](const httplib::Request& req, httplib::Response& res) {
    server.record(req);
    res.status = 429;
    res.set_header("Retry-After", "30");
    res.set_content(R"({"code":"too_many_requests","message":"later"})", "application/json");
  });
  server.start();
  Options options;
  options.base_url = server.url("");
  options.timeout = milliseconds(2'000);
  const detail::ServiceClient client(options, "client-1");
  detail::ApiCall call;
  call.method = "POST";
  call.path = "/x";
  try {
    client.call(call);
    ADD_FAILURE() << "no error";
  } catch (const ServiceError& e) {
    EXPECT_EQ(e.status(), 429);
    EXPECT_EQ(e.code(), ServiceCode::too_many_requests);
  }
  EXPECT_EQ(server.seen().size(), 1U);
}

}  // namespace
}  // namespace loginid
