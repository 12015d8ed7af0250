// The local argument checks and request building blocks every SDK call goes through.

#include <gtest/gtest.h>

#include <string>

#include "sdk/requests.hpp"

namespace loginid::detail {
namespace {

std::string complaint(std::string_view value, std::string_view argument) {
  try {
    require_text(value, argument);
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  return "";
}

TEST(Requests, TextMustBeNonEmptyValidUtf8) {
  EXPECT_EQ(complaint("alice", "username"), "");
  EXPECT_EQ(complaint("Jos\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80", "username"), "") << "2-, 3- and 4-byte forms";
  EXPECT_EQ(complaint("", "username"), "username: must not be empty");
  for (const char* bad : {"\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xE2\x82", "\xFF",
                          "a\x80", "\xF0\x9F\x98"}) {
    EXPECT_EQ(complaint(bad, "new_name"), "new_name: not valid UTF-8") << "bytes: " << testing::PrintToString(bad);
  }
  EXPECT_NO_THROW(require_optional_text(std::nullopt, "nonce"));
  EXPECT_THROW(require_optional_text(std::string_view(""), "nonce"), InvalidArgument);
}

TEST(Requests, UserRefAddsWhatIsGiven) {
  nlohmann::json body = nlohmann::json::object();
  add_user_ref(body, UserRef::by_id_and_username(loginid::UserId("u-1"), loginid::Username("alice")));
  EXPECT_EQ(body, (nlohmann::json{{"user_id", "u-1"}, {"username", "alice"}}));
  body = nlohmann::json::object();
  add_user_ref(body, UserRef::by_username("alice"));
  EXPECT_EQ(body, (nlohmann::json{{"username", "alice"}}));
  EXPECT_THROW(add_user_ref(body, UserRef::by_id("")), InvalidArgument);
  EXPECT_THROW(add_user_ref(body, UserRef::by_id_and_username(loginid::UserId(""), loginid::Username(""))),
               InvalidArgument);
  // One side present but the other given empty: the empty one is a mistake, not silently dropped.
  EXPECT_THROW(add_user_ref(body, UserRef::by_id_and_username(loginid::UserId("u-1"), loginid::Username(""))),
               InvalidArgument);
  EXPECT_EQ(username_of(UserRef::by_id("u-1")), std::nullopt);
  EXPECT_EQ(username_of(UserRef::by_username("alice")), "alice");
}

TEST(Requests, Paths) {
  EXPECT_EQ(code_path(CodeType::long_code, "invalidate-all"), "/codes/long/invalidate-all");
  EXPECT_EQ(user_path(loginid::UserId("6f1c-\xC3\xA9/x"), "/activate"), "/manage/users/6f1c-%C3%A9%2Fx/activate");
  EXPECT_THROW((void)user_path(loginid::UserId("")), InvalidArgument);
}

TEST(Requests, WrongShapeBecomesBadResponseWithTheAnswersContext) {
  ApiResponse answer;
  answer.status = 200;
  answer.request_id = "rid-7";
  answer.json = nlohmann::json{{"id", 5}};
  try {
    (void)parse_answer(std::move(answer), parse_tx_result);
    FAIL();
  } catch (const BadResponse& e) {
    EXPECT_EQ(e.kind(), ErrorKind::bad_response);
    EXPECT_EQ(e.status(), 200);
    EXPECT_EQ(e.request_id(), "rid-7");
    EXPECT_STREQ(e.what(), "bad_response: response.id: expected a string, got a number");
  }
}

}  // namespace
}  // namespace loginid::detail
