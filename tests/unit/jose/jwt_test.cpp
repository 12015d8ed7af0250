#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "claims_json.hpp"
#include "jose/jwt_json.hpp"
#include "jose/jwt_view.hpp"
#include "loginid/jwt.hpp"
#include "test_util.hpp"

namespace loginid {
namespace {

using namespace std::chrono_literals;
using test::b64;
using test::kEs256Header;
using test::signed_token;

constexpr std::int64_t kNow = 1'800'000'000;  // the injected "now", in unix seconds

class Jwt : public ::testing::Test {
 protected:
  PrivateKey key = PrivateKey::generate();
  PublicKey pub = key.public_key();

  static VerifyPolicy at(std::int64_t now_seconds) {
    VerifyPolicy policy;
    policy.clock = [now_seconds] { return std::chrono::system_clock::time_point(std::chrono::seconds(now_seconds)); };
    return policy;
  }

  /// The reason verify_jwt gives, or ok.
  TokenErrc reason(std::string_view token, const VerifyPolicy& policy = at(kNow)) const {
    std::error_code ec;
    const auto claims = verify_jwt(token, pub, policy, ec);
    EXPECT_EQ(claims.has_value(), !ec);
    if (ec) {
      EXPECT_EQ(&ec.category(), &token_category());
    }
    return static_cast<TokenErrc>(ec.value());
  }

