#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "emulator/service/util.hpp"

namespace loginid::detail::emulator {
namespace {

TEST(EmulatorUtil, FormatsRfc3339WithMilliseconds) {
  EXPECT_EQ(format_rfc3339(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_rfc3339(1796000523456), "2026-11-30T01:02:03.456Z");
  EXPECT_EQ(format_rfc3339(951782400007), "2000-02-29T00:00:00.007Z");  // leap day
}

TEST(EmulatorUtil, UuidsAreVersion4AndRecognised) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    auto id = new_uuid();
    EXPECT_TRUE(std::regex_match(id, std::regex("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")))
        << id;
    EXPECT_TRUE(is_uuid(id));
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 100u);
  EXPECT_TRUE(is_uuid("0B7C4D7E-96A4-4D7C-9D0C-1F6F7A8B9C0D"));
  EXPECT_FALSE(is_uuid(""));
  EXPECT_FALSE(is_uuid("0b7c4d7e96a44d7c9d0c1f6f7a8b9c0d"));
  EXPECT_FALSE(is_uuid("0b7c4d7e-96a4-4d7c-9d0c-1f6f7a8b9c0g"));
  EXPECT_FALSE(is_uuid("0b7c4d7e-96a4-4d7c-9d0c-1f6f7a8b9c0d0"));
  EXPECT_FALSE(is_uuid("../../../../../../../../../etc/pass"));
}

TEST(EmulatorUtil, CodesHaveTheirShapes) {
  for (int i = 0; i < 50; ++i) {
    EXPECT_TRUE(std::regex_match(random_digits(6), std::regex("^[0-9]{6}$")));
    EXPECT_TRUE(std::regex_match(random_phrase(4), std::regex("^[a-z]+(-[a-z]+){3}$")));
  }
  // Like LoginID's (API.md correction 4): 88 base64url characters with a "==" tail; 16 hex digits.
  for (int i = 0; i < 50; ++i) {
    EXPECT_TRUE(std::regex_match(new_client_id(), std::regex("^[A-Za-z0-9_-]{86}==$")));
    const auto ns = new_namespace_id();
    EXPECT_TRUE(std::regex_match(ns, std::regex("^[0-9a-f]{16}$"))) << ns;
    EXPECT_TRUE(is_namespace_id(ns));
  }
  EXPECT_NE(new_client_id(), new_client_id());
  // Ids of databases written before keep working: a UUID is still a namespace id.
  EXPECT_TRUE(is_namespace_id("9b1e76b9-6936-4910-a189-f61b55c68287"));
  EXPECT_FALSE(is_namespace_id("401C4BEEB7925852"));
  EXPECT_FALSE(is_namespace_id("401c4beeb792585"));
  EXPECT_FALSE(is_namespace_id("tenant-b"));
  EXPECT_FALSE(is_namespace_id(""));
}

TEST(EmulatorUtil, LowercasesAsciiOnly) {
  EXPECT_EQ(lowercase_ascii("Alice@Example.COM"), "alice@example.com");
  EXPECT_EQ(lowercase_ascii("\xC3\x84rger"), "\xC3\x84rger");  // UTF-8 bytes are left alone
}

}  // namespace
}  // namespace loginid::detail::emulator
