#include <gtest/gtest.h>

#include <string>

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

}  // namespace
}  // namespace loginid::detail