  /// A correctly signed token with the standard header and this payload text.
  std::string token_with(std::string_view payload_json) const { return signed_token(kEs256Header, payload_json, key); }
  std::string header_with(std::string_view header_json) const { return signed_token(header_json, "{}", key); }
};

TEST_F(Jwt, SignThenVerifyReturnsThePayload) {
  const Claims payload = claims_of({{"sub", "u1"}, {"iat", kNow}, {"nested", {{"a", {1, 2}}}}});
  const std::string token = sign_jwt(payload, key);
  EXPECT_EQ(verify_jwt(token, pub, at(kNow)), payload);
  const DecodedJwt decoded = decode_jwt(token);
  EXPECT_EQ(decoded.header, claims_of({{"alg", "ES256"}, {"typ", "JWT"}}));
  EXPECT_EQ(decoded.payload, payload);
  EXPECT_EQ(decoded.signature.size(), 64U);
  EXPECT_EQ(decoded.signing_input, token.substr(0, token.rfind('.')));
}

TEST_F(Jwt, SignWithKidPutsItInTheHeader) {
  const std::string token = sign_jwt(claims_of({{"a", 1}}), key, "key-7");
  EXPECT_EQ(decode_jwt(token).header, claims_of({{"alg", "ES256"}, {"typ", "JWT"}, {"kid", "key-7"}}));
  EXPECT_EQ(reason(token), TokenErrc::ok);
}

TEST_F(Jwt, SignRefusesNonObjectPayloadAndInvalidUtf8) {
  // A Claims is always a valid JSON object: what is not one cannot become one.
  EXPECT_THROW((void)Claims::from_json("[]"), InvalidArgument);
  EXPECT_THROW((void)Claims::from_json(R"("x")"), InvalidArgument);
  EXPECT_THROW((void)Claims::from_json("{\"a\":\"\xff\"}"), InvalidArgument);
  // The JSON form used inside the library refuses them too.
  EXPECT_THROW((void)detail::sign_jwt_json(nlohmann::json::array(), key), InvalidArgument);
  EXPECT_THROW((void)detail::sign_jwt_json(nlohmann::json("x"), key), InvalidArgument);
  EXPECT_THROW((void)detail::sign_jwt_json({{"a", "\xff"}}, key), InvalidArgument);
}

TEST_F(Jwt, ThrowingOverloadsCarryTheReason) {
  try {
    (void)verify_jwt("a.b", pub);
    FAIL() << "no TokenError";
  } catch (const TokenError& e) {
    EXPECT_EQ(e.reason(), TokenErrc::malformed);
    EXPECT_EQ(e.code(), TokenErrc::malformed);
    EXPECT_EQ(std::string(e.what()), "invalid token: " + make_error_code(TokenErrc::malformed).message());
  }
  try {
    (void)decode_jwt(header_with(R"({"alg":"none"})"));
    FAIL() << "no TokenError";
  } catch (const TokenError& e) {
    EXPECT_EQ(e.reason(), TokenErrc::alg_not_allowed);
  }
}

TEST_F(Jwt, TooLargeIsCheckedBeforeDecoding) {
  // Garbage of 16 KiB + 1: any decoding would report something else first.
  EXPECT_EQ(reason(std::string(kMaxTokenSize + 1, '!')), TokenErrc::too_large);
  // A well-formed, validly signed token just over the cap is refused too; at the cap it passes.
  const std::string base = token_with(R"({"pad":""})");
  const std::size_t room = kMaxTokenSize - base.size();
  // Each 3 bytes of padding add 4 characters.
  const std::string at_cap = token_with(R"({"pad":")" + std::string(room / 4 * 3, 'a') + R"("})");
  ASSERT_LE(at_cap.size(), kMaxTokenSize);
  EXPECT_EQ(reason(at_cap), TokenErrc::ok);
  const std::string over = token_with(R"({"pad":")" + std::string(room / 4 * 3 + 6, 'a') + R"("})");
  ASSERT_GT(over.size(), kMaxTokenSize);
  EXPECT_EQ(reason(over), TokenErrc::too_large);
}

TEST_F(Jwt, MalformedStructure) {
  const std::string good = token_with("{}");
  const auto dot1 = good.find('.');
  const auto dot2 = good.rfind('.');
  EXPECT_EQ(reason(""), TokenErrc::malformed);
  EXPECT_EQ(reason("abc"), TokenErrc::malformed);
  EXPECT_EQ(reason(good.substr(0, dot2)), TokenErrc::malformed);            // two segments
  EXPECT_EQ(reason(good + ".x"), TokenErrc::malformed);                     // four segments
  EXPECT_EQ(reason(good.substr(dot1)), TokenErrc::malformed);               // empty header
  EXPECT_EQ(reason(good.substr(0, dot1 + 1) + good.substr(dot2)), TokenErrc::malformed);  // empty payload
  EXPECT_EQ(reason(good.substr(0, dot2 + 1)), TokenErrc::malformed);        // empty signature
  EXPECT_EQ(reason(".."), TokenErrc::malformed);
}

TEST_F(Jwt, BadBase64InAnySegment) {
  const std::string good = token_with("{}");
  const auto dot1 = good.find('.');
  const auto dot2 = good.rfind('.');
  const std::string header = good.substr(0, dot1);
  const std::string payload = good.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string sig = good.substr(dot2 + 1);
  EXPECT_EQ(reason(header + "=." + payload + "." + sig), TokenErrc::bad_base64);
  EXPECT_EQ(reason(header + "." + payload + "=." + sig), TokenErrc::bad_base64);
  EXPECT_EQ(reason(header + "." + payload + "." + sig + "=="), TokenErrc::bad_base64);
  EXPECT_EQ(reason(header + "." + payload + "." + sig.substr(0, 40) + "+" + sig.substr(41)), TokenErrc::bad_base64);
  EXPECT_EQ(reason(header + "." + payload + " ." + sig), TokenErrc::bad_base64);
  ASSERT_EQ((sig.size() + 3) % 4, 1U);
  EXPECT_EQ(reason(header + "." + payload + "." + sig + "AAA"), TokenErrc::bad_base64);  // length 1 mod 4
}

TEST_F(Jwt, BadJsonInHeaderOrPayload) {
  EXPECT_EQ(reason(header_with(R"({"alg":"ES256")")), TokenErrc::bad_json);
  EXPECT_EQ(reason(token_with(R"({"a":})")), TokenErrc::bad_json);
  EXPECT_EQ(reason(token_with("{\"a\":\"\xff\"}")), TokenErrc::bad_json);  // not UTF-8
  EXPECT_EQ(reason(token_with("{} {}")), TokenErrc::bad_json);
  EXPECT_EQ(reason(token_with("")), TokenErrc::malformed);  // empty payload segment
}

TEST_F(Jwt, HeaderOrPayloadNotAnObject) {
  EXPECT_EQ(reason(header_with(R"(["ES256"])")), TokenErrc::not_object);
  EXPECT_EQ(reason(token_with("[1,2]")), TokenErrc::not_object);
  EXPECT_EQ(reason(token_with(R"("sub")")), TokenErrc::not_object);
  EXPECT_EQ(reason(token_with("123")), TokenErrc::not_object);
}

TEST_F(Jwt, DuplicateKeys) {
  EXPECT_EQ(reason(header_with(R"({"alg":"ES256","alg":"ES256"})")), TokenErrc::duplicate_key);
  EXPECT_EQ(reason(header_with(R"({"alg":"none","alg":"ES256"})")), TokenErrc::duplicate_key);
  EXPECT_EQ(reason(token_with(R"({"sub":"a","sub":"b"})")), TokenErrc::duplicate_key);
  EXPECT_EQ(reason(token_with(R"({"x":{"k":1,"k":1}})")), TokenErrc::duplicate_key);
}

TEST_F(Jwt, AlgorithmOtherThanEs256IsRejected) {
  for (const char* header : {R"({"alg":"none"})", R"({"alg":"HS256"})", R"({"alg":"RS256"})", R"({"alg":"ES384"})",
                             R"({"alg":"es256"})", R"({"alg":"ES256 "})", R"({"alg":""})", R"({"typ":"JWT"})",
                             R"({"alg":null})", R"({"alg":["ES256"]})", R"({"alg":256})"}) {
    EXPECT_EQ(reason(header_with(header)), TokenErrc::alg_not_allowed) << header;
  }
}

TEST_F(Jwt, TypMustBeJwtWhenPresent) {
  EXPECT_EQ(reason(header_with(R"({"alg":"ES256"})")), TokenErrc::ok);
  EXPECT_EQ(reason(header_with(R"({"alg":"ES256","typ":"JWT"})")), TokenErrc::ok);
  EXPECT_EQ(reason(header_with(R"({"alg":"ES256","typ":"at+jwt"})")), TokenErrc::bad_typ);
  EXPECT_EQ(reason(header_with(R"({"alg":"ES256","typ":"JOSE"})")), TokenErrc::bad_typ);
  EXPECT_EQ(reason(header_with(R"({"alg":"ES256","typ":1})")), TokenErrc::bad_typ);
}

TEST_F(Jwt, CritHeaderIsRejected) {
  EXPECT_EQ(reason(header_with(R"({"alg":"ES256","crit":["exp"],"exp":1})")), TokenErrc::crit_header);
  EXPECT_EQ(reason(header_with(R"({"alg":"ES256","crit":[]})")), TokenErrc::crit_header);
  EXPECT_EQ(reason(header_with(R"({"alg":"ES256","b64":false,"crit":["b64"]})")), TokenErrc::crit_header);
}

TEST_F(Jwt, BadSignature) {
  const std::string good = token_with(R"({"sub":"a"})");
  ASSERT_EQ(reason(good), TokenErrc::ok);
  const auto dot2 = good.rfind('.');
  const std::string input = good.substr(0, dot2);
  const std::string sig = *detail::base64url_decode(good.substr(dot2 + 1));
  // Signed by another key.
  EXPECT_EQ(reason(signed_token(kEs256Header, R"({"sub":"a"})", PrivateKey::generate())), TokenErrc::bad_signature);
  // Payload swapped under the same signature.
  const std::string other = token_with(R"({"sub":"b"})");
  EXPECT_EQ(reason(other.substr(0, other.rfind('.')) + good.substr(dot2)), TokenErrc::bad_signature);
  // Wrong lengths and zero values.
  EXPECT_EQ(reason(input + "." + b64(sig.substr(0, 63))), TokenErrc::bad_signature);
  EXPECT_EQ(reason(input + "." + b64(sig + '\0')), TokenErrc::bad_signature);
  EXPECT_EQ(reason(input + "." + b64(std::string(64, '\0'))), TokenErrc::bad_signature);
}

TEST_F(Jwt, DerEncodedSignatureIsRejected) {
  const std::string input = b64(kEs256Header) + "." + b64("{}");
  const std::string sig = key.sign_es256(input);
  // The same r and s in DER form (what OpenSSL emits, what some libraries wrongly put in JWS).
  std::string der;
  for (const std::string& part : {sig.substr(0, 32), sig.substr(32)}) {
    std::string v = part;
    while (v.size() > 1 && v[0] == '\0') {
      v.erase(0, 1);
    }
    if ((static_cast<unsigned char>(v[0]) & 0x80) != 0) {
      v.insert(0, 1, '\0');
    }
    der += '\x02';
    der += static_cast<char>(v.size());
    der += v;
  }
  der.insert(0, 1, static_cast<char>(der.size()));
  der.insert(0, 1, '\x30');
  EXPECT_EQ(reason(input + "." + b64(sig)), TokenErrc::ok);
  EXPECT_EQ(reason(input + "." + b64(der)), TokenErrc::bad_signature);
}

TEST_F(Jwt, MistypedRegisteredClaims) {
  for (const char* payload :
       {R"({"exp":"1900000000"})", R"({"nbf":true})", R"({"iat":null})", R"({"exp":[1]})", R"({"aud":1})",
        R"({"aud":["a",1]})", R"({"aud":{"a":1}})", R"({"iss":1})", R"({"iss":["x"]})"}) {
    EXPECT_EQ(reason(token_with(payload)), TokenErrc::bad_claim) << payload;
  }
  // A mistyped claim is an error even when the policy does not look at it.
  EXPECT_EQ(check_claims(Claims::from_json(R"({"exp":"soon"})"), VerifyPolicy{}), TokenErrc::bad_claim);
}

TEST_F(Jwt, ExpiryWithLeeway) {
  const std::string token = token_with(R"({"exp":)" + std::to_string(kNow) + "}");
  EXPECT_EQ(reason(token, at(kNow)), TokenErrc::ok);
  EXPECT_EQ(reason(token, at(kNow + 60)), TokenErrc::ok);  // default leeway 60 s
  EXPECT_EQ(reason(token, at(kNow + 61)), TokenErrc::expired);
  VerifyPolicy strict = at(kNow + 1);
  strict.leeway = 0s;
  EXPECT_EQ(reason(token, strict), TokenErrc::expired);
  // Fractional NumericDate is allowed.
  EXPECT_EQ(reason(token_with(R"({"exp":)" + std::to_string(kNow - 60) + ".5}"), at(kNow)), TokenErrc::ok);
}

TEST_F(Jwt, NotBeforeWithLeeway) {
  const std::string token = token_with(R"({"nbf":)" + std::to_string(kNow) + "}");
  EXPECT_EQ(reason(token, at(kNow - 60)), TokenErrc::ok);
  EXPECT_EQ(reason(token, at(kNow - 61)), TokenErrc::not_yet_valid);
}

TEST_F(Jwt, IssuedInTheFuture) {
  const std::string token = token_with(R"({"iat":)" + std::to_string(kNow) + "}");
  EXPECT_EQ(reason(token, at(kNow - 60)), TokenErrc::ok);
  EXPECT_EQ(reason(token, at(kNow - 61)), TokenErrc::issued_in_future);
}

TEST_F(Jwt, MaximumAge) {
  const std::string token = token_with(R"({"iat":)" + std::to_string(kNow) + "}");
  VerifyPolicy policy = at(kNow + 300 + 60);
  policy.max_age = 300s;
  EXPECT_EQ(reason(token, policy), TokenErrc::ok);
  policy = at(kNow + 300 + 61);
  policy.max_age = 300s;
  EXPECT_EQ(reason(token, policy), TokenErrc::too_old);
  // Without max_age the same token is fine however old.
  EXPECT_EQ(reason(token, at(kNow + 1'000'000)), TokenErrc::ok);
}

TEST_F(Jwt, MissingClaims) {
  VerifyPolicy policy = at(kNow);
  policy.max_age = 300s;
  EXPECT_EQ(reason(token_with("{}"), policy), TokenErrc::missing_claim);  // max_age needs iat
  policy = at(kNow);
  policy.require_exp = true;
  EXPECT_EQ(reason(token_with("{}"), policy), TokenErrc::missing_claim);
  EXPECT_EQ(reason(token_with(R"({"exp":)" + std::to_string(kNow + 10) + "}"), policy), TokenErrc::ok);
}

TEST_F(Jwt, Audience) {
  VerifyPolicy policy = at(kNow);
  policy.audience = "client-1";
  EXPECT_EQ(reason(token_with(R"({"aud":"client-1"})"), policy), TokenErrc::ok);
  EXPECT_EQ(reason(token_with(R"({"aud":["x","client-1"]})"), policy), TokenErrc::ok);
  EXPECT_EQ(reason(token_with(R"({"aud":"client-2"})"), policy), TokenErrc::audience_mismatch);
  EXPECT_EQ(reason(token_with(R"({"aud":["client-10"]})"), policy), TokenErrc::audience_mismatch);
  EXPECT_EQ(reason(token_with(R"({"aud":[]})"), policy), TokenErrc::audience_mismatch);
  EXPECT_EQ(reason(token_with("{}"), policy), TokenErrc::audience_mismatch);
  // No audience in the policy: not checked.
  EXPECT_EQ(reason(token_with(R"({"aud":"anyone"})")), TokenErrc::ok);
}

TEST_F(Jwt, Issuer) {
  VerifyPolicy policy = at(kNow);
  policy.issuer = "loginid.io";
  EXPECT_EQ(reason(token_with(R"({"iss":"loginid.io"})"), policy), TokenErrc::ok);
  EXPECT_EQ(reason(token_with(R"({"iss":"evil.io"})"), policy), TokenErrc::issuer_mismatch);
  EXPECT_EQ(reason(token_with("{}"), policy), TokenErrc::issuer_mismatch);
}

TEST_F(Jwt, DefaultClockIsTheSystemClock) {
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  EXPECT_EQ(reason(token_with(R"({"exp":)" + std::to_string(now + 3600) + "}"), VerifyPolicy{}), TokenErrc::ok);
  EXPECT_EQ(reason(token_with(R"({"exp":)" + std::to_string(now - 3600) + "}"), VerifyPolicy{}), TokenErrc::expired);
}

TEST_F(Jwt, ClaimsAreCheckedWithTheInjectedClockOnly) {
  int calls = 0;
  VerifyPolicy policy;
  policy.clock = [&calls] {
    ++calls;
    return std::chrono::system_clock::time_point(std::chrono::seconds(kNow));
  };
  EXPECT_EQ(reason(token_with(R"({"exp":)" + std::to_string(kNow) + "}"), policy), TokenErrc::ok);
  EXPECT_EQ(calls, 1);
}

TEST_F(Jwt, DecodeDoesNotVerify) {
  const std::string forged = signed_token(kEs256Header, R"({"sub":"x","exp":1})", PrivateKey::generate());
  std::error_code ec;
  const auto decoded = decode_jwt(forged, ec);
  ASSERT_TRUE(decoded);
  EXPECT_FALSE(ec);
  EXPECT_EQ(decoded->payload.get_string("sub"), "x");
  EXPECT_EQ(check_signature(*decoded, pub), TokenErrc::bad_signature);
  EXPECT_EQ(check_claims(decoded->payload, at(kNow)), TokenErrc::expired);
}

// Each thread keeps the last header it accepted; a different header must get the full checks,
// and a repeat must give the same answer as the first time.
TEST_F(Jwt, HeaderCacheNeverLetsADifferentHeaderThrough) {
  const std::string good = header_with(R"({"alg":"ES256","kid":"k1"})");
  const std::string other = header_with(R"({"alg":"ES256","kid":"k2"})");
  const std::string none = header_with(R"({"alg":"none","kid":"k1"})");
  const std::string crit = header_with(R"({"alg":"ES256","kid":"k1","crit":["x"]})");
  for (int round = 0; round < 2; ++round) {
    EXPECT_EQ(reason(good), TokenErrc::ok);
    EXPECT_EQ(decode_jwt(good).header.get_string("kid"), "k1");
    EXPECT_EQ(reason(none), TokenErrc::alg_not_allowed);
    EXPECT_EQ(reason(good), TokenErrc::ok);
    EXPECT_EQ(reason(crit), TokenErrc::crit_header);
    EXPECT_EQ(decode_jwt(other).header.get_string("kid"), "k2");
    EXPECT_EQ(decode_jwt(good).header.get_string("kid"), "k1");
  }
  // Too long to be kept: checked in full every time, and still right.
  const std::string long_kid = sign_jwt(claims_of({{"a", 1}}), key, std::string(600, 'k'));
  EXPECT_EQ(reason(long_kid), TokenErrc::ok);
  EXPECT_EQ(decode_jwt(long_kid).header.get_string("kid"), std::string(600, 'k'));
  EXPECT_EQ(reason(none), TokenErrc::alg_not_allowed);
}

TEST_F(Jwt, SignatureOfAnotherLengthDecodesAsIsAndNeverVerifies) {
  const std::string good = token_with(R"({"sub":"a"})");
  const auto dot2 = good.rfind('.');
  const std::string sig = *detail::base64url_decode(good.substr(dot2 + 1));
  for (const std::string& bad : {sig.substr(0, 63), sig + "x", std::string(1, 'x'), sig + sig}) {
    const std::string token = good.substr(0, dot2 + 1) + b64(bad);
    const DecodedJwt decoded = decode_jwt(token);
    EXPECT_EQ(decoded.signature, bad);
    EXPECT_EQ(check_signature(decoded, pub), TokenErrc::bad_signature);
    EXPECT_EQ(reason(token), TokenErrc::bad_signature);
  }
}

TEST_F(Jwt, ViewPointsIntoTheTokenAndSharesTheHeader) {
  const std::string token = sign_jwt(claims_of({{"sub", "u1"}}), key, "kid-1");
  detail::JwtView first;
  detail::JwtView second;
  TokenErrc why = TokenErrc::ok;
  ASSERT_TRUE(detail::decode_jwt_view(token, first, why));
  ASSERT_TRUE(detail::decode_jwt_view(token, second, why));
  EXPECT_EQ(first.signing_input.data(), token.data());
  EXPECT_EQ(first.signing_input, token.substr(0, token.rfind('.')));
  EXPECT_EQ(first.header.get(), second.header.get());  // the header was parsed once
  EXPECT_EQ(first.header->at("kid"), "kid-1");
  EXPECT_EQ(first.payload, nlohmann::json({{"sub", "u1"}}));
  EXPECT_TRUE(pub.verify_es256(first.signing_input, first.signature.bytes()));
  EXPECT_FALSE(detail::decode_jwt_view("a.b", first, why));
  EXPECT_EQ(why, TokenErrc::malformed);
}

// The SDK checks claims through ClaimRules: every outcome must match check_claims.
TEST_F(Jwt, ClaimRulesAgreeWithCheckClaims) {
  const std::vector<std::string> payloads = {
      "{}", R"({"exp":1800000000})", R"({"exp":1799999939})", R"({"nbf":1800000061})", R"({"iat":1800000061})",
      R"({"iat":1799999000})", R"({"aud":"client-1"})", R"({"aud":["x","client-1"]})", R"({"aud":"client-2"})",
      R"({"aud":1})", R"({"iss":"loginid.io"})", R"({"iss":"evil"})", R"({"iss":["x"]})", R"({"exp":"soon"})",
      R"({"exp":1800000000,"aud":"client-2","iss":"evil"})"};
  std::vector<VerifyPolicy> policies(5, at(kNow));
  policies[1].audience = "client-1";
  policies[2].issuer = "loginid.io";
  policies[3].max_age = 300s;
  policies[3].leeway = 0s;
  policies[4].require_exp = true;
  for (const auto& policy : policies) {
    const detail::ClaimRules rules = detail::claim_rules(policy, policy.clock());
    for (const auto& text : payloads) {
      const Claims payload = Claims::from_json(text);
      const std::error_code expected = check_claims(payload, policy);
      EXPECT_EQ(detail::claims_reason(nlohmann::json::parse(text), rules), static_cast<TokenErrc>(expected.value()))
          << text;
    }
  }
  EXPECT_EQ(detail::claims_reason(nlohmann::json::array(), detail::ClaimRules{}), TokenErrc::not_object);
}

}  // namespace
}  // namespace loginid
