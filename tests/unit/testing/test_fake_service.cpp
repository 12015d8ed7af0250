// loginid::testkit::FakeService, as a user's test meets it: linked the way a user links it
// (loginid::testing over the shared libloginid), driven through the real clients. The tokens it
// mints must verify for real, and only when they should.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "loginid/loginid.hpp"
#include "loginid/testing/fake_service.hpp"

namespace {

using loginid::testkit::FakeService;
using loginid::testkit::FakeServiceOptions;
using loginid::testkit::UserTokenClaims;
using namespace std::chrono_literals;

/// 2026-11-29T00:00:00Z: a fixed "now" the tests move by hand.
const std::chrono::system_clock::time_point kStart{std::chrono::seconds(1'795'910'400)};

loginid::LoginID client_of(const FakeService& fake) { return loginid::LoginID(fake.client_id(), loginid::PrivateKey::generate(), fake.client_options()); }
loginid::LoginIdManagement management_of(const FakeService& fake) {
  return loginid::LoginIdManagement(fake.client_id(), loginid::PrivateKey::generate(), fake.client_options());
}

TEST(FakeService, MintedUserTokensVerifyForRealAgainstItsCerts) {
  FakeService fake;
  const auto client = client_of(fake);
  const std::string token = fake.user_token("alice");
  EXPECT_TRUE(client.verify_token(token, loginid::Username("alice")));
  EXPECT_FALSE(client.verify_token(token, loginid::Username("bob"))) << "udata is checked";
  EXPECT_EQ(fake.certs_fetches(), 1U) << "the SDK fetched the fake's key from /certs";
  const auto claims = client.verify_token_claims(token, loginid::Username("alice"));
  EXPECT_EQ(claims.issuer(), "loginid.io");
  EXPECT_EQ(claims.subject(), FakeService::user_id_of("alice"));
  EXPECT_EQ(claims.audience(), std::vector<std::string>{fake.client_id()});
  EXPECT_EQ(claims.action(), "login");
  EXPECT_FALSE(claims.expires_at()) << "LoginID issues user tokens without exp";
  const auto header = loginid::decode_jwt(token).header;
  EXPECT_EQ(header.get_string("kid"), fake.kid());
}

TEST(FakeService, TokensThatShouldFailDoFail) {
  FakeService fake;
  const auto client = client_of(fake);
  std::error_code ec;
  EXPECT_FALSE(client.verify_token_claims(fake.user_token({.username = "alice", .audience = "another-app"}), loginid::Username("alice"), ec));
  EXPECT_EQ(ec, loginid::TokenErrc::audience_mismatch);

  FakeService impostor({.kid = fake.kid()});  // same kid, another key: a forged token
  EXPECT_FALSE(client.verify_token_claims(impostor.user_token("alice"), loginid::Username("alice"), ec));
  EXPECT_EQ(ec, loginid::TokenErrc::bad_signature);
}

TEST(FakeService, ExpiryFollowsTheSharedClock) {
  auto now = std::make_shared<std::atomic<std::int64_t>>(std::chrono::duration_cast<std::chrono::seconds>(kStart.time_since_epoch()).count());
  FakeService fake({.clock = [now] { return std::chrono::system_clock::time_point(std::chrono::seconds(now->load())); }});
  const auto client = client_of(fake);  // client_options() gives the client the fake's clock
  const std::string token = fake.user_token({.username = "alice", .lifetime = 10min});
  EXPECT_TRUE(client.verify_token(token, loginid::Username("alice")));
  *now += 3600;
  std::error_code ec;
  EXPECT_FALSE(client.verify_token_claims(token, loginid::Username("alice"), ec));
  EXPECT_EQ(ec, loginid::TokenErrc::expired);
}

TEST(FakeService, ExtraClaimsAreAddedAndMalformedOnesRefused) {
  FakeService fake;
  const auto claims = loginid::decode_jwt(fake.user_token({.username = "alice", .extra_claims_json = R"({"department":"sales","action":"register"})"})).payload;
  EXPECT_EQ(claims.get_string("department"), "sales");
  EXPECT_EQ(claims.action(), "register") << "the test's own claims win";
  EXPECT_THROW((void)fake.user_token({.username = "alice", .extra_claims_json = "[1]"}), loginid::InvalidArgument);
}

TEST(FakeService, DefaultWaitCodeAnswersAVerifiedLogin) {
  FakeService fake;
  const auto client = client_of(fake);
  const auto auth = client.wait_code(loginid::Username("alice"), "123456", loginid::CodeType::short_code);
  ASSERT_TRUE(auth.claims);
  EXPECT_EQ(auth.claims->username(), "alice");
  EXPECT_EQ(auth.user.id, FakeService::user_id_of("alice"));
  const auto sent = fake.requests("POST", "/authenticate/code/wait");
  ASSERT_EQ(sent.size(), 1U);
  const auto body = loginid::testkit::json_body(sent[0]);
  EXPECT_EQ(body.get_string("username"), "alice");
  EXPECT_EQ(loginid::Claims::from_json(body.get_json("authentication_code").value()).get_string("code"), "123456");
}

TEST(FakeService, ScriptedErrorsReachTheCallerAsServiceErrors) {
  FakeService fake;
  const auto client = client_of(fake);
  fake.on("POST", "/authenticate/code/wait", FakeService::error(410, "code_expired", "the code expired"));
  try {
    (void)client.wait_code(loginid::Username("alice"), "123456", loginid::CodeType::short_code);
    FAIL() << "wait_code did not throw";
  } catch (const loginid::ServiceError& e) {
    EXPECT_EQ(e.status(), 410);
    EXPECT_EQ(e.code(), loginid::ServiceCode::code_expired);
  }
  fake.clear_scripts();
  EXPECT_NO_THROW((void)client.wait_code(loginid::Username("alice"), "123456", loginid::CodeType::short_code)) << "back to the default";
}

TEST(FakeService, WildcardRoutesTheLatestScriptAndOnAny) {
  FakeService fake;
  const auto mgmt = management_of(fake);
  const std::string id = FakeService::user_id_of("alice");
  fake.on("PUT", "/manage/users/*/deactivate", FakeService::error(404, "not_found", "first"));
  fake.on("PUT", "/manage/users/*/deactivate", FakeService::error(403, "forbidden", "latest"));
  EXPECT_THROW((void)mgmt.deactivate_user(loginid::UserId(id)), loginid::ServiceError);
  try {
    (void)mgmt.deactivate_user(loginid::UserId(id));
  } catch (const loginid::ServiceError& e) {
    EXPECT_EQ(e.status(), 403) << "the latest script for a route wins";
  }
  fake.on_any([](const loginid::HttpRequest&) { return FakeService::error(503, "unavailable", "down"); });
  EXPECT_THROW((void)mgmt.get_user(loginid::Username("alice")), loginid::ServiceError) << "on_any answers what no route matches";
  EXPECT_THROW((void)mgmt.deactivate_user(loginid::UserId(id)), loginid::ServiceError);
  EXPECT_THROW(fake.on("GET", "certs", FakeService::error(500, "x", "y")), loginid::InvalidArgument);
}

TEST(FakeService, HandlersSeeTheRequestAndCanBuildOnTheDefault) {
  FakeService fake;
  const auto mgmt = management_of(fake);
  fake.on("POST", "/manage/users/retrieve", [&fake](const loginid::HttpRequest& request) {
    if (loginid::testkit::json_body(request).get_string("username") == "ghost") {
      return FakeService::error(404, "not_found", "no such user");
    }
    return fake.default_answer(request);
  });
  EXPECT_EQ(mgmt.get_user(loginid::Username("alice")).id, FakeService::user_id_of("alice"));
  EXPECT_THROW((void)mgmt.get_user(loginid::Username("ghost")), loginid::ServiceError);
}

TEST(FakeService, RecordsWhatWasSentWithItsServiceToken) {
  FakeService fake;
  const auto app_key = loginid::PrivateKey::generate();
  const loginid::LoginIdManagement mgmt(fake.client_id(), app_key, fake.client_options());
  const auto user = mgmt.get_user(loginid::Username("alice"));
  EXPECT_EQ(user.username, "alice");
  EXPECT_TRUE(user.is_active());
  const auto sent = fake.requests();
  ASSERT_EQ(sent.size(), 1U);
  EXPECT_EQ(sent[0].method, "POST");
  EXPECT_EQ(loginid::testkit::path_of(sent[0]), "/manage/users/retrieve");
  const auto token = loginid::testkit::service_token_claims(sent[0]);
  ASSERT_TRUE(token);
  EXPECT_EQ(token->get_string("type"), "users.retrieve");
  EXPECT_EQ(token->get_string("client_id"), fake.client_id());
  fake.clear_requests();
  EXPECT_TRUE(fake.requests().empty());
}

TEST(FakeService, TransactionsConfirmedThroughTheFakeVerify) {
  FakeService fake;
  const auto client = client_of(fake);
  const std::string id = client.create_transaction("Pay 10 EUR to Bob").id;
  ASSERT_EQ(fake.transactions().size(), 1U);
  EXPECT_EQ(fake.transactions()[0].tx_payload, "Pay 10 EUR to Bob");
  const std::string tx_token = fake.confirm_transaction(id, {.username = "alice"});
  EXPECT_TRUE(client.verify_transaction(tx_token, "Pay 10 EUR to Bob"));
  std::error_code ec;
  EXPECT_FALSE(client.verify_transaction_claims(tx_token, "Pay 1000 EUR to Mallory", ec));
  EXPECT_EQ(ec, loginid::TokenErrc::tx_hash_mismatch);
  EXPECT_THROW((void)fake.confirm_transaction("no-such-tx"), loginid::InvalidArgument);
}

TEST(FakeService, EveryClientFunctionParsesItsDefaultAnswer) {
  FakeService fake;
  const auto mgmt = management_of(fake);
  const auto alice = loginid::UserRef::by_username("alice");
  const auto code = mgmt.generate_code(alice, loginid::CodeType::short_code, loginid::CodePurpose::temporary_authentication);
  EXPECT_EQ(code.code.size(), 6U);
  EXPECT_TRUE(mgmt.authorize_code(alice, code.code, loginid::CodeType::short_code, loginid::CodePurpose::temporary_authentication).is_authorized);
  (void)mgmt.invalidate_all_codes(alice, loginid::CodeType::long_code, loginid::CodePurpose::add_credential);
  const auto list = mgmt.get_credentials(alice);
  ASSERT_EQ(list.credentials.size(), 1U);
  EXPECT_EQ(mgmt.rename_credential(alice, loginid::CredentialId(list.credentials[0].uuid), "Laptop").credential.name, "Laptop");
  EXPECT_EQ(mgmt.revoke_credential(alice, loginid::CredentialId(list.credentials[0].uuid)).credential.status, loginid::CredentialStatus::revoked);
  const auto user_key = loginid::PrivateKey::generate();
  EXPECT_TRUE(mgmt.add_publickey_credential(alice, user_key.public_key().to_pem()).credential);
  (void)mgmt.force_fido2_credential_init(loginid::UserId(FakeService::user_id_of("alice")));
  EXPECT_FALSE(mgmt.generate_recovery_code(alice).code.empty());
  EXPECT_EQ(mgmt.add_user_without_credentials(loginid::Username("bob")).username, "bob");
  EXPECT_EQ(mgmt.deactivate_user(loginid::UserId(FakeService::user_id_of("bob"))).status, loginid::UserStatus::inactive);
  EXPECT_TRUE(mgmt.activate_user(loginid::UserId(FakeService::user_id_of("bob"))).is_active());
  mgmt.delete_by_user_id(loginid::UserId(FakeService::user_id_of("bob")));
  mgmt.delete_by_username(loginid::Username("bob"));
  EXPECT_EQ(mgmt.register_password(loginid::Username("carol"), "correct horse battery").claims->username(), "carol");
  EXPECT_TRUE(mgmt.authenticate_password(loginid::Username("carol"), "correct horse battery").claims);
  const auto challenge = mgmt.authenticate_publickey_init(loginid::Username("alice"), user_key.public_key().to_pem());
  EXPECT_TRUE(mgmt.authenticate_publickey_complete(
                      loginid::Username("alice"), challenge,
                      loginid::LoginID::make_publickey_assertion(user_key, challenge.server_nonce))
                  .claims);
  EXPECT_TRUE(mgmt.register_fido2_init(loginid::Username("dave")).register_session);
  EXPECT_FALSE(mgmt.authenticate_fido2_init(loginid::Username("dave")).challenge.empty());
  const std::string browser_answer =
      R"({"challenge":"Y2hhbGxlbmdl","credential_uuid":"u","credential_id":"aWQ","client_data":"Y2Q","attestation_data":"YWQ"})";
  EXPECT_TRUE(mgmt.register_fido2_complete(loginid::Username("dave"), browser_answer).credential);
  EXPECT_TRUE(mgmt.complete_add_fido2_credential(loginid::Username("dave"), browser_answer).claims);
  EXPECT_TRUE(mgmt.authenticate_fido2_complete(
                      loginid::Username("dave"), R"({"challenge":"Y2g","credential_id":"aWQ","client_data":"Y2Q","authenticator_data":"YWQ","signature":"c2ln"})")
                  .claims);
  (void)mgmt.init_add_fido2_credential_with_code(loginid::Username("dave"), "123456", loginid::CodeType::short_code);
}

TEST(FakeService, StrictModeAnswers501ForWhatIsNotScripted) {
  FakeService fake({.default_answers = false});
  const auto mgmt = management_of(fake);
  try {
    (void)mgmt.get_user(loginid::Username("alice"));
    FAIL() << "an unscripted call succeeded";
  } catch (const loginid::ServiceError& e) {
    EXPECT_EQ(e.status(), 501);
    EXPECT_NE(std::string(e.what()).find("/manage/users/retrieve"), std::string::npos) << e.what();
  }
}

TEST(FakeService, UnknownPathsAndKidsAre404) {
  FakeService fake;
  const auto transport = fake.transport();
  EXPECT_EQ(transport->send({.method = "GET", .url = "https://loginid.invalid/nowhere"}).status, 404);
  EXPECT_EQ(transport->send({.method = "GET", .url = "https://loginid.invalid/certs?kid=other"}).status, 404);
  const auto certs = transport->send({.method = "GET", .url = "https://loginid.invalid/certs?kid=" + fake.kid()});
  EXPECT_EQ(certs.status, 200);
  EXPECT_EQ(loginid::PublicKey::from_pem(certs.body), fake.public_key());
  EXPECT_EQ(transport->send({.method = "POST", .url = "https://loginid.invalid/tx", .body = "not json"}).status, 400);
}

TEST(FakeService, ClientsMayOutliveTheFakeAndCallFromManyThreads) {
  std::optional<loginid::LoginID> client;
  std::string token;
  {
    FakeService fake;
    client.emplace(client_of(fake));
    token = fake.user_token("alice");
  }
  std::vector<std::thread> threads;
  std::atomic<int> verified{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < 25; ++j) verified += client->verify_token(token, loginid::Username("alice")) ? 1 : 0;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(verified.load(), 100);
}

TEST(FakeService, PathOfDropsSchemeHostAndQuery) {
  EXPECT_EQ(loginid::testkit::path_of({.url = "https://h:1/a/b?c=d"}), "/a/b");
  EXPECT_EQ(loginid::testkit::path_of({.url = "http://h"}), "/");
  EXPECT_EQ(loginid::testkit::path_of({.url = "/x"}), "/x");
  EXPECT_EQ(FakeService::user_id_of("Alice"), FakeService::user_id_of("alice"));
  EXPECT_NE(FakeService::user_id_of("alice"), FakeService::user_id_of("bob"));
}

}  // namespace
