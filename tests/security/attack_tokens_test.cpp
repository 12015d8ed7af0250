// Hostile tokens (issue 6, "Token attacks") against the JOSE verifier (verify_jwt) and the SDK
// (LoginID::verify_token_claims / verify_transaction_claims) with a fake /certs that knows one kid.
// Each case names the exact TokenErrc expected from each of the three; the SDK runs on a fresh
// client per case so key-cache state never leaks between cases, and every request the SDK sends is
// checked: only GET /certs, with the kid percent-encoded in the query and the path unchanged.
// Every case also goes through verify_transaction_claims; a case that verifies there is then
// re-checked with a changed payload, which must fail with tx_hash_mismatch (tx_hash is recomputed
// from the caller's payload, never taken from the token).

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "jose/jwt_json.hpp"
#include "jose/tokens.hpp"
#include "loginid/client.hpp"
#include "loginid/jwt.hpp"
#include "security/attack_support.hpp"

namespace loginid::security_test {
namespace {

using std::chrono::seconds;

constexpr const char* kBase = "http://127.0.0.1:9";
constexpr const char* kClient = "app-client-1";
constexpr const char* kKid = "4c9e2d10-7a1b-4c3d-9e8f-0123456789ab";
constexpr std::int64_t kNow = 1'800'000'000;
constexpr const char* kTxPayload = "Pay 10 EUR to Bob";
constexpr const char* kNonce = "client-nonce-0001";
constexpr const char* kServerNonce = "server-nonce-0002";
// P-256 group order n, big-endian.
constexpr const char* kOrderHex = "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551";

std::chrono::system_clock::time_point now_tp() { return std::chrono::system_clock::time_point(seconds(kNow)); }

// LoginID's signing key (served by the fake /certs for kKid) and an attacker's key.
const PrivateKey& service_key() {
  static const PrivateKey key = PrivateKey::generate();
  return key;
}
const PrivateKey& attacker_key() {
  static const PrivateKey key = PrivateKey::generate();
  return key;
}

nlohmann::json base_claims() {
  return nlohmann::json{{"iss", "loginid.io"},
                {"sub", "user-1"},
                {"aud", kClient},
                {"iat", kNow},
                {"exp", kNow + 3600},
                {"udata", "alice"},
                {"nonce", kNonce},
                {"server_nonce", kServerNonce},
                {"tx_hash", detail::tx_hash(kTxPayload, kNonce, kServerNonce)}};
}
std::string payload_json(const nlohmann::json& claims = base_claims()) { return claims.dump(); }
std::string good_header() { return header_with_kid(std::string("\"") + kKid + "\""); }
std::string good_token(const nlohmann::json& claims = base_claims()) {
  return detail::sign_jwt_json(claims, service_key(), kKid);
}
std::string signed_raw(std::string_view header, std::string_view payload) {
  return sign_raw(service_key(), header, payload);
}

// ---- byte-level forgeries -------------------------------------------------------------------

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &size);
  return std::string(reinterpret_cast<const char*>(out), size);
}

std::string public_key_der(const PublicKey& key) {
  const auto pem = key.to_pem();
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr),
                                                           EVP_PKEY_free);
  unsigned char* der = nullptr;
  const int size = i2d_PUBKEY(pkey.get(), &der);
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(size));
  OPENSSL_free(der);
  return out;
}

using BnPtr = std::unique_ptr<BIGNUM, decltype(&BN_free)>;
BnPtr bn(std::string_view big_endian) {
  return BnPtr(BN_bin2bn(reinterpret_cast<const unsigned char*>(big_endian.data()), static_cast<int>(big_endian.size()),
                         nullptr),
               BN_free);
}
BnPtr order() {
  BIGNUM* n = nullptr;
  BN_hex2bn(&n, kOrderHex);
  return BnPtr(n, BN_free);
}
std::string bn_32(const BIGNUM* value) {
  std::string out(32, '\0');
  BN_bn2binpad(value, reinterpret_cast<unsigned char*>(out.data()), 32);
  return out;
}

// The same signature as ASN.1 DER (what OpenSSL produces natively, never valid in a JWS).
std::string to_der(std::string_view raw) {
  ECDSA_SIG* sig = ECDSA_SIG_new();
  ECDSA_SIG_set0(sig, bn(raw.substr(0, 32)).release(), bn(raw.substr(32)).release());
  unsigned char* der = nullptr;
  const int size = i2d_ECDSA_SIG(sig, &der);
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(size));
  OPENSSL_free(der);
  ECDSA_SIG_free(sig);
  return out;
}

