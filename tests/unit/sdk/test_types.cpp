// The enums' wire values and the strict parsers of the result types.

#include <gtest/gtest.h>

#include "loginid/error.hpp"
#include "loginid/types.hpp"
#include "sdk/types_parse.hpp"

namespace loginid {
namespace {

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
  EXPECT_EQ(UserRef::by_username("a").username, "a");
  EXPECT_FALSE(UserRef::by_username("a").user_id.has_value());
  EXPECT_EQ(UserRef::by_id("i").user_id, "i");
  const UserRef both = UserRef::by_id_and_username("i", "a");
  EXPECT_EQ(both.user_id, "i");
  EXPECT_EQ(both.username, "a");
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
                      {"created_at", "t"},   {"updated_at", "t"}};
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
  const RecoveryCode rc = detail::parse_recovery_code({{"code", "apple-arrow"}, {"created_at", "t"}});
  EXPECT_EQ(rc.code, "apple-arrow");
  EXPECT_EQ(rc.created_at, "t");
  EXPECT_THROW((void)detail::parse_recovery_code({{"code", ""}, {"created_at", "t"}}), detail::BadShape);
  EXPECT_THROW((void)detail::parse_recovery_code({{"code", "a"}}), detail::BadShape);
  EXPECT_THROW((void)detail::parse_recovery_code({{"code", 1}, {"created_at", "t"}}), detail::BadShape);
}

}  // namespace
}  // namespace loginid
