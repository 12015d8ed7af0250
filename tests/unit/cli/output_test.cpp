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

}  // namespace
}  // namespace loginid::cli
