#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "emulator/http/shapes.hpp"

namespace loginid::detail::emulator::http {
namespace {

std::string dumped(const store::User& user) {
  return user_json(user).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

store::User user_named(std::string username) {
  store::User user;
  user.id = "4f8a7c1e-2b3d-4e5f-8a9b-0c1d2e3f4a5b";
  user.namespace_id = "9a8b7c6d-5e4f-3a2b-1c0d-e9f8a7b6c5d4";
  user.client_id = "oMXU82Ug_slxdy6wupjg6eS9AnqQn2l8H9UfQ6nZEZDyMPnPLdj0FjAU8ykO0txSjtXctB4eK-B-zsHHEPAmYA==";
  user.username = std::move(username);
  user.status = "active";
  user.created_at = 1764618908123;
  user.updated_at = 1764618999000;
  return user;
}

// The user answers are written without building a JSON value: the same bytes as the JSON value's
// dump, for plain names and for every name that needs escaping or is not ASCII.
TEST(EmulatorShapes, UserTextIsTheUserJsonDump) {
  for (const std::string& name : std::vector<std::string>{"bench-user", "", "a\"quote", "back\\slash", "new\nline", std::string("nul\0byte", 8), "\x7f", "tab\t",
        "\xc3\xa9l\xc3\xa8ve", "\xe2\x82\xac", "emoji \xf0\x9f\x98\x80", "bad \xff utf-8", "cut \xe2\x82"}) {
    const auto user = user_named(name);
    EXPECT_EQ(user_json_text(user), dumped(user)) << name;
  }
  auto inactive = user_named("x");
  inactive.status = "inactive";
  inactive.client_id.clear();
  EXPECT_EQ(user_json_text(inactive), dumped(inactive));
  // And it is JSON with the fields of API.md's user.
  const auto parsed = nlohmann::json::parse(user_json_text(user_named("bench-user")));
  EXPECT_EQ(parsed.at("username"), "bench-user");
  EXPECT_EQ(parsed.at("type"), "user");
  EXPECT_TRUE(parsed.at("contacts").is_array());
}

}  // namespace
}  // namespace loginid::detail::emulator::http