// (r, n - s): the other valid signature of the same message (ECDSA malleability).
std::string high_s_twin(std::string_view raw) {
  const auto n = order();
  const auto s = bn(raw.substr(32));
  BnPtr twin(BN_new(), BN_free);
  BN_sub(twin.get(), n.get(), s.get());
  return std::string(raw.substr(0, 32)) + bn_32(twin.get());
}

std::string with_signature(std::string_view token, std::string_view raw_signature) {
  const auto s = split(token);
  return s.header + "." + s.payload + "." + b64(raw_signature);
}
std::string raw_signature_of(std::string_view token) { return *detail::base64url_decode(split(token).signature); }

// ---- the table ------------------------------------------------------------------------------

struct AttackCase {
  std::string name{};
  std::string token{};
  TokenErrc jose{};  // verify_jwt with the service key, audience = client id
  TokenErrc sdk{};   // verify_token_claims
  std::optional<TokenErrc> tx{};  // verify_transaction_claims; defaults to `sdk` (udata cases differ)
  std::optional<std::string> username{};
  // Kid cases: the SDK must have asked /certs for exactly this kid (percent-encoded), once.
  std::optional<std::string> fetched_kid{};
};

TokenErrc ok() { return TokenErrc::ok; }

std::vector<AttackCase> algorithm_cases() {
  const auto payload = payload_json();
  std::vector<AttackCase> cases;
  cases.push_back({"baseline valid token", good_token(), ok(), ok()});
  for (const char* alg : {"none", "None", "NONE", "nOnE"}) {
    const auto header = std::string(R"({"alg":")") + alg + R"(","typ":"JWT","kid":")" + kKid + "\"}";
    cases.push_back({std::string("alg ") + alg + " without signature", signing_input(header, payload) + ".",
                     TokenErrc::malformed, TokenErrc::malformed});
    cases.push_back({std::string("alg ") + alg + " with a real ES256 signature", signed_raw(header, payload),
                     TokenErrc::alg_not_allowed, TokenErrc::alg_not_allowed});
  }
  const auto pem = service_key().public_key().to_pem();
  const auto der = public_key_der(service_key().public_key());
  const auto hs_header = std::string(R"({"alg":"HS256","typ":"JWT","kid":")") + kKid + "\"}";
  const auto hs_input = signing_input(hs_header, payload);
  cases.push_back({"HS256 keyed with the public key PEM", hs_input + "." + b64(hmac_sha256(pem, hs_input)),
                   TokenErrc::alg_not_allowed, TokenErrc::alg_not_allowed});
  cases.push_back({"HS256 keyed with the public key DER", hs_input + "." + b64(hmac_sha256(der, hs_input)),
                   TokenErrc::alg_not_allowed, TokenErrc::alg_not_allowed});
  for (const char* alg : {"RS256", "PS256", "ES384", "ES512", "EdDSA", "es256", "ES256 ", "HS512"}) {
    const auto header = std::string(R"({"alg":")") + alg + R"(","typ":"JWT","kid":")" + kKid + "\"}";
    cases.push_back({std::string("alg '") + alg + "' with a real ES256 signature", signed_raw(header, payload),
                     TokenErrc::alg_not_allowed, TokenErrc::alg_not_allowed});
  }
  cases.push_back({"alg missing", signed_raw(std::string(R"({"typ":"JWT","kid":")") + kKid + "\"}", payload),
                   TokenErrc::alg_not_allowed, TokenErrc::alg_not_allowed});
  cases.push_back({"alg as an array", signed_raw(std::string(R"({"alg":["ES256"],"kid":")") + kKid + "\"}", payload),
                   TokenErrc::alg_not_allowed, TokenErrc::alg_not_allowed});
  cases.push_back({"typ JWS", signed_raw(std::string(R"({"alg":"ES256","typ":"JWS","kid":")") + kKid + "\"}", payload),
                   TokenErrc::bad_typ, TokenErrc::bad_typ});
  cases.push_back({"crit header", signed_raw(header_with_kid(std::string("\"") + kKid + "\"", R"("crit":["exp"])"), payload),
                   TokenErrc::crit_header, TokenErrc::crit_header});
  return cases;
}

