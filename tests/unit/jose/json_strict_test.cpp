#include <gtest/gtest.h>

#include <string>

#include "jose/json_strict.hpp"

namespace loginid::detail {
namespace {

JsonProblem problem_of(const std::string& text) {
  JsonProblem problem{};
  const auto value = parse_json_object_strict(text, problem);
  EXPECT_EQ(value.has_value(), problem == JsonProblem::none) << text;
  return problem;
}

TEST(JsonStrict, ParsesAnObject) {
  JsonProblem problem{};
  const auto value = parse_json_object_strict(R"({"a":1,"b":[true,null,{"c":"d"}],"e":1.5})", problem);
  ASSERT_TRUE(value);
  EXPECT_EQ(problem, JsonProblem::none);
  EXPECT_EQ(value->at("a"), 1);
  EXPECT_EQ(value->at("b").at(2).at("c"), "d");
  EXPECT_EQ(value->at("e"), 1.5);
}

TEST(JsonStrict, RejectsDuplicateKeysAtAnyDepth) {
  EXPECT_EQ(problem_of(R"({"a":1,"a":2})"), JsonProblem::duplicate_key);
  EXPECT_EQ(problem_of(R"({"a":1,"b":{"c":1,"c":1}})"), JsonProblem::duplicate_key);
  EXPECT_EQ(problem_of(R"({"a":[{"x":1},{"y":1,"y":2}]})"), JsonProblem::duplicate_key);
  // Names are compared after unescaping: "\u0061" is "a".
  EXPECT_EQ(problem_of(R"({"a":1,"\u0061":2})"), JsonProblem::duplicate_key);
  // Equal names in different objects are fine.
  EXPECT_EQ(problem_of(R"({"a":{"a":1},"b":{"a":2}})"), JsonProblem::none);
}

TEST(JsonStrict, RejectsNonObjects) {
  EXPECT_EQ(problem_of("[]"), JsonProblem::not_object);
  EXPECT_EQ(problem_of(R"("text")"), JsonProblem::not_object);
  EXPECT_EQ(problem_of("42"), JsonProblem::not_object);
  EXPECT_EQ(problem_of("null"), JsonProblem::not_object);
}

TEST(JsonStrict, RejectsSyntaxErrorsAndTrailingBytes) {
  EXPECT_EQ(problem_of(""), JsonProblem::syntax);
  EXPECT_EQ(problem_of("{"), JsonProblem::syntax);
  EXPECT_EQ(problem_of(R"({"a":1,})"), JsonProblem::syntax);
  EXPECT_EQ(problem_of(R"({"a":1} x)"), JsonProblem::syntax);
  EXPECT_EQ(problem_of(R"({"a":1}{})"), JsonProblem::syntax);
  EXPECT_EQ(problem_of("{'a':1}"), JsonProblem::syntax);
  EXPECT_EQ(problem_of(R"({"a":1 /* c */})"), JsonProblem::syntax);
}

TEST(JsonStrict, RejectsInvalidUtf8) {
  EXPECT_EQ(problem_of("{\"a\":\"\xff\"}"), JsonProblem::syntax);
  EXPECT_EQ(problem_of("{\"a\":\"\xc3\"}"), JsonProblem::syntax);       // truncated sequence
  EXPECT_EQ(problem_of("{\"a\":\"\xc0\xaf\"}"), JsonProblem::syntax);   // overlong "/"
  EXPECT_EQ(problem_of("{\"a\":\"\xc3\xa9\"}"), JsonProblem::none);     // valid "é"
}

TEST(JsonStrict, BoundsTheNestingDepth) {
  const auto nested = [](std::size_t depth) {
    std::string text = "{\"a\":";
    for (std::size_t i = 1; i < depth; ++i) {
      text += "[";
    }
    text += "1";
    for (std::size_t i = 1; i < depth; ++i) {
      text += "]";
    }
    return text + "}";
  };
  EXPECT_EQ(problem_of(nested(kMaxJsonDepth)), JsonProblem::none);
  EXPECT_EQ(problem_of(nested(kMaxJsonDepth + 1)), JsonProblem::too_deep);
  EXPECT_EQ(problem_of(nested(100000)), JsonProblem::too_deep);
}

TEST(JsonStrict, BoundsTheDepthOfAnyTopLevelValueAndStopsAtTheFirstLevelTooMany) {
  // Issue 15: 200,000 nested arrays (what crashed the SDK through a recursive copy) are refused
  // while parsed, for arrays and objects alike, at the top level of parse_json_strict too.
  JsonProblem problem{};
  EXPECT_FALSE(parse_json_strict(std::string(200'000, '[') + std::string(200'000, ']'), problem));
  EXPECT_EQ(problem, JsonProblem::too_deep);
  // Unterminated: the depth is what is reported, the parse never reads to the end.
  EXPECT_FALSE(parse_json_strict(std::string(200'000, '['), problem));
  EXPECT_EQ(problem, JsonProblem::too_deep);
  std::string objects;
  for (int i = 0; i < 100'000; ++i) objects += "{\"a\":";
  EXPECT_FALSE(parse_json_strict(objects + "1" + std::string(100'000, '}'), problem));
  EXPECT_EQ(problem, JsonProblem::too_deep);
  EXPECT_TRUE(parse_json_strict(std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']'), problem));
  EXPECT_EQ(problem, JsonProblem::none);
  EXPECT_FALSE(parse_json_strict(std::string(kMaxJsonDepth + 1, '[') + std::string(kMaxJsonDepth + 1, ']'), problem));
  EXPECT_EQ(problem, JsonProblem::too_deep);
}

TEST(JsonStrict, DescribeNamesTheLimit) {
  EXPECT_EQ(describe(JsonProblem::too_deep), "JSON nested deeper than 64 levels (the limit)");
  EXPECT_EQ(describe(JsonProblem::syntax), "not valid JSON (or not UTF-8)");
  EXPECT_EQ(describe(JsonProblem::duplicate_key), "a JSON object repeats a member name");
  EXPECT_EQ(describe(JsonProblem::not_object), "not a JSON object");
}

TEST(JsonStrict, AgreesWithNlohmannOnValidDocuments) {
  // Differential check: where both accept, both must build the same value.
  for (const char* text : {
           R"({})", R"({"a":[]})", R"({ "a" : [ 1 , 2 ] , "b" : { } })", "{\t\"a\"\n:\r1}",
           R"({"n":0,"m":-0,"i":-9223372036854775808,"u":18446744073709551615,"big":18446744073709551616})",
           R"({"neg":-12345678901234567890,"f":1.5,"e":1e10,"E":-2.5E-3,"z":0.0,"x":1E+2})",
           R"({"s":"plain","esc":"\"\\\/\b\f\n\r\t","u":"\u0041\u00e9\u20ac\ud83d\ude00","nul":"\u0000"})",
           "{\"raw\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"}",
           R"({"t":true,"f":false,"n":null,"nested":[{"a":[[[]]]},{"b":{"c":{"d":"e"}}}]})",
       }) {
    JsonProblem problem{};
    const auto ours = parse_json_object_strict(text, problem);
    ASSERT_TRUE(ours) << text;
    EXPECT_EQ(*ours, nlohmann::json::parse(text)) << text;
    EXPECT_EQ(ours->dump(), nlohmann::json::parse(text).dump()) << text;
  }
}

TEST(JsonStrict, RejectsWhatRfc8259Rejects) {
  for (const char* text : {
           R"({"a":01})", R"({"a":1.})", R"({"a":.5})", R"({"a":+1})", R"({"a":-})", R"({"a":1e})", R"({"a":0x1})",
           R"({"a":NaN})", R"({"a":Infinity})", R"({"a":1e400})", R"({"a":tru})", R"({"a":nul})", R"({"a":True})",
           R"({"a":"\x41"})", R"({"a":"\u12"})", R"({"a":"\ud83d"})", R"({"a":"\ude00"})", R"({"a":"\ud83d\u0041"})",
           "{\"a\":\"tab\there\"}", "{\"a\":\"line\nbreak\"}", R"({"a" 1})", R"({a:1})", R"({"a":1,,"b":2})",
           R"({"a":[1,]})", R"({"a":[,1]})", R"({"a":"unterminated)", R"({"a":1)", "\xef\xbb\xbf{}",
       }) {
    JsonProblem problem{};
    EXPECT_FALSE(parse_json_object_strict(text, problem)) << text;
    EXPECT_EQ(problem, JsonProblem::syntax) << text;
  }
}

}  // namespace
}  // namespace loginid::detail
