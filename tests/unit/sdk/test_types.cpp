// The enums' wire values, the extensible enums (statuses), the strict parsers of the result types
// and their operator==.

#include <gtest/gtest.h>

#include <chrono>
#include <concepts>
#include <string>
#include <type_traits>
#include <unordered_set>

#include "loginid/error.hpp"
#include "loginid/types.hpp"
#include "sdk/types_parse.hpp"

namespace loginid {
namespace {

// Misuse that must not compile (checked here by the compiler): a status is not a string, and the
// statuses of users, credentials and service codes are distinct types.
template <typename A, typename B>
concept Comparable = requires(const A& a, const B& b) { a == b; };
static_assert(!Comparable<UserStatus, std::string>, "compare with UserStatus::active, not \"active\"");
static_assert(!Comparable<UserStatus, const char*>);
static_assert(!Comparable<CredentialStatus, std::string>);
static_assert(!Comparable<UserStatus, CredentialStatus>, "a user status is not a credential status");
static_assert(!Comparable<CredentialStatus, ServiceCode>);
static_assert(!std::is_convertible_v<std::string, UserStatus>, "no implicit conversion from text");
static_assert(!std::is_convertible_v<const char*, CredentialStatus>);
// Every result type compares with ==.
static_assert(std::equality_comparable<User> && std::equality_comparable<Credential> &&
              std::equality_comparable<CredentialList> && std::equality_comparable<CredentialResult> &&
              std::equality_comparable<CodeResult> && std::equality_comparable<AuthorizeResult> &&
              std::equality_comparable<InvalidateResult> && std::equality_comparable<AuthResult> &&
              std::equality_comparable<TxResult> && std::equality_comparable<PublicKeyChallenge> &&
              std::equality_comparable<RecoveryCode> && std::equality_comparable<Fido2AttestationInit> &&
              std::equality_comparable<Fido2AssertionInit> && std::equality_comparable<UserRef>);

nlohmann::json user_body(const std::string& status) {
  return {{"id", "u"},           {"username", "a"}, {"status", status}, {"namespace_id", "401c4beeb7925852"},
          {"created_at", "2026-11-29T01:02:03.456Z"}, {"updated_at", "2026-11-29T01:02:03.456Z"}};
}

// The service may add a status (as it adds error codes): a deployed client keeps working and sees
// the new value, instead of failing every call that returns such a user or credential.
TEST(Types, AStatusThisVersionDoesNotKnowIsKept) {
  const User suspended = detail::parse_user(user_body("suspended"));
  EXPECT_EQ(suspended.status, UserStatus("suspended"));
  EXPECT_EQ(suspended.status.to_string(), "suspended");
  EXPECT_NE(suspended.status, UserStatus::active);
  EXPECT_NE(suspended.status, UserStatus::inactive);
  EXPECT_FALSE(suspended.is_active());

  EXPECT_EQ(detail::parse_user(user_body("active")).status, UserStatus::active);
  EXPECT_TRUE(detail::parse_user(user_body("active")).is_active());
  EXPECT_EQ(detail::parse_user(user_body("inactive")).status, UserStatus::inactive);
  // Case matters on the wire: "Active" is another (unknown) status, not active.
  EXPECT_NE(detail::parse_user(user_body("Active")).status, UserStatus::active);

  const nlohmann::json credential{{"uuid", "c"}, {"type", "fido2"}, {"status", "compromised"},
                                  {"name", "n"}, {"created_at", "2026-11-29T01:02:03Z"}, {"updated_at", "2026-11-29T01:02:03Z"}};
  const Credential c = detail::parse_credential(credential);
  EXPECT_EQ(c.status.to_string(), "compromised");
  EXPECT_NE(c.status, CredentialStatus::revoked);

  // Still refused: no status, an empty one, or one that is not a string.
  EXPECT_THROW((void)detail::parse_user(user_body("")), detail::BadShape);
  nlohmann::json numeric = user_body("active");
  numeric["status"] = 1;
  EXPECT_THROW((void)detail::parse_user(numeric), detail::BadShape);
  // A default-constructed result has the empty status, which is none of the known ones.
  EXPECT_EQ(User{}.status.to_string(), "");
  EXPECT_FALSE(User{}.is_active());
}

// Timestamps are time points, read strictly from RFC 3339 (the service sends UTC with milliseconds).
TEST(Types, TimestampsAreTimePointsFromRfc3339) {
  using namespace std::chrono;
  const sys_days day{year(2026) / 11 / 29};
  const auto at = [](std::string_view text) { return detail::parse_rfc3339(text); };
  EXPECT_EQ(at("2026-11-29T01:02:03.456Z"), day + 1h + 2min + 3s + 456ms);
  EXPECT_EQ(at("2026-11-29T01:02:03Z"), day + 1h + 2min + 3s);
  EXPECT_EQ(at("2026-11-29t01:02:03z"), day + 1h + 2min + 3s);
  EXPECT_EQ(at("2026-11-29T03:02:03.5+02:00"), day + 1h + 2min + 3s + 500ms);
  EXPECT_EQ(at("2026-11-28T23:02:03-02:00"), day + 1h + 2min + 3s);
  EXPECT_EQ(at("2026-11-29T01:02:03.123456789123Z"), day + 1h + 2min + 3s + 123456789ns);
  EXPECT_EQ(at("1970-01-01T00:00:00Z"), system_clock::time_point{});
  EXPECT_EQ(at("2024-02-29T00:00:00Z"), sys_days{year(2024) / 2 / 29});
  for (const char* bad : {"", "t", "2026-11-29", "2026-11-29T01:02:03", "2026-11-29 01:02:03Z", "2026-13-01T00:00:00Z",
                          "2026-02-29T00:00:00Z", "2026-11-29T24:00:00Z", "2026-11-29T01:60:00Z", "2026-11-29T01:02:03.Z",
                          "2026-11-29T01:02:03+0200", "2026-11-29T01:02:03Z ", "+2026-11-29T01:02:03Z", "2026-1-29T01:02:03Z",
                          "1764378123"}) {
    EXPECT_EQ(at(bad), std::nullopt) << bad;
  }
  const User u = detail::parse_user(user_body("active"));
  EXPECT_EQ(u.created_at, day + 1h + 2min + 3s + 456ms);
  nlohmann::json wrong = user_body("active");
  wrong["updated_at"] = "yesterday";
  try {
    (void)detail::parse_user(wrong);
    ADD_FAILURE() << "a timestamp that is not RFC 3339 was accepted";
  } catch (const detail::BadShape& e) {
    EXPECT_NE(std::string(e.what()).find("user.updated_at: expected an RFC 3339 date-time"), std::string::npos) << e.what();
  }
  wrong["updated_at"] = 1764378123;
  EXPECT_THROW((void)detail::parse_user(wrong), detail::BadShape);
}

TEST(Types, ResultsCompareMemberByMember) {
  const User a = detail::parse_user(user_body("active"));
  EXPECT_EQ(a, detail::parse_user(user_body("active")));
  User renamed = a;
  renamed.username = "b";
  EXPECT_NE(a, renamed);
  EXPECT_NE(a, detail::parse_user(user_body("inactive")));
  // raw_json takes part: the same modelled members with another unmodelled member differ.
  nlohmann::json more = user_body("active");
  more["contacts"] = nlohmann::json::array();
  EXPECT_NE(a, detail::parse_user(more));

  const nlohmann::json auth{{"is_authenticated", true},
                            {"user", {{"id", "u"}, {"username", "a"}, {"namespace_id", "n"}}},
                            {"client", {{"id", "c"}, {"type", "web"}}}};
  EXPECT_EQ(detail::parse_auth_result(auth), detail::parse_auth_result(auth));
  AuthResult with_claims = detail::parse_auth_result(auth);
  with_claims.claims = Claims::from_json(R"({"sub":"u"})");
  EXPECT_NE(with_claims, detail::parse_auth_result(auth));
  AuthResult same_claims = with_claims;
  same_claims.claims = Claims::from_json(R"({ "sub" : "u" })");
  EXPECT_EQ(with_claims, same_claims);
  EXPECT_EQ(UserRef::by_username("a"), UserRef::by_username("a"));
  EXPECT_NE(UserRef::by_username("a"), UserRef::by_id("a"));
}

TEST(Types, CodeTypeAndPurposeRoundTrip) {
  for (CodeType t : {CodeType::short_code, CodeType::long_code, CodeType::phrase}) {
    EXPECT_EQ(parse_code_type(to_string(t)), t);
  }
  EXPECT_EQ(to_string(CodeType::short_code), "short");
  EXPECT_EQ(to_string(CodeType::long_code), "long");
  EXPECT_EQ(to_string(CodePurpose::add_credential), "add_credential");
  EXPECT_EQ(parse_code_purpose("temporary_authentication"), CodePurpose::temporary_authentication);
}

TEST(Types, UnknownValuesAreRefusedNamingTheArgument) {
  for (const char* bad : {"", "Short", "medium", "short ", "phrase\n"}) {
    try {
      (void)parse_code_type(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const InvalidArgument& e) {
      EXPECT_NE(std::string(e.what()).find("code_type"), std::string::npos);
      EXPECT_NE(std::string(e.what()).find("short, long, phrase"), std::string::npos);
    }
  }
  EXPECT_THROW((void)parse_code_purpose("login"), InvalidArgument);
  EXPECT_THROW((void)to_string(static_cast<CodeType>(42)), InvalidArgument);
  EXPECT_THROW((void)to_string(static_cast<CodePurpose>(42)), InvalidArgument);
  // A huge value is not echoed in full.
  try {
    (void)parse_code_type(std::string(10'000, 'x'));
  } catch (const InvalidArgument& e) {
    EXPECT_LT(std::string(e.what()).size(), 200U);
  }
}

TEST(Types, UserRefFactories) {
  EXPECT_EQ(UserRef::by_username("a").username(), loginid::Username("a"));
  EXPECT_FALSE(UserRef::by_username("a").user_id().has_value());
  EXPECT_EQ(UserRef::by_id("i").user_id(), loginid::UserId("i"));
  EXPECT_FALSE(UserRef::by_id("i").username().has_value());
  const UserRef both = UserRef::by_id_and_username(loginid::UserId("i"), loginid::Username("a"));
  EXPECT_EQ(both.user_id(), loginid::UserId("i"));
  EXPECT_EQ(both.username(), loginid::Username("a"));
  // The typed values convert implicitly (text does not: see tests/compile_fail/user_ref_from_text.cpp).
  EXPECT_EQ(UserRef(loginid::Username("a")), UserRef::by_username("a"));
  EXPECT_EQ(UserRef(loginid::UserId("i")), UserRef::by_id("i"));
  EXPECT_NE(UserRef(loginid::UserId("a")), UserRef::by_username("a"));
}

TEST(Types, UsernameAndUserIdAreTextWithAKind) {
  const loginid::Username alice("alice");
  EXPECT_EQ(alice.str(), "alice");
  EXPECT_EQ(alice, loginid::Username(std::string_view("alice")));
  EXPECT_EQ(alice, loginid::Username(std::string("alice")));
  EXPECT_NE(alice, loginid::Username("bob"));
  EXPECT_LT(alice, loginid::Username("bob"));
  EXPECT_TRUE(loginid::UserId("").empty());
  std::unordered_set<loginid::Username> names{alice, loginid::Username("alice"), loginid::Username("bob")};
  EXPECT_EQ(names.size(), 2U);
  EXPECT_EQ(std::hash<loginid::UserId>{}(loginid::UserId("x")), std::hash<std::string>{}("x"));
}

TEST(Types, AuthResultParsesOptionalParts) {
  nlohmann::json body{{"is_authenticated", true},
                      {"user", {{"id", "u"}, {"username", "a"}, {"namespace_id", "n"}}},
                      {"client", {{"id", "c"}, {"type", "web"}}},
                      {"extra", 1}};
  AuthResult r = detail::parse_auth_result(body);
  EXPECT_FALSE(r.jwt.has_value());
  EXPECT_FALSE(r.credential.has_value());
  EXPECT_EQ(nlohmann::json::parse(r.raw_json)["extra"], 1) << "unknown members stay reachable through raw_json";

  body["credential"] = {{"uuid", "x"}, {"type", "fido2"}, {"name", "k"}};
  body["jwt"] = "a.b.c";
  r = detail::parse_auth_result(body);
  EXPECT_EQ(r.credential->uuid, "x");
  EXPECT_EQ(r.jwt, "a.b.c");

  body["user"].erase("username");
  EXPECT_THROW((void)detail::parse_auth_result(body), detail::BadShape);
  body["user"]["username"] = "a";
  body["client"] = "web";
  try {
    (void)detail::parse_auth_result(body);
    FAIL();
  } catch (const detail::BadShape& e) {
    EXPECT_STREQ(e.what(), "response.client: expected an object, got a string");
  }
}

TEST(Types, TxAndChallengeShapes) {
  EXPECT_EQ(detail::parse_tx_result({{"id", "t"}}).url, std::nullopt);
  EXPECT_THROW((void)detail::parse_tx_result({{"id", ""}}), detail::BadShape);
  EXPECT_THROW((void)detail::parse_tx_result({{"id", "t"}, {"url", 3}}), detail::BadShape);
  EXPECT_EQ(detail::parse_publickey_challenge({{"challenge_id", "i"}, {"server_nonce", "c"}}).server_nonce, "c");
  EXPECT_THROW((void)detail::parse_publickey_challenge({{"challenge_id", "i"}}), detail::BadShape);
  // The older name `challenge` is not the contract's: it does not stand in for `server_nonce`.
  EXPECT_THROW((void)detail::parse_publickey_challenge({{"challenge_id", "i"}, {"challenge", "c"}}), detail::BadShape);
}

TEST(Types, UserCarriesClientIdTypeAndContacts) {
  nlohmann::json body{{"id", "u"},           {"username", "a"},        {"status", "active"},
                      {"namespace_id", "401c4beeb7925852"},          {"client_id", "c"},
                      {"type", "user"},      {"contacts", nlohmann::json::array()},
                      {"created_at", "2026-11-29T01:02:03.456Z"}, {"updated_at", "2026-11-29T01:02:03.456Z"}};
  User u = detail::parse_user(body);
  EXPECT_EQ(u.client_id, "c");
  EXPECT_EQ(u.type, "user");
  EXPECT_EQ(nlohmann::json::parse(u.raw_json)["contacts"], nlohmann::json::array());
  // Older services sent none of the three: still a user.
  for (const char* member : {"client_id", "type", "contacts"}) body.erase(member);
  u = detail::parse_user(body);
  EXPECT_EQ(u.client_id, "");
  EXPECT_EQ(u.type, "");
  // Present with the wrong type: refused, naming the member.
  for (const auto& [member, bad] : std::vector<std::pair<std::string, nlohmann::json>>{
           {"client_id", 5}, {"type", false}, {"contacts", "none"}}) {
    nlohmann::json wrong = body;
    wrong[member] = bad;
    try {
      (void)detail::parse_user(wrong);
      ADD_FAILURE() << member << " accepted";
    } catch (const detail::BadShape& e) {
      EXPECT_NE(std::string(e.what()).find("user." + member), std::string::npos) << e.what();
    }
  }
}

TEST(Types, RecoveryCodeShape) {
  const RecoveryCode rc = detail::parse_recovery_code({{"code", "apple-arrow"}, {"created_at", "2026-11-29T00:00:00Z"}});
  EXPECT_EQ(rc.code, "apple-arrow");
  EXPECT_EQ(rc.created_at, std::chrono::sys_days{std::chrono::year(2026) / 11 / 29});
  EXPECT_THROW((void)detail::parse_recovery_code({{"code", ""}, {"created_at", "2026-11-29T00:00:00Z"}}), detail::BadShape);
  EXPECT_THROW((void)detail::parse_recovery_code({{"code", "a"}}), detail::BadShape);
  EXPECT_THROW((void)detail::parse_recovery_code({{"code", 1}, {"created_at", "2026-11-29T00:00:00Z"}}), detail::BadShape);
}

}  // namespace
}  // namespace loginid
