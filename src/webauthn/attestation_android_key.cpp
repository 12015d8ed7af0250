// The "android-key" attestation statement format (WebAuthn §8.4). The leaf certificate carries
// Android's KeyDescription extension (1.3.6.1.4.1.11129.2.1.17, "Key and ID attestation"):
//   KeyDescription ::= SEQUENCE { attestationVersion INTEGER, attestationSecurityLevel ENUMERATED,
//     keymasterVersion INTEGER, keymasterSecurityLevel ENUMERATED, attestationChallenge OCTET STRING,
//     uniqueId OCTET STRING, softwareEnforced AuthorizationList, teeEnforced AuthorizationList, ... }
//   AuthorizationList ::= SEQUENCE { purpose [1] EXPLICIT SET OF INTEGER OPTIONAL, ...,
//     allApplications [600] EXPLICIT NULL OPTIONAL, ..., origin [702] EXPLICIT INTEGER OPTIONAL, ... }
// read with DerReader, one level at a time.

#include <algorithm>
#include <vector>

#include "webauthn/attestation.hpp"
#include "webauthn/der_reader.hpp"
#include "webauthn/signature.hpp"

namespace loginid::webauthn::detail {
namespace {

constexpr std::string_view kAndroidKey = "android-key";
constexpr int kTagPurpose = 1;
constexpr int kTagAllApplications = 600;
constexpr int kTagOrigin = 702;
constexpr std::uint64_t kOriginGenerated = 0;  // KM_ORIGIN_GENERATED
constexpr std::uint64_t kPurposeSign = 2;      // KM_PURPOSE_SIGN

struct KeyDescription {
  std::string_view attestation_challenge;
  std::string_view software_enforced;  // AuthorizationList contents
  std::string_view tee_enforced;
};

bool is_universal(const DerElement& e, int tag) { return e.tag_class == V_ASN1_UNIVERSAL && e.tag == tag; }

std::optional<KeyDescription> parse_key_description(std::string_view der) {
  const auto sequence = der_single(der);
  if (!sequence || !is_universal(*sequence, V_ASN1_SEQUENCE) || !sequence->constructed) {
    return std::nullopt;
  }
  DerReader reader(sequence->content);
  std::vector<DerElement> fields;
  while (fields.size() < 8) {
    const auto e = reader.next();
    if (!e) {
      return std::nullopt;
    }
    fields.push_back(*e);
  }
  if (!is_universal(fields[4], V_ASN1_OCTET_STRING) || !is_universal(fields[6], V_ASN1_SEQUENCE) ||
      !is_universal(fields[7], V_ASN1_SEQUENCE)) {
    return std::nullopt;
  }
  return KeyDescription{fields[4].content, fields[6].content, fields[7].content};
}

/// What §8.4 checks in an AuthorizationList.
struct Authorizations {
  bool all_applications = false;
  std::vector<std::uint64_t> origins;
  std::vector<std::uint64_t> purposes;
};

/// [702] EXPLICIT INTEGER / a SET OF INTEGER member: the small unsigned value.
std::optional<std::uint64_t> integer_in(std::string_view der) {
  const auto e = der_single(der);
  return e && is_universal(*e, V_ASN1_INTEGER) ? der_small_unsigned(e->content) : std::nullopt;
}

bool read_purposes(std::string_view explicit_content, std::vector<std::uint64_t>& out) {
  const auto set = der_single(explicit_content);
  if (!set || !is_universal(*set, V_ASN1_SET)) {
    return false;
  }
  DerReader reader(set->content);
  while (const auto e = reader.next()) {
    const auto value = is_universal(*e, V_ASN1_INTEGER) ? der_small_unsigned(e->content) : std::nullopt;
    if (!value) {
      return false;
    }
    out.push_back(*value);
  }
  return !reader.failed();
}

bool read_authorizations(std::string_view list, Authorizations& out) {
  DerReader reader(list);
  while (const auto e = reader.next()) {
    if (e->tag_class != V_ASN1_CONTEXT_SPECIFIC) {
      continue;
    }
    if (e->tag == kTagAllApplications) {
      out.all_applications = true;
    } else if (e->tag == kTagOrigin) {
      const auto origin = integer_in(e->content);
      if (!origin) {
        return false;
      }
      out.origins.push_back(*origin);
    } else if (e->tag == kTagPurpose && !read_purposes(e->content, out.purposes)) {
      return false;
    }
  }
  return !reader.failed();
}

/// §8.4: attestationChallenge = clientDataHash; no allApplications; origin (when present) generated
/// and purpose (when present) including sign, over both lists.
std::optional<std::string> check_key_description(X509* leaf, std::string_view client_data_hash) {
  bool duplicate = false;
  const auto ext = find_extension(leaf, "1.3.6.1.4.1.11129.2.1.17", duplicate);
  if (!ext || duplicate) {
    return "has no (single) key attestation extension 1.3.6.1.4.1.11129.2.1.17";
  }
  const auto description = parse_key_description(ext->value);
  Authorizations auth;
  if (!description || !read_authorizations(description->software_enforced, auth) ||
      !read_authorizations(description->tee_enforced, auth)) {
    return "has a malformed KeyDescription";
  }
  if (description->attestation_challenge != client_data_hash) {
    return "KeyDescription.attestationChallenge is not the clientDataHash";
  }
  if (auth.all_applications) {
    return "KeyDescription authorizes allApplications";
  }
  for (const std::uint64_t origin : auth.origins) {
    if (origin != kOriginGenerated) {
      return "KeyDescription origin is not KM_ORIGIN_GENERATED (the key was imported)";
    }
  }
  if (!auth.purposes.empty() && std::find(auth.purposes.begin(), auth.purposes.end(), kPurposeSign) == auth.purposes.end()) {
    return "KeyDescription purpose does not include KM_PURPOSE_SIGN";
  }
  return std::nullopt;
}

}  // namespace

Result<VerifiedAttestation> verify_android_key(const AttestationInput& in) {
  auto alg = statement_alg(kAndroidKey, in.att_stmt);
  if (!alg) {
    return std::move(alg).failure();
  }
  auto sig = statement_sig(kAndroidKey, in.att_stmt);
  if (!sig) {
    return std::move(sig).failure();
  }
  auto x5c = statement_x5c(kAndroidKey, in.att_stmt);
  if (!x5c) {
    return std::move(x5c).failure();
  }
  X509* leaf = x5c.value().certs.front().get();
  if (!verify_signature(X509_get0_pubkey(leaf), alg.value(), signed_bytes(in), sig.value())) {
    return statement_invalid(kAndroidKey, "attStmt.sig does not verify with the x5c leaf certificate's key as " +
                                              algorithm_name(alg.value()));
  }
  if (!in.credential_key.same_key_as_spki(certificate_spki(leaf))) {
    return statement_invalid(kAndroidKey, "the x5c leaf certificate's key is not the credential public key");
  }
  if (auto problem = check_key_description(leaf, in.client_data_hash)) {
    return statement_invalid(kAndroidKey, "the x5c leaf certificate " + *problem);
  }
  return VerifiedAttestation{AttestationType::basic, std::move(x5c).value()};
}

}  // namespace loginid::webauthn::detail
