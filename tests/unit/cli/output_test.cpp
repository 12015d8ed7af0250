// Output formatting: JSON documents and the aligned text tables of --format text.

#include "cli/output.hpp"

#include <gtest/gtest.h>

namespace loginid::cli {
namespace {

using Json = nlohmann::json;

TEST(Output, JsonIsOneParseableDocument) {
  const Json doc = {{"id", "u1"}, {"n", 3}, {"nested", {{"a", true}}}};
  const std::string text = render_json(doc);
  EXPECT_EQ(text.back(), '\n');
  EXPECT_EQ(Json::parse(text), doc);
}

TEST(Output, InvalidUtf8IsReplacedNotThrown) {
  const Json doc = {{"name", std::string("bad \xff byte")}};
  EXPECT_NO_THROW((void)render_json(doc));
  EXPECT_NO_THROW((void)render_text(doc));
}

TEST(Output, TextAlignsKeysAndFlattensNestedObjects) {
  const Json doc = {{"id", "u1"}, {"username", "alice"}, {"user", {{"namespace_id", "ns"}}}, {"gone", nullptr}};
  EXPECT_EQ(render_text(doc),
            "gone               -\n"
            "id                 u1\n"
            "user.namespace_id  ns\n"
            "username           alice\n");
}

TEST(Output, ArraysOfObjectsBecomeTables) {
  const Json doc = {{"user_id", "u1"},
                    {"credentials", Json::array({{{"uuid", "c1"}, {"name", "laptop"}}, {{"uuid", "c22"}, {"name", "k"}, {"extra", "x"}}})}};
  EXPECT_EQ(render_text(doc),
            "user_id  u1\n"
            "\n"
            "credentials:\n"
            "uuid  name    extra\n"
            "c1    laptop  -\n"
            "c22   k       x\n");
}

TEST(Output, EmptyListsStayVisible) {
  EXPECT_EQ(render_text(Json{{"credentials", Json::array()}}), "credentials  []\n");
}

TEST(Output, TimesOfClaimsGetTheirUtcDateForAHuman) {
  const Json claims = {{"iat", 1623267976}, {"exp", 1900000000}, {"nbf", "soon"}, {"sub", "alice"}, {"n", 5}};
  const Json shown = with_utc_times(claims);
  EXPECT_EQ(shown["iat"], "1623267976 (2021-06-09T19:46:16Z)");
  EXPECT_EQ(shown["exp"], "1900000000 (2030-03-17T17:46:40Z)");
  EXPECT_EQ(shown["nbf"], "soon") << "not a number: left as it is";
  EXPECT_EQ(shown["sub"], "alice");
  EXPECT_EQ(shown["n"], 5) << "only the NumericDate claims";
  EXPECT_EQ(with_utc_times(Json{{"exp", -5}})["exp"], -5) << "no date for a negative time";
  EXPECT_EQ(with_utc_times(Json{{"exp", 99999999999999}})["exp"], 99999999999999) << "nor past year 9999";
  EXPECT_EQ(with_utc_times(Json::array({1, 2})), Json::array({1, 2}));
}

}  // namespace
}  // namespace loginid::cli
