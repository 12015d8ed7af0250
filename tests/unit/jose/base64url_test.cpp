#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "jose/base64url.hpp"

namespace loginid::detail {
namespace {

TEST(Base64Url, EncodesRfc4648VectorsWithoutPadding) {
  EXPECT_EQ(base64url_encode(""), "");
  EXPECT_EQ(base64url_encode("f"), "Zg");
  EXPECT_EQ(base64url_encode("fo"), "Zm8");
  EXPECT_EQ(base64url_encode("foo"), "Zm9v");
  EXPECT_EQ(base64url_encode("foob"), "Zm9vYg");
  EXPECT_EQ(base64url_encode("fooba"), "Zm9vYmE");
  EXPECT_EQ(base64url_encode("foobar"), "Zm9vYmFy");
}

TEST(Base64Url, UsesTheUrlAlphabet) {
  EXPECT_EQ(base64url_encode(std::string("\xfb\xff", 2)), "-_8");
  EXPECT_EQ(base64url_decode("-_8"), std::string("\xfb\xff", 2));
}

TEST(Base64Url, RoundTripsEveryByteAtEveryLength) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) {
    bytes.push_back(static_cast<char>(i));
  }
  for (std::size_t len = 0; len <= bytes.size(); ++len) {
    const std::string part = bytes.substr(bytes.size() - len);
    const auto decoded = base64url_decode(base64url_encode(part));
    ASSERT_TRUE(decoded) << "length " << len;
    EXPECT_EQ(*decoded, part) << "length " << len;
  }
}

TEST(Base64Url, RejectsPadding) {
  EXPECT_FALSE(base64url_decode("Zg=="));
  EXPECT_FALSE(base64url_decode("Zg="));
  EXPECT_FALSE(base64url_decode("Zm9v="));
  EXPECT_FALSE(base64url_decode("===="));
}

TEST(Base64Url, RejectsCharactersOutsideTheUrlAlphabet) {
  EXPECT_FALSE(base64url_decode("+/8"));  // standard alphabet
  EXPECT_FALSE(base64url_decode("Zm9?"));
  EXPECT_FALSE(base64url_decode(std::string("Zm\0v", 4)));
  EXPECT_FALSE(base64url_decode("Zm9\xc3\xa9"));
}

TEST(Base64Url, RejectsWhitespaceAnywhere) {
  EXPECT_FALSE(base64url_decode(" Zm9v"));
  EXPECT_FALSE(base64url_decode("Zm9v "));
  EXPECT_FALSE(base64url_decode("Zm 9v"));
  EXPECT_FALSE(base64url_decode("Zm9v\n"));
  EXPECT_FALSE(base64url_decode("\tZm9v"));
}

TEST(Base64Url, RejectsLengthOneModFour) {
  EXPECT_FALSE(base64url_decode("Z"));
  EXPECT_FALSE(base64url_decode("Zm9vY"));
}

TEST(Base64Url, RejectsNonCanonicalFinalBits) {
  // "f" is "Zg"; "Zh".."Zv" carry set bits that no encoder produces.
  EXPECT_TRUE(base64url_decode("Zg"));
  EXPECT_FALSE(base64url_decode("Zh"));
  EXPECT_FALSE(base64url_decode("Zv"));
  // "fo" is "Zm8"; "Zm9" sets one of the two unused bits.
  EXPECT_TRUE(base64url_decode("Zm8"));
  EXPECT_FALSE(base64url_decode("Zm9"));
}

TEST(Base64Url, AcceptsEmptyInput) {
  const auto decoded = base64url_decode("");
  ASSERT_TRUE(decoded);
  EXPECT_TRUE(decoded->empty());
}

// The in-place forms the verification path uses must accept and refuse exactly what
// base64url_decode does, and give the same bytes.
TEST(Base64Url, InPlaceFormsAgreeWithDecode) {
  std::string bytes;
  for (int i = 0; i < 64; ++i) {
    bytes.push_back(static_cast<char>(i * 37));
  }
  std::vector<std::string> texts = {"", "Zg", "Zh", "Zm8", "Zm9", "Z", "Zm9vY", "Zg==", "+/8", "Zm 9v", "Zm9?"};
  for (std::size_t len = 0; len <= bytes.size(); ++len) {
    texts.push_back(base64url_encode(bytes.substr(0, len)));
  }
  std::string reused = "previous contents, longer than some of the outputs";
  for (const auto& text : texts) {
    const auto expected = base64url_decode(text);
    const auto size = base64url_decoded_size(text.size());
    EXPECT_EQ(size.has_value(), text.size() % 4 != 1) << text;
    EXPECT_EQ(base64url_decode_into(text, reused), expected.has_value()) << text;
    if (!expected) {
      continue;
    }
    ASSERT_EQ(size, expected->size()) << text;
    EXPECT_EQ(reused, *expected) << text;
    std::string out(*size, '\0');
    EXPECT_TRUE(base64url_decode_to(text, out.data())) << text;
    EXPECT_EQ(out, *expected) << text;
  }
}

}  // namespace
}  // namespace loginid::detail