std::vector<AttackCase> key_header_cases() {
  const auto payload = payload_json();
  const auto kid = std::string("\"") + kKid + "\"";
  const auto attacker_jwk = attacker_key().public_key().to_jwk();
  const std::vector<std::pair<std::string, std::string>> headers = {
      {"jku", R"("jku":"http://127.0.0.1:9/evil/jwks.json")"},
      {"jwk", std::string(R"("jwk":)") + attacker_jwk},
      {"x5u", R"("x5u":"http://127.0.0.1:9/evil/cert.pem")"},
      {"x5c", R"("x5c":["MIIBszCCAVmgAwIBAgIUAAAA"])"},
  };
  std::vector<AttackCase> cases;
  for (const auto& [name, member] : headers) {
    cases.push_back({name + " header is ignored (service-signed token verifies with the service key)",
                     signed_raw(header_with_kid(kid, member), payload), ok(), ok()});
    cases.push_back({name + " header does not make an attacker-signed token verify",
                     sign_raw(attacker_key(), header_with_kid(kid, member), payload), TokenErrc::bad_signature,
                     TokenErrc::bad_signature});
  }
  cases.push_back({"attacker key embedded as jwk, no kid",
                   sign_raw(attacker_key(), std::string(R"({"alg":"ES256","typ":"JWT","jwk":)") + attacker_jwk + "}",
                            payload),
                   TokenErrc::bad_signature, TokenErrc::missing_kid});
  cases.push_back({"token signed by another key under the service kid", detail::sign_jwt_json(base_claims(), attacker_key(), kKid),
                   TokenErrc::bad_signature, TokenErrc::bad_signature});
  return cases;
}

std::vector<AttackCase> kid_cases() {
  const auto payload = payload_json();
  std::vector<AttackCase> cases;
  // Kids that are fetched (printable ASCII, not too long): the query must carry them encoded.
  for (const std::string& kid : {std::string("../../admin/keys"), std::string("..%2F..%2Fadmin"),
                                std::string("/etc/passwd"), std::string("' OR '1'='1' --"),
                                std::string("1; DROP TABLE keys;--"), std::string("x&kid=") + kKid,
                                std::string(kKid) + "#frag", std::string(kKid) + "?kid=other",
                                std::string(kKid) + " ", std::string("a b+c=d\"e<f>")}) {
    const auto token = signed_raw(header_with_kid(nlohmann::json(kid).dump()), payload);
    AttackCase c{"kid " + nlohmann::json(kid).dump(), token, ok(), TokenErrc::key_not_found};
    c.fetched_kid = kid;
    cases.push_back(std::move(c));
  }
  // Kids refused before any request.
  const std::vector<std::pair<std::string, std::string>> refused = {
      {"CRLF header injection", nlohmann::json(std::string(kKid) + "\r\nX-Injected: 1").dump()},
      {"NUL byte", nlohmann::json(std::string(kKid) + std::string(1, '\0')).dump()},
      {"tab", nlohmann::json(std::string(kKid) + "\t").dump()},
      {"very long (4096 chars)", nlohmann::json(std::string(4096, 'k')).dump()},
      {"empty string", R"("")"},
      {"non-ASCII", nlohmann::json("k\xC3\xAF" "d").dump()},
      {"number", "42"},
      {"null", "null"},
      {"boolean", "true"},
      {"object", std::string(R"({"kid":")") + kKid + "\"}"},
      {"array holding the real kid", std::string(R"([")") + kKid + "\"]"},
  };
  for (const auto& [name, kid_json] : refused) {
    cases.push_back({"kid " + name, signed_raw(header_with_kid(kid_json), payload), ok(), TokenErrc::bad_kid});
  }
  cases.push_back({"kid missing", signed_raw(R"({"alg":"ES256","typ":"JWT"})", payload), ok(), TokenErrc::missing_kid});
  return cases;
}

std::vector<AttackCase> signature_cases() {
  const auto token = good_token();
  const auto raw = raw_signature_of(token);
  const auto zero = std::string(32, '\0');
  const auto n = bn_32(order().get());
  std::vector<AttackCase> cases;
  cases.push_back({"signature 63 bytes", with_signature(token, raw.substr(0, 63)), TokenErrc::bad_signature,
                   TokenErrc::bad_signature});
  cases.push_back({"signature 65 bytes", with_signature(token, raw + std::string(1, '\0')), TokenErrc::bad_signature,
                   TokenErrc::bad_signature});
  cases.push_back({"signature 128 bytes (doubled)", with_signature(token, raw + raw), TokenErrc::bad_signature,
                   TokenErrc::bad_signature});
  cases.push_back({"signature 1 byte", with_signature(token, "\x01"), TokenErrc::bad_signature,
                   TokenErrc::bad_signature});
  cases.push_back({"DER-encoded signature of the same bytes", with_signature(token, to_der(raw)),
                   TokenErrc::bad_signature, TokenErrc::bad_signature});
  // High-S: mathematically valid ECDSA; Wycheproof's P1363 vectors mark it valid, and nothing here
  // uses signature bytes as an identity, so it is accepted (docs/SECURITY.md).
  cases.push_back({"high-S twin of a valid signature (accepted)", with_signature(token, high_s_twin(raw)), ok(), ok()});
  cases.push_back({"r = 0", with_signature(token, zero + raw.substr(32)), TokenErrc::bad_signature,
                   TokenErrc::bad_signature});
  cases.push_back({"s = 0", with_signature(token, raw.substr(0, 32) + zero), TokenErrc::bad_signature,
                   TokenErrc::bad_signature});
  cases.push_back({"r = s = 0", with_signature(token, zero + zero), TokenErrc::bad_signature, TokenErrc::bad_signature});
  cases.push_back({"r = n", with_signature(token, n + raw.substr(32)), TokenErrc::bad_signature,
                   TokenErrc::bad_signature});
  cases.push_back({"s = n", with_signature(token, raw.substr(0, 32) + n), TokenErrc::bad_signature,
                   TokenErrc::bad_signature});
  cases.push_back({"a bit flipped in s", with_signature(token, raw.substr(0, 63) + std::string(1, static_cast<char>(raw[63] ^ 1))),
                   TokenErrc::bad_signature, TokenErrc::bad_signature});

  auto admin = base_claims();
  admin["sub"] = "admin";
  const auto other = good_token(admin);
  const auto t = split(token);
  const auto o = split(other);
  cases.push_back({"payload swapped from another token", t.header + "." + o.payload + "." + t.signature,
                   TokenErrc::bad_signature, TokenErrc::bad_signature});
  cases.push_back({"signature taken from another token", t.header + "." + t.payload + "." + o.signature,
                   TokenErrc::bad_signature, TokenErrc::bad_signature});
  return cases;
}

std::vector<AttackCase> structure_cases() {
  const auto token = good_token();
  const auto s = split(token);
  std::vector<AttackCase> cases;
  auto structural = [&](std::string name, std::string value, TokenErrc why) {
    cases.push_back({std::move(name), std::move(value), why, why});
  };
  structural("empty token", "", TokenErrc::malformed);
  structural("one segment", s.header, TokenErrc::malformed);
  structural("two segments", s.header + "." + s.payload, TokenErrc::malformed);
  structural("trailing dot, empty signature", s.header + "." + s.payload + ".", TokenErrc::malformed);
  structural("empty header", "." + s.payload + "." + s.signature, TokenErrc::malformed);
  structural("empty payload", s.header + ".." + s.signature, TokenErrc::malformed);
  structural("four segments", token + "." + s.signature, TokenErrc::malformed);
  structural("five segments (JWE shape)", token + ".a.b", TokenErrc::malformed);
  structural("only dots", "..", TokenErrc::malformed);
  structural("signature truncated by one char", token.substr(0, token.size() - 1), TokenErrc::bad_base64);
  structural("padding on the signature", token + "==", TokenErrc::bad_base64);
  structural("padding on the header", s.header + "=." + s.payload + "." + s.signature, TokenErrc::bad_base64);
  structural("padding on the payload", s.header + "." + s.payload + "=." + s.signature, TokenErrc::bad_base64);
  structural("'+' in the signature", s.header + "." + s.payload + ".+" + s.signature.substr(1), TokenErrc::bad_base64);
  structural("'/' in the payload", s.header + "./" + s.payload.substr(1) + "." + s.signature, TokenErrc::bad_base64);
  structural("space in the payload", s.header + "." + s.payload.substr(0, 4) + " " + s.payload.substr(5) + "." + s.signature,
             TokenErrc::bad_base64);
  structural("newline at the end", token + "\n", TokenErrc::bad_base64);
  structural("whitespace around", " " + token, TokenErrc::bad_base64);
  structural("'Bearer ' prefix left on", "Bearer " + token, TokenErrc::bad_base64);

  const auto header = good_header();
  for (const std::string& not_object : {std::string("[]"), std::string("\"claims\""), std::string("123"),
                                        std::string("null"), std::string("true")}) {
    structural("payload JSON " + not_object, signed_raw(header, not_object), TokenErrc::not_object);
  }
  structural("header JSON array", signed_raw(std::string(R"(["ES256",")") + kKid + "\"]", payload_json()),
             TokenErrc::not_object);
  structural("payload not JSON", signed_raw(header, "{\"sub\":"), TokenErrc::bad_json);
  structural("payload JSON with trailing garbage", signed_raw(header, payload_json() + "x"), TokenErrc::bad_json);
  structural("payload two JSON objects", signed_raw(header, payload_json() + payload_json()), TokenErrc::bad_json);
  structural("payload with invalid UTF-8", signed_raw(header, R"({"sub":"user-)" "\xC3\x28" R"(","aud":"app-client-1"})"),
             TokenErrc::bad_json);
  structural("header not JSON", signed_raw("{alg:ES256}", payload_json()), TokenErrc::bad_json);

  const auto body = payload_json();
  const auto tail = body.substr(1);  // without the opening brace
  structural("duplicate aud (other first)", signed_raw(header, R"({"aud":"someone-else",)" + tail),
             TokenErrc::duplicate_key);
  structural("duplicate sub", signed_raw(header, R"({"sub":"admin",)" + tail), TokenErrc::duplicate_key);
  structural("duplicate udata", signed_raw(header, R"({"udata":"mallory",)" + tail), TokenErrc::duplicate_key);
  structural("duplicate tx_hash", signed_raw(header, R"({"tx_hash":"AAAA",)" + tail), TokenErrc::duplicate_key);
  structural("duplicate exp", signed_raw(header, R"({"exp":99999999999,)" + tail), TokenErrc::duplicate_key);
  structural("duplicate alg in the header (none then ES256)",
             signed_raw(std::string(R"({"alg":"none","alg":"ES256","kid":")") + kKid + "\"}", body),
             TokenErrc::duplicate_key);
  structural("duplicate kid in the header",
             signed_raw(std::string(R"({"alg":"ES256","kid":"other","kid":")") + kKid + "\"}", body),
             TokenErrc::duplicate_key);
  return cases;
}

std::vector<AttackCase> claim_cases() {
  std::vector<AttackCase> cases;
  auto with = [](const char* name, nlohmann::json value) {
    auto c = base_claims();
    c[name] = std::move(value);
    return good_token(c);
  };
  auto without = [](const char* name) {
    auto c = base_claims();
    c.erase(name);
    return good_token(c);
  };
  auto both = [&](std::string name, std::string token, TokenErrc why) {
    cases.push_back({std::move(name), std::move(token), why, why});
  };
  both("aud array holding the client", with("aud", nlohmann::json::array({"other-app", kClient})), ok());
  both("aud array without the client", with("aud", nlohmann::json::array({"other-app", "third-app"})), TokenErrc::audience_mismatch);
  both("aud empty array", with("aud", nlohmann::json::array()), TokenErrc::audience_mismatch);
  both("aud missing", without("aud"), TokenErrc::audience_mismatch);
  both("aud another client", with("aud", "other-app"), TokenErrc::audience_mismatch);
  both("aud differs in case", with("aud", "APP-CLIENT-1"), TokenErrc::audience_mismatch);
  both("aud is a prefix-extension", with("aud", std::string(kClient) + "x"), TokenErrc::audience_mismatch);
  both("aud number", with("aud", 1), TokenErrc::bad_claim);
  both("aud array with a non-string", with("aud", nlohmann::json::array({kClient, 7})), TokenErrc::bad_claim);
  both("aud object", with("aud", nlohmann::json{{"aud", kClient}}), TokenErrc::bad_claim);

  // The leeway is 60 s: exactly at the boundary passes, one second beyond fails.
  both("exp at now - leeway", with("exp", kNow - 60), ok());
  both("exp one second beyond the leeway", with("exp", kNow - 61), TokenErrc::expired);
  both("nbf at now + leeway", with("nbf", kNow + 60), ok());
  both("nbf one second beyond the leeway", with("nbf", kNow + 61), TokenErrc::not_yet_valid);
  both("iat at now + leeway", with("iat", kNow + 60), ok());
  both("iat one second beyond the leeway", with("iat", kNow + 61), TokenErrc::issued_in_future);
  both("exp as a string", with("exp", std::to_string(kNow + 3600)), TokenErrc::bad_claim);
  both("nbf as a string", with("nbf", "0"), TokenErrc::bad_claim);
  both("iat as null", with("iat", nullptr), TokenErrc::bad_claim);
  both("exp far in the future (1e300)", with("exp", 1e300), ok());
  both("exp far in the past (-1e300)", with("exp", -1e300), TokenErrc::expired);
  return cases;
}

std::vector<AttackCase> username_cases() {
  std::vector<AttackCase> cases;
  auto for_user = [&](std::string name, const nlohmann::json& udata, std::string username, TokenErrc why) {
    auto claims = base_claims();
    if (udata.is_null()) {
      claims.erase("udata");
    } else {
      claims["udata"] = udata;
    }
    AttackCase c{std::move(name), good_token(claims), ok(), why};
    c.tx = ok();  // a transaction check has no username
    c.username = std::move(username);
    cases.push_back(std::move(c));
  };
  for_user("udata matches", "alice", "alice", ok());
  for_user("udata differs in case", "alice", "Alice", TokenErrc::username_mismatch);
  for_user("udata upper case vs lower", "ALICE", "alice", TokenErrc::username_mismatch);
  for_user("udata Cyrillic a look-alike", "\xD0\xB0lice", "alice", TokenErrc::username_mismatch);
  for_user("udata fullwidth look-alike", "\xEF\xBD\x81lice", "alice", TokenErrc::username_mismatch);
  for_user("udata NFD vs NFC e-acute", "alic" "e\xCC\x81", "alic\xC3\xA9", TokenErrc::username_mismatch);
  for_user("udata with a trailing space", "alice ", "alice", TokenErrc::username_mismatch);
  for_user("udata with a zero-width space", "ali\xE2\x80\x8B" "ce", "alice", TokenErrc::username_mismatch);
  for_user("udata with an embedded NUL", std::string("alice\0", 6), "alice", TokenErrc::username_mismatch);
  for_user("udata missing", nullptr, "alice", TokenErrc::username_mismatch);
  for_user("udata as an array", nlohmann::json::array({"alice"}), "alice", TokenErrc::username_mismatch);
  return cases;
}

std::vector<AttackCase> size_cases() {
  auto big = base_claims();
  big["pad"] = std::string(1024 * 1024, 'A');
  std::vector<AttackCase> cases;
  cases.push_back({"1 MB validly signed token", good_token(big), TokenErrc::too_large, TokenErrc::too_large});
  cases.push_back({"1 MB of dots", std::string(1024 * 1024, '.'), TokenErrc::too_large, TokenErrc::too_large});
  cases.push_back({"one byte over the cap", std::string(kMaxTokenSize + 1, 'a'), TokenErrc::too_large,
                   TokenErrc::too_large});
  return cases;
}

std::vector<AttackCase> transaction_cases() {
  std::vector<AttackCase> cases;
  auto tx_only = [&](std::string name, const nlohmann::json& claims, TokenErrc why) {
    AttackCase c{std::move(name), good_token(claims), ok(), ok()};
    c.tx = why;
    cases.push_back(std::move(c));
  };
  auto claims = base_claims();
  claims["tx_hash"] = detail::tx_hash("Pay 1000 EUR to Eve", kNonce, kServerNonce);
  tx_only("tx_hash of another payload", claims, TokenErrc::tx_hash_mismatch);
  claims["tx_hash"] = detail::sha256_b64url(kTxPayload);
  tx_only("tx_hash without the nonces", claims, TokenErrc::tx_hash_mismatch);
  claims["tx_hash"] = detail::tx_hash(kTxPayload, kServerNonce, kNonce);
  tx_only("tx_hash with the nonces swapped", claims, TokenErrc::tx_hash_mismatch);
  claims = base_claims();
  claims["nonce"] = "another-nonce";
  tx_only("nonce changed, tx_hash kept", claims, TokenErrc::tx_hash_mismatch);
  claims = base_claims();
  claims.erase("tx_hash");
  tx_only("tx_hash missing", claims, TokenErrc::missing_claim);
  claims = base_claims();
  claims.erase("server_nonce");
  tx_only("server_nonce missing", claims, TokenErrc::missing_claim);
  claims = base_claims();
  claims["tx_hash"] = 12345;
  tx_only("tx_hash a number", claims, TokenErrc::bad_claim);
  claims = base_claims();
  claims["tx_hash"] = "";
  tx_only("tx_hash empty", claims, TokenErrc::tx_hash_mismatch);
  return cases;
}

std::vector<AttackCase> all_cases() {
  std::vector<AttackCase> all;
  for (auto part : {algorithm_cases(), key_header_cases(), kid_cases(), signature_cases(), structure_cases(),
                    claim_cases(), username_cases(), size_cases(), transaction_cases()}) {
    for (auto& c : part) all.push_back(std::move(c));
  }
  return all;
}

// ---- the SDK under test ---------------------------------------------------------------------

// A fresh client whose fake service knows exactly one kid.
struct Sdk {
  std::shared_ptr<ScriptedTransport> transport;
  LoginID client;

  static HttpResponse certs(const HttpRequest& request) {
    if (request.method == "GET" && request.url == std::string(kBase) + "/certs?kid=" + kKid) {
      return HttpResponse{200, {{"Content-Type", "text/plain"}}, service_key().public_key().to_pem()};
    }
    return HttpResponse{404, {{"Content-Type", "application/json"}}, R"({"code":"not_found","message":"unknown kid"})"};
  }
  static Options options(std::shared_ptr<ScriptedTransport> transport) {
    Options o;
    o.base_url = kBase;
    o.transport = std::move(transport);
    o.clock = [] { return now_tp(); };
    o.retry.max_attempts = 1;
    return o;
  }
  Sdk() : transport(recording_transport(&Sdk::certs)), client(kClient, std::string(), options(transport)) {}
};

std::string describe(const std::error_code& ec) { return ec ? ec.message() : "ok"; }

// The TokenErrc an error_code holds (ok for success); -1 for a code of another category, which no
// verification may return.
int reason(const std::error_code& ec) {
  if (!ec) return static_cast<int>(TokenErrc::ok);
  return ec.category() == token_category() ? ec.value() : -1;
}
int reason(TokenErrc why) { return static_cast<int>(why); }

// Every request is GET <base>/certs?kid=<encoded>: the path never moves, the query holds one kid.
void expect_only_certs_requests(const AttackCase& c, const std::vector<HttpRequest>& requests) {
  const std::string prefix = std::string(kBase) + "/certs?kid=";
  for (const auto& r : requests) {
    EXPECT_EQ(r.method, "GET") << c.name;
    ASSERT_EQ(r.url.rfind(prefix, 0), 0U) << c.name << ": request left /certs: " << r.url;
    const auto value = r.url.substr(prefix.size());
    EXPECT_TRUE(only_unreserved_or_escapes(value)) << c.name << ": kid not percent-encoded in " << r.url;
    bool decoded_ok = false;
    const auto kid = percent_decode(value, decoded_ok);
    EXPECT_TRUE(decoded_ok) << c.name;
    if (c.fetched_kid) {
      EXPECT_EQ(kid, *c.fetched_kid) << c.name << ": " << r.url;
    } else {
      EXPECT_EQ(kid, kKid) << c.name << ": " << r.url;
    }
  }
  if (c.fetched_kid) {
    EXPECT_EQ(requests.size(), 1U) << c.name;
  }
}

// A token rejected for anything but its key or signature must cost no request.
bool may_fetch(TokenErrc why) {
  return why == TokenErrc::ok || why == TokenErrc::bad_signature || why == TokenErrc::key_not_found ||
         why == TokenErrc::tx_hash_mismatch || why == TokenErrc::missing_claim || why == TokenErrc::bad_claim;
}

VerifyPolicy jose_policy() {
  VerifyPolicy policy;
  policy.audience = kClient;
  policy.leeway = seconds(60);
  policy.clock = [] { return now_tp(); };
  return policy;
}

TEST(AttackTokens, JoseVerifierGivesTheExactReason) {
  const auto key = service_key().public_key();
  int checked = 0;
  for (const auto& c : all_cases()) {
    std::error_code ec;
    const auto claims = verify_jwt(c.token, key, jose_policy(), ec);
    EXPECT_EQ(reason(ec), reason(c.jose)) << c.name << ": got " << describe(ec);
    EXPECT_EQ(claims.has_value(), c.jose == TokenErrc::ok) << c.name;
    ++checked;
  }
  std::printf("[attack] %d hostile tokens checked against verify_jwt\n", checked);
}

TEST(AttackTokens, SdkVerifyTokenGivesTheExactReasonAndOnlyAsksCertsForTheKid) {
  int checked = 0;
  for (const auto& c : all_cases()) {
    Sdk sdk;
    std::error_code ec;
    const std::optional<loginid::Username> username =
        c.username ? std::optional<loginid::Username>(*c.username) : std::nullopt;
    const auto claims = sdk.client.verify_token_claims(c.token, username, ec);
    EXPECT_EQ(reason(ec), reason(c.sdk)) << c.name << ": got " << describe(ec);
    EXPECT_EQ(claims.has_value(), c.sdk == TokenErrc::ok) << c.name;
    EXPECT_EQ(sdk.client.verify_token(c.token, username), c.sdk == TokenErrc::ok) << c.name;
    const auto requests = sdk.transport->requests();
    expect_only_certs_requests(c, requests);
    if (!may_fetch(c.sdk)) {
      EXPECT_TRUE(requests.empty()) << c.name << ": a request was sent for a token rejected as " << describe(ec);
    }
    ++checked;
  }
  std::printf("[attack] %d hostile tokens checked against LoginID::verify_token_claims\n", checked);
}

TEST(AttackTokens, SdkVerifyTransactionRecomputesTxHashForEveryCase) {
  int checked = 0;
  int recomputed = 0;
  for (const auto& c : all_cases()) {
    const TokenErrc want = c.tx.value_or(c.sdk);
    Sdk sdk;
    std::error_code ec;
    const auto claims = sdk.client.verify_transaction_claims(c.token, kTxPayload, ec);
    EXPECT_EQ(reason(ec), reason(want)) << c.name << ": got " << describe(ec);
    EXPECT_EQ(claims.has_value(), want == TokenErrc::ok) << c.name;
    EXPECT_EQ(sdk.client.verify_transaction(c.token, kTxPayload), want == TokenErrc::ok) << c.name;
    if (want == TokenErrc::ok) {
      // Same token, the caller's payload changed by one character: the recomputed hash differs.
      std::error_code changed;
      EXPECT_FALSE(sdk.client.verify_transaction_claims(c.token, "Pay 10 EUR to Bob!", changed)) << c.name;
      EXPECT_EQ(changed, make_error_code(TokenErrc::tx_hash_mismatch)) << c.name << ": got " << describe(changed);
      std::error_code empty;
      EXPECT_FALSE(sdk.client.verify_transaction_claims(c.token, "", empty)) << c.name;
      EXPECT_EQ(empty, make_error_code(TokenErrc::tx_hash_mismatch)) << c.name;
      ++recomputed;
    }
    expect_only_certs_requests(c, sdk.transport->requests());
    if (!may_fetch(want)) {
      EXPECT_EQ(sdk.transport->count(), 0U) << c.name;
    }
    ++checked;
  }
  EXPECT_GT(recomputed, 10);
  std::printf("[attack] %d hostile tokens checked against LoginID::verify_transaction_claims (%d also with a changed payload)\n",
              checked, recomputed);
}

TEST(AttackTokens, KeyHeadersNeverCauseARequestToTheirUrls) {
  // Belt and braces for the jku/x5u cases: the fake records every URL; none points at /evil.
  for (const auto& c : key_header_cases()) {
    Sdk sdk;
    std::error_code ec;
    (void)sdk.client.verify_token_claims(c.token, std::nullopt, ec);
    for (const auto& r : sdk.transport->requests()) {
      EXPECT_EQ(r.url.find("evil"), std::string::npos) << c.name << ": " << r.url;
    }
  }
}

TEST(AttackTokens, RandomKidFloodIsRateLimitedNotForwarded) {
  // Tokens with ever new kids must not turn the SDK into a request amplifier against /certs.
  Sdk sdk;
  std::error_code first;
  ASSERT_TRUE(sdk.client.verify_token_claims(good_token(), std::nullopt, first)) << describe(first);
  const auto payload = payload_json();
  int unavailable = 0;
  for (int i = 0; i < 200; ++i) {
    const auto token = signed_raw(header_with_kid("\"random-kid-" + std::to_string(i) + "\""), payload);
    std::error_code ec;
    EXPECT_FALSE(sdk.client.verify_token_claims(token, std::nullopt, ec));
    EXPECT_TRUE(ec == make_error_code(TokenErrc::key_not_found) || ec == make_error_code(TokenErrc::key_unavailable))
        << describe(ec);
    unavailable += ec == make_error_code(TokenErrc::key_unavailable) ? 1 : 0;
  }
  const KeyCacheOptions defaults;
  // The real kid was itself never seen before its first fetch: it used one of the minute's slots.
  const auto slots = static_cast<std::size_t>(defaults.max_unknown_fetches_per_minute);
  EXPECT_EQ(sdk.transport->count(), slots);
  EXPECT_EQ(unavailable, 200 - static_cast<int>(slots - 1));
  // The real kid, fetched before the flood, is still answered from the cache.
  std::error_code after;
  EXPECT_TRUE(sdk.client.verify_token_claims(good_token(), std::nullopt, after)) << describe(after);
  EXPECT_EQ(sdk.transport->count(), slots);
  std::printf("[attack] 200 random kids -> %zu /certs requests\n", sdk.transport->count());
}

}  // namespace
}  // namespace loginid::security_test
