// WebAuthn relying-party verification (src/webauthn) on untrusted bytes. The first byte picks what
// the rest is:
//   0  an attestation object, registered with a fixed valid clientDataJSON (kCreate)
//   1  authenticator data of an assertion, with a fixed clientDataJSON (kGet) and stored key
//   2  a COSE_Key (CredentialPublicKey::from_cose), then a signature check with it
//   3  a clientDataJSON, registered with a fixed valid `none` attestation object
//   4  u16 length, clientDataJSON of that length, then an attestation object
//   5  raw CBOR for the bounded scanner and loader
//   6  u16 length, a trust-root certificate (DER) of that length, then an attestation object
// Any crash, sanitizer report or broken invariant (a refusal without a named reason and a short
// message, an accepted registration outside the limits) is a finding. Seeds are made by
// make_webauthn_seeds.py from the structure of the public vectors, with fresh keys.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "webauthn/cbor.hpp"
#include "webauthn/limits.hpp"
#include "webauthn/verify.hpp"

namespace {

using namespace loginid::webauthn;  // NOLINT

// Shared with make_webauthn_seeds.py.
constexpr std::string_view kChallenge = "ZnV6eiBjaGFsbGVuZ2U";
constexpr std::string_view kCreate =
    R"({"type":"webauthn.create","challenge":"ZnV6eiBjaGFsbGVuZ2U","origin":"https://example.org"})";
constexpr std::string_view kGet =
    R"({"type":"webauthn.get","challenge":"ZnV6eiBjaGFsbGVuZ2U","origin":"https://example.org"})";

std::string from_hex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  }
  return out;
}

// A P-256 COSE key (public key of the scalar 1..1 in the seed generator) and a `none` registration of it.
const std::string kCoseKey = from_hex(
    "a5010203262001215820" "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
    "225820" "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5");

/// A `none` registration of kCoseKey for example.org (UP and AT set, counter 0, credential id 00..0f).
const std::string& none_object() {
  static const std::string object = from_hex(
      "a363666d74646e6f6e656761747453746d74a06861757468446174615894"
      "bfabc37432958b063360d3ad6461c9c4735ae7f8edd46592a5e0f01452b2e4b5" "41" "00000000"
      "00000000000000000000000000000000" "0010" "000102030405060708090a0b0c0d0e0f");
  static const std::string full = object + kCoseKey;
  return full;
}

Policy fuzz_policy() {
  Policy p;
  p.rp_id = "example.org";
  p.allowed_origins = {"https://example.org"};
  return p;
}

void check_failure(const Failure& f) {
  const std::string_view name = reason_name(f.reason);
  if (f.reason == Errc::ok || f.message.compare(0, name.size(), name) != 0 || f.message.size() > 1024) {
    std::abort();
  }
}

void check(const Result<RegistrationResult>& r) {
  if (!r) {
    check_failure(r.failure());
    return;
  }
  const RegistrationResult& reg = r.value();
  const auto again = CredentialPublicKey::from_cose(reg.credential_public_key_cose);
  if (reg.credential_id.empty() || reg.credential_id.size() > limits::kMaxCredentialIdBytes || !again ||
      again->alg() != reg.alg || !reg.flags.at) {
    std::abort();
  }
}

void check(const Result<AuthenticationResult>& r) {
  if (!r) {
    check_failure(r.failure());
  }
}

void register_bytes(std::string_view cdj, std::string_view object, const Policy& policy = fuzz_policy()) {
  check(verify_registration({cdj, object, kChallenge}, policy));
}

/// u16 big-endian length, then that many bytes (clamped), then the rest.
std::pair<std::string_view, std::string_view> split(std::string_view in) {
  if (in.size() < 2) {
    return {{}, in};
  }
  const std::size_t n = (static_cast<unsigned char>(in[0]) << 8 | static_cast<unsigned char>(in[1]));
  in.remove_prefix(2);
  const std::size_t first = n < in.size() ? n : in.size();
  return {in.substr(0, first), in.substr(first)};
}

void fuzz_assertion(std::string_view auth_data) {
  AuthenticationInput in;
  in.client_data_json = kGet;
  in.authenticator_data = auth_data;
  in.signature = std::string_view("\x30\x06\x02\x01\x01\x02\x01\x01", 8);
  in.expected_challenge = kChallenge;
  in.stored_public_key_cose = kCoseKey;
  in.stored_sign_count = 7;
  in.stored_backup_eligible = false;
  check(verify_authentication(in, fuzz_policy()));
}

void fuzz_cose_key(std::string_view cose) {
  const auto key = CredentialPublicKey::from_cose(cose);
  if (!key) {
    check_failure(key.failure());
    return;
  }
  if (key->cose() != cose || key->spki_der().empty() || key->to_pem().empty() || key->verify("message", cose)) {
    std::abort();
  }
}

void fuzz_cbor(std::string_view bytes) {
  detail::CborProblem scan_problem{};
  detail::CborProblem load_problem{};
  const auto length = detail::scan_cbor_item(bytes, scan_problem);
  std::size_t consumed = 0;
  const detail::CborItem item = detail::load_cbor_item(bytes, consumed, load_problem);
  if (length.has_value() != (item != nullptr) || (length && (*length != consumed || *length > bytes.size()))) {
    std::abort();
  }
  if (item && cbor_isa_map(item.get())) {
    const detail::CborMap map(item.get());
    (void)map.find("fmt");
    (void)map.find(3);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 7) {
    case 0: register_bytes(kCreate, rest); break;
    case 1: fuzz_assertion(rest); break;
    case 2: fuzz_cose_key(rest); break;
    case 3: register_bytes(rest, none_object()); break;
    case 4: {
      const auto [cdj, object] = split(rest);
      register_bytes(cdj, object);
      break;
    }
    case 5: fuzz_cbor(rest); break;
    default: {
      const auto [root, object] = split(rest);
      Policy policy = fuzz_policy();
      policy.attestation_trust_roots_der = {std::string(root)};
      register_bytes(kCreate, object, policy);
      break;
    }
  }
  return 0;
}
