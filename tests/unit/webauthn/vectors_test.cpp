// The public WebAuthn relying-party vectors (../shared/testdata/webauthn, read in place): every
// valid case is accepted with exactly its expected_outputs, every invalid one refused for exactly
// its reason_code. Without the folder the tests skip, except under CI=true, where they fail.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "jose/base64url.hpp"
#include "webauthn/verify.hpp"

namespace loginid::webauthn {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::optional<fs::path> vectors_dir() {
  const char* dir = std::getenv("LOGINID_TESTDATA_DIR");
  if (dir == nullptr || *dir == '\0') {
    return std::nullopt;
  }
  const fs::path path = fs::path(dir) / "webauthn";
  return fs::is_directory(path) ? std::optional(path) : std::nullopt;
}

bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string_view(ci) == "true";
}

#define LOAD_OR_SKIP(var, file)                                                                            \
  const auto dir_##var = vectors_dir();                                                                    \
  if (!dir_##var) {                                                                                        \
    if (in_ci()) {                                                                                         \
      FAIL() << "CI=true but LOGINID_TESTDATA_DIR has no webauthn/ folder: the WebAuthn vectors must run"; \
    }                                                                                                      \
    GTEST_SKIP() << "LOGINID_TESTDATA_DIR is unset or has no webauthn/ folder; WebAuthn vectors skipped";  \
  }                                                                                                        \
  const json var = load(*dir_##var / (file))

json load(const fs::path& path) {
  std::ifstream in(path);
  if (!in) {
    throw std::runtime_error("cannot read " + path.string());
  }
  return json::parse(in);
}

std::string unb64(const json& value) {
  auto bytes = loginid::detail::base64url_decode(value.get<std::string>());
  if (!bytes) {
    throw std::runtime_error("test vector field is not base64url");
  }
  return *bytes;
}

Policy policy_of(const json& c) {
  const json& options = c.at("options");
  Policy p;
  p.rp_id = c.at("rp_id").get<std::string>();
  p.allowed_origins = {c.at("origin").get<std::string>()};
  p.require_user_presence = options.at("require_user_presence").get<bool>();
  p.require_user_verification = options.at("require_user_verification").get<bool>();
  p.allow_cross_origin = options.at("allow_cross_origin").get<bool>();
  if (!options.at("top_origin").is_null()) {
    p.allowed_top_origins = {options.at("top_origin").get<std::string>()};
  }
  if (c.contains("attestation_trust_root_der_b64url")) {
    p.attestation_trust_roots_der = {unb64(c.at("attestation_trust_root_der_b64url"))};
  }
  return p;
}

json flags_json(const Flags& f) { return json{{"up", f.up}, {"uv", f.uv}, {"be", f.be}, {"bs", f.bs}}; }

json registration_outputs(const RegistrationResult& r) {
  return json{{"fmt", r.fmt},
              {"credential_id_b64url", loginid::detail::base64url_encode(r.credential_id)},
              {"credential_public_key_cose_b64url", loginid::detail::base64url_encode(r.credential_public_key_cose)},
              {"aaguid_hex", r.aaguid_hex()},
              {"sign_count", r.sign_count},
              {"flags", flags_json(r.flags)}};
}

/// The verdict for one case: the outputs (valid) or the reason name (invalid).
struct Verdict {
  bool ok = false;
  json outputs;
  std::string reason;
  std::string message;
};

Verdict run_registration(const json& c) {
  const std::string cdj = unb64(c.at("client_data_json_b64url"));
  const std::string object = unb64(c.at("attestation_object_b64url"));
  const auto result = verify_registration({cdj, object, c.at("challenge_b64url").get<std::string>()}, policy_of(c));
  if (!result) {
    return {false, {}, std::string(result.failure().name()), result.failure().message};
  }
  const RegistrationResult& r = result.value();
  // A root is given exactly for the W3C cases with x5c: their chain must have been verified.
  const bool has_root = c.contains("attestation_trust_root_der_b64url");
  EXPECT_EQ(r.attestation_trusted, has_root && !r.attestation_certificates_der.empty()) << c.at("id");
  EXPECT_EQ(r.alg, c.at("alg").get<int>()) << c.at("id");
  return {true, registration_outputs(r), "", ""};
}

Verdict run_authentication(const json& c) {
  AuthenticationInput in;
  const std::string cdj = unb64(c.at("client_data_json_b64url"));
  const std::string ad = unb64(c.at("authenticator_data_b64url"));
  const std::string sig = unb64(c.at("signature_b64url"));
  const std::string cose = unb64(c.at("credential_public_key_cose_b64url"));
  const std::string challenge = c.at("challenge_b64url").get<std::string>();
  in.client_data_json = cdj;
  in.authenticator_data = ad;
  in.signature = sig;
  in.expected_challenge = challenge;
  in.stored_public_key_cose = cose;
  in.stored_sign_count = c.at("prior_sign_count").get<std::uint32_t>();
  const auto result = verify_authentication(in, policy_of(c));
  if (!result) {
    return {false, {}, std::string(result.failure().name()), result.failure().message};
  }
  return {true, json{{"sign_count", result.value().sign_count}, {"flags", flags_json(result.value().flags)}}, "", ""};
}

struct Counts {
  int valid = 0;
  int invalid = 0;
};

Counts check_file(const json& cases) {
  Counts counts;
  for (const json& c : cases) {
    const std::string id = c.at("id");
    const bool registration = c.at("kind") == "registration";
    const Verdict v = registration ? run_registration(c) : run_authentication(c);
    if (c.at("expected") == "valid") {
      ++counts.valid;
      EXPECT_TRUE(v.ok) << id << " refused: " << v.message;
      if (v.ok) {
        for (const auto& [key, want] : c.at("expected_outputs").items()) {
          EXPECT_EQ(v.outputs.value(key, json()), want) << id << " output " << key;
        }
      }
    } else {
      ++counts.invalid;
      EXPECT_FALSE(v.ok) << id << " accepted, expected " << c.at("reason_code");
      EXPECT_EQ(v.reason, c.at("reason_code").get<std::string>()) << id << ": " << v.message;
    }
  }
  return counts;
}

TEST(WebauthnVectors, W3cLevel3) {
  LOAD_OR_SKIP(cases, "w3c_l3_test_vectors.json");
  const Counts n = check_file(cases);
  EXPECT_EQ(n.valid, 30);
  EXPECT_EQ(n.invalid, 6);
}

TEST(WebauthnVectors, PyWebauthn) {
  LOAD_OR_SKIP(cases, "py_webauthn_vectors.json");
  const Counts n = check_file(cases);
  EXPECT_EQ(n.valid, 8);
  EXPECT_EQ(n.invalid, 3);
}

TEST(WebauthnVectors, SimpleWebauthn) {
  LOAD_OR_SKIP(cases, "simplewebauthn_vectors.json");
  const Counts n = check_file(cases);
  EXPECT_EQ(n.valid, 6);
  EXPECT_EQ(n.invalid, 7);
}

}  // namespace
}  // namespace loginid::webauthn
