// Each attestation format's checks really bind what they should: in the valid W3C registrations
// (whose chains are verified against the given root), flipping any bit-0 of a byte of the
// attestation signature, certInfo, pubArea, the certificates, the authenticator data or
// clientDataJSON makes the registration refused. (fido-u2f does not sign the flags, counter or
// AAGUID, and `none` signs nothing, so their authenticator data is left alone.)
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "jose/base64url.hpp"
#include "webauthn/cbor.hpp"
#include "webauthn/verify.hpp"

namespace loginid::webauthn {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string unb64(const json& value) { return loginid::detail::base64url_decode(value.get<std::string>()).value(); }

struct Case {
  std::string id;
  std::string fmt;
  std::string cdj;
  std::string object;
  std::string challenge;
  Policy policy;
};

bool accepted(const Case& c, std::string_view cdj, std::string_view object) {
  return verify_registration({cdj, object, c.challenge}, c.policy).ok();
}

/// The byte strings of attStmt (sig, certInfo, pubArea, every x5c entry) and authData.
std::vector<std::string> signed_parts(const Case& c) {
  std::size_t consumed = 0;
  detail::CborProblem problem{};
  const detail::CborItem root = detail::load_cbor_item(c.object, consumed, problem);
  const detail::CborMap object(root.get());
  const detail::CborMap stmt(object.find("attStmt"));
  std::vector<std::string> parts;
  for (const char* name : {"sig", "certInfo", "pubArea"}) {
    if (const auto bytes = detail::cbor_bytes(stmt.find(name))) {
      parts.emplace_back(*bytes);
    }
  }
  if (const cbor_item_t* x5c = stmt.find("x5c")) {
    for (std::size_t i = 0; i < cbor_array_size(x5c); ++i) {
      parts.emplace_back(*detail::cbor_bytes(cbor_array_handle(x5c)[i]));
    }
  }
  if (c.fmt != "fido-u2f" && c.fmt != "none") {
    parts.emplace_back(*detail::cbor_bytes(object.find("authData")));
  }
  return parts;
}

std::vector<Case> attested_w3c_registrations() {
  const char* dir = std::getenv("LOGINID_TESTDATA_DIR");
  std::ifstream in(fs::path(dir == nullptr ? "" : dir) / "webauthn" / "w3c_l3_test_vectors.json");
  if (!in) {
    return {};
  }
  std::vector<Case> cases;
  for (const json& c : json::parse(in)) {
    if (c.at("kind") != "registration" || c.at("expected") != "valid" ||
        !c.contains("attestation_trust_root_der_b64url")) {
      continue;
    }
    Policy p;
    p.rp_id = c.at("rp_id");
    p.allowed_origins = {c.at("origin").get<std::string>()};
    p.attestation_trust_roots_der = {unb64(c.at("attestation_trust_root_der_b64url"))};
    cases.push_back({c.at("id"), c.at("fmt"), unb64(c.at("client_data_json_b64url")),
                     unb64(c.at("attestation_object_b64url")), c.at("challenge_b64url"), p});
  }
  return cases;
}

TEST(WebauthnMutations, EverySignedByteOfTheAttestedW3cRegistrationsIsBound) {
  const std::vector<Case> cases = attested_w3c_registrations();
  if (cases.empty()) {
    if (std::getenv("CI") != nullptr && std::string_view(std::getenv("CI")) == "true") {
      FAIL() << "CI=true but the W3C WebAuthn vectors are missing";
    }
    GTEST_SKIP() << "LOGINID_TESTDATA_DIR has no webauthn/w3c_l3_test_vectors.json; skipped";
  }
  std::set<std::string> formats;
  std::size_t mutations = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.id);
    ASSERT_TRUE(accepted(c, c.cdj, c.object));
    formats.insert(c.fmt);
    for (const std::string& part : signed_parts(c)) {
      const std::size_t at = c.object.find(part);
      ASSERT_NE(at, std::string::npos);
      for (std::size_t i = 0; i < part.size(); ++i, ++mutations) {
        std::string mutated = c.object;
        mutated[at + i] = static_cast<char>(mutated[at + i] ^ 0x01);
        EXPECT_FALSE(accepted(c, c.cdj, mutated)) << "byte " << i << " of a " << part.size() << "-byte part";
      }
    }
    if (c.fmt != "none") {
      for (std::size_t i = 0; i < c.cdj.size(); ++i, ++mutations) {
        std::string mutated = c.cdj;
        mutated[i] = static_cast<char>(mutated[i] ^ 0x01);
        EXPECT_FALSE(accepted(c, mutated, c.object)) << "clientDataJSON byte " << i;
      }
    }
  }
  EXPECT_EQ(formats, (std::set<std::string>{"packed", "tpm", "android-key", "apple", "fido-u2f"}));
  EXPECT_GT(mutations, 5000U);
}

}  // namespace
}  // namespace loginid::webauthn
