// loginid::Claims: the typed accessor that keeps the JSON library out of the public headers.

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "loginid/jwt.hpp"

namespace loginid {
namespace {

using std::chrono::seconds;
using TimePoint = std::chrono::system_clock::time_point;

const char* const kUserToken =
    R"({"iss":"loginid.io","sub":"8d3c6a64","sid":"s-1","nid":"401c4beeb7925852","aud":"client-1",)"
    R"("action":"login","iat":1623267976,"exp":1623271576.5,"udata":"alice","roles":["a","b"],)"
    R"("n":{"k":[1,2]},"flag":true,"big":18446744073709551615,"neg":-5,"whole":3.0,"half":2.5})";

TEST(Claims, RegisteredAndLoginIdClaims) {
  const Claims c = Claims::from_json(kUserToken);
  EXPECT_EQ(c.issuer(), "loginid.io");
  EXPECT_EQ(c.subject(), "8d3c6a64");
  EXPECT_EQ(c.audience(), std::vector<std::string>{"client-1"});
  EXPECT_EQ(c.issued_at(), TimePoint(seconds(1623267976)));
  EXPECT_EQ(c.expires_at(), TimePoint(seconds(1623271576)) + std::chrono::milliseconds(500));
  EXPECT_FALSE(c.not_before());
  EXPECT_EQ(c.username(), "alice");
  EXPECT_EQ(c.session_id(), "s-1");
  EXPECT_EQ(c.namespace_id(), "401c4beeb7925852");
  EXPECT_EQ(c.action(), "login");
}

TEST(Claims, AnyClaimTypedOrAsJson) {
  const Claims c = Claims::from_json(kUserToken);
  EXPECT_TRUE(c.contains("roles"));
  EXPECT_FALSE(c.contains("nope"));
  EXPECT_EQ(c.get_json("roles"), R"(["a","b"])");
  EXPECT_EQ(c.get_json("n"), R"({"k":[1,2]})");
  EXPECT_EQ(c.get_bool("flag"), true);
  EXPECT_EQ(c.get_int("neg"), -5);
  EXPECT_EQ(c.get_int("whole"), 3);
  EXPECT_FALSE(c.get_int("half")) << "a fraction is not an integer";
  EXPECT_FALSE(c.get_int("big")) << "2^64-1 does not fit an int64";
  EXPECT_EQ(c.get_number("half"), 2.5);
  EXPECT_EQ(c.get_time("iat"), c.issued_at());
  // Wrong types are never converted.
  EXPECT_FALSE(c.get_string("iat"));
  EXPECT_FALSE(c.get_int("sub"));
  EXPECT_FALSE(c.get_bool("sub"));
  EXPECT_FALSE(c.get_time("sub"));
  EXPECT_FALSE(c.get_json("nope"));
  const auto names = c.names();
  EXPECT_EQ(names.size(), 16U);
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
}

TEST(Claims, AudienceMayBeAnArray) {
  EXPECT_EQ(Claims::from_json(R"({"aud":["x","y"]})").audience(), (std::vector<std::string>{"x", "y"}));
  EXPECT_TRUE(Claims::from_json(R"({"aud":1})").audience().empty());
  EXPECT_TRUE(Claims().audience().empty());
}

TEST(Claims, AbsurdTimesAreNotTimes) {
  EXPECT_FALSE(Claims::from_json(R"({"exp":1e300})").expires_at());
  EXPECT_FALSE(Claims::from_json(R"({"exp":-1e300})").expires_at());
  EXPECT_EQ(Claims::from_json(R"({"exp":-1})").expires_at(), TimePoint(seconds(-1)));
}

TEST(Claims, WholePayloadAsJsonRoundTrips) {
  const Claims c = Claims::from_json(kUserToken);
  EXPECT_EQ(Claims::from_json(c.to_json()), c);
  EXPECT_EQ(Claims().to_json(), "{}");
  EXPECT_EQ(Claims(), Claims::from_json("{}"));
  EXPECT_NE(Claims::from_json(R"({"a":1})"), Claims::from_json(R"({"a":2})"));
  // Member order does not matter to equality.
  EXPECT_EQ(Claims::from_json(R"({"a":1,"b":2})"), Claims::from_json(R"({"b":2,"a":1})"));
}

TEST(Claims, FromJsonIsStrictAndSaysWhy) {
  const auto message = [](std::string_view text) {
    try {
      (void)Claims::from_json(text);
    } catch (const InvalidArgument& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(message("[1]"), "claims: not a JSON object");
  EXPECT_EQ(message(R"({"a":1,"a":2})"), "claims: a JSON object repeats a member name");
  EXPECT_EQ(message("{"), "claims: not valid JSON (or not UTF-8)");
  EXPECT_EQ(message("{\"a\":\"\xff\"}"), "claims: not valid JSON (or not UTF-8)");
  EXPECT_EQ(message("\"text\""), "claims: not a JSON object");
  EXPECT_EQ(message("{\"a\":" + std::string(100, '[') + std::string(100, ']') + "}"), "claims: JSON nested deeper than 64 levels (the limit)");
}

// Copies share one immutable object; reading from many threads at once is safe (TSan run).
TEST(Claims, CopiesShareAndReadConcurrently) {
  const Claims original = Claims::from_json(kUserToken);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([copy = original] {
      for (int i = 0; i < 200; ++i) {
        EXPECT_EQ(copy.username(), "alice");
        EXPECT_FALSE(copy.to_json().empty());
      }
    });
  }
  for (auto& thread : threads) thread.join();
}

}  // namespace
}  // namespace loginid
