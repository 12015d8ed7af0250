#include <gtest/gtest.h>

#include <optional>
#include <set>
#include <string>

#include "loginid/error.hpp"
#include "loginid/secret.hpp"

namespace loginid {
namespace {

TEST(Errors, ServiceErrorCarriesItsPartsAndFormatsWhat) {
  const ServiceError e(404, ServiceCode::not_found, "no such user", "req-1");
  EXPECT_EQ(e.kind(), ErrorKind::service);
  EXPECT_EQ(e.status(), 404);
  EXPECT_EQ(e.code(), ServiceCode::not_found);
  EXPECT_EQ(e.code().to_string(), "not_found");
  EXPECT_EQ(e.message(), "no such user");
  EXPECT_EQ(e.request_id(), "req-1");
  EXPECT_STREQ(e.what(), "not_found: no such user");
}

TEST(Errors, AnUnknownServiceCodeKeepsItsText) {
  const ServiceError e(418, ServiceCode("teapot_busy"), "later");
  EXPECT_EQ(e.code().to_string(), "teapot_busy");
  EXPECT_EQ(e.code(), ServiceCode("teapot_busy"));
  EXPECT_NE(e.code(), ServiceCode::not_found);
  EXPECT_NE(e.code(), ServiceCode::unknown_error);
}

// One catch clause sees everything the SDK throws, and kind() says which it was.
TEST(Errors, EveryExceptionIsALoginidError) {
  const auto kind_of = [](auto&& thrower) -> std::optional<ErrorKind> {
    try {
      thrower();
    } catch (const Error& e) {
      return e.kind();
    }
    ADD_FAILURE() << "nothing thrown";
    return std::nullopt;
  };
  EXPECT_EQ(kind_of([] { throw InvalidArgument("x: bad"); }), ErrorKind::invalid_argument);
  EXPECT_EQ(kind_of([] { throw KeyError("private key: not PEM"); }), ErrorKind::key);
  EXPECT_EQ(kind_of([] { throw ServiceError(400, ServiceCode::bad_request, "m"); }), ErrorKind::service);
  EXPECT_EQ(kind_of([] { throw TransportError(TransportError::Reason::timeout, "slow"); }), ErrorKind::transport);
  EXPECT_EQ(kind_of([] { throw BadResponse(200, "user.id: missing"); }), ErrorKind::bad_response);
  EXPECT_EQ(kind_of([] { throw TokenError(TokenErrc::expired); }), ErrorKind::token);
  EXPECT_STREQ(to_string(ErrorKind::bad_response), "bad_response");
}

TEST(Errors, KeyErrorIsAnInvalidArgument) {
  try {
    throw KeyError("private key: not PEM");
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "private key: not PEM");
    EXPECT_EQ(e.kind(), ErrorKind::key);
  }
}

TEST(Errors, BadResponseAndTransportErrorSayWhatHappened) {
  const BadResponse bad(200, "user.status: expected a string, got a number", "req-9");
  EXPECT_STREQ(bad.what(), "bad_response: user.status: expected a string, got a number");
  EXPECT_EQ(bad.status(), 200);
  EXPECT_EQ(bad.request_id(), "req-9");
  const TransportError io(TransportError::Reason::io_failed, "reset");
  EXPECT_TRUE(io.may_have_reached_server());
  EXPECT_EQ(io.status(), 0);
  EXPECT_FALSE(TransportError(TransportError::Reason::connect_failed, "refused").may_have_reached_server());
  EXPECT_TRUE(TransportError(TransportError::Reason::response_too_large, "too much").may_have_reached_server());
}

TEST(Errors, EveryTokenReasonHasItsOwnMessage) {
  EXPECT_STREQ(token_category().name(), "loginid.token");
  std::set<std::string> messages;
  constexpr int kLast = static_cast<int>(TokenErrc::tx_hash_mismatch);
  for (int v = 1; v <= kLast; ++v) {
    const std::error_code ec = make_error_code(static_cast<TokenErrc>(v));
    EXPECT_TRUE(ec);
    EXPECT_FALSE(ec.message().empty());
    messages.insert(ec.message());
  }
  EXPECT_EQ(messages.size(), static_cast<std::size_t>(kLast));
  const std::error_code ec = TokenErrc::expired;  // implicit, via is_error_code_enum
  EXPECT_EQ(ec, make_error_code(TokenErrc::expired));
  EXPECT_EQ(ec.message(), "token has expired");
}

TEST(Errors, TokenErrorWhat) {
  const TokenError e(TokenErrc::audience_mismatch);
  EXPECT_EQ(e.reason(), TokenErrc::audience_mismatch);
  EXPECT_STREQ(e.what(), "invalid token: token audience does not match");
}

TEST(Secret, TakesAndEmptiesTheSource) {
  std::string text = "secret text that is longer than the small-string buffer";
  SecretString secret(std::move(text));
  EXPECT_EQ(secret.view(), "secret text that is longer than the small-string buffer");
  EXPECT_TRUE(text.empty());  // NOLINT(bugprone-use-after-move): the contract says it is left empty
  std::string short_text = "tiny";
  SecretString small(std::move(short_text));
  EXPECT_EQ(small.view(), "tiny");
  EXPECT_TRUE(short_text.empty());  // NOLINT(bugprone-use-after-move)
}

TEST(Secret, MoveAndClear) {
  SecretString a(std::string_view("abc"));
  SecretString b(std::move(a));
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(b.view(), "abc");
  SecretString c;
  c = std::move(b);
  EXPECT_EQ(c.view(), "abc");
  EXPECT_EQ(c.size(), 3U);
  c.clear();
  EXPECT_TRUE(c.empty());
}

TEST(Secret, CleanseZeroesTheWholeBuffer) {
  std::string text = "0123456789abcdef0123456789abcdef";
  const char* data = text.data();
  const std::size_t capacity = text.capacity();
  cleanse(text);
  EXPECT_TRUE(text.empty());
  // Same buffer (no reallocation), every byte of it wiped.
  ASSERT_EQ(text.data(), data);
  for (std::size_t i = 0; i < capacity; ++i) {
    EXPECT_EQ(data[i], '\0') << "byte " << i;
  }
}

}  // namespace
}  // namespace loginid
