#include "webauthn/authenticator_data.hpp"

#include <cstring>

#include "webauthn/cbor.hpp"
#include "webauthn/failure_message.hpp"
#include "webauthn/limits.hpp"
#include "webauthn/signature.hpp"

namespace loginid::webauthn::detail {
namespace {

constexpr std::size_t kRpIdHashBytes = 32;
constexpr std::size_t kFixedBytes = 37;  // rpIdHash, flags, signCount
constexpr std::size_t kAttestedHeaderBytes = 18;  // aaguid, credentialIdLength

enum FlagBit : std::uint8_t { kUp = 0x01, kUv = 0x04, kBe = 0x08, kBs = 0x10, kAt = 0x40, kEd = 0x80 };

Failure malformed(std::string_view what) { return fail(Errc::malformed_authenticator_data, what); }

std::uint32_t read_u32(std::string_view b, std::size_t at) {
  const auto u = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + i])); };
  return u(0) << 24 | u(1) << 16 | u(2) << 8 | u(3);
}

Flags decode_flags(std::uint8_t bits) {
  return Flags{(bits & kUp) != 0, (bits & kUv) != 0, (bits & kBe) != 0,
               (bits & kBs) != 0, (bits & kAt) != 0, (bits & kEd) != 0};
}

/// One CBOR item at `rest`: its length, or a failure naming `field`.
Result<std::size_t> cbor_item_length(std::string_view rest, std::string_view field) {
  CborProblem problem{};
  const auto length = scan_cbor_item(rest, problem);
  if (!length) {
    return malformed("authenticator data " + std::string(field) + " " + cbor_problem_text(problem));
  }
  return *length;
}

/// §6.5.1: aaguid (16), credentialIdLength (2, big-endian), credentialId, credentialPublicKey.
Result<std::size_t> parse_attested_credential(std::string_view b, std::size_t at, AttestedCredential& out) {
  if (b.size() - at < kAttestedHeaderBytes) {
    return malformed("authenticator data has the AT flag but is " + std::to_string(b.size()) +
                     " bytes, too short for attested credential data");
  }
  std::memcpy(out.aaguid.data(), b.data() + at, out.aaguid.size());
  const std::size_t id_length = static_cast<std::size_t>(static_cast<unsigned char>(b[at + 16])) << 8 |
                                static_cast<unsigned char>(b[at + 17]);
  at += kAttestedHeaderBytes;
  if (b.size() - at < id_length) {
    return malformed("credentialIdLength is " + std::to_string(id_length) + ", but only " +
                     std::to_string(b.size() - at) + " bytes follow");
  }
  out.credential_id = b.substr(at, id_length);
  at += id_length;
  auto key_length = cbor_item_length(b.substr(at), "credentialPublicKey");
  if (!key_length) {
    return std::move(key_length).failure();
  }
  out.cose_key = b.substr(at, key_length.value());
  return at + key_length.value();
}

Result<std::size_t> parse_extensions(std::string_view b, std::size_t at, std::string_view& out) {
  auto length = cbor_item_length(b.substr(at), "extensions");
  if (!length) {
    return std::move(length).failure();
  }
  const auto major_type = static_cast<unsigned char>(b[at]) >> 5;
  if (major_type != 5) {
    return malformed("authenticator data extensions are not a CBOR map");
  }
  out = b.substr(at, length.value());
  return at + length.value();
}

}  // namespace

Result<AuthenticatorData> parse_authenticator_data(std::string_view b) {
  if (b.size() > limits::kMaxAuthenticatorDataBytes) {
    return malformed("authenticator data is " + std::to_string(b.size()) + " bytes; the limit is " +
                     std::to_string(limits::kMaxAuthenticatorDataBytes));
  }
  if (b.size() < kFixedBytes) {
    return malformed("authenticator data is " + std::to_string(b.size()) + " bytes; at least 37 are needed");
  }
  AuthenticatorData ad;
  ad.bytes = b;
  ad.rp_id_hash = b.substr(0, kRpIdHashBytes);
  ad.flags = decode_flags(static_cast<std::uint8_t>(b[kRpIdHashBytes]));
  ad.sign_count = read_u32(b, kRpIdHashBytes + 1);
  std::size_t at = kFixedBytes;
  if (ad.flags.at) {
    ad.attested.emplace();
    auto next = parse_attested_credential(b, at, *ad.attested);
    if (!next) {
      return std::move(next).failure();
    }
    at = next.value();
  }
  if (ad.flags.ed) {
    auto next = parse_extensions(b, at, ad.extensions);
    if (!next) {
      return std::move(next).failure();
    }
    at = next.value();
  }
  if (at != b.size()) {
    return malformed("authenticator data has " + std::to_string(b.size() - at) +
                     " trailing bytes after what its flags announce");
  }
  return ad;
}

std::optional<Failure> check_rp_id_hash(const AuthenticatorData& ad, std::string_view rp_id) {
  if (ad.rp_id_hash != sha256(rp_id)) {
    return fail(Errc::rp_id_hash_mismatch, "authenticator data rpIdHash is " + hex(ad.rp_id_hash) +
                                               ", not SHA-256 of the RP ID " + quote_input(rp_id, 128));
  }
  return std::nullopt;
}

std::optional<Failure> check_user_present(const AuthenticatorData& ad, const Policy& policy) {
  if (policy.require_user_presence && !ad.flags.up) {
    return fail(Errc::user_not_present, "authenticator data flags have UP (user present) clear");
  }
  return std::nullopt;
}

std::optional<Failure> check_user_verified(const AuthenticatorData& ad, const Policy& policy) {
  if (policy.require_user_verification && !ad.flags.uv) {
    return fail(Errc::user_not_verified,
                "authenticator data flags have UV (user verified) clear, and user verification is required");
  }
  return std::nullopt;
}

std::optional<Failure> check_backup_flags(const AuthenticatorData& ad) {
  if (ad.flags.bs && !ad.flags.be) {
    return fail(Errc::backup_state_without_eligibility,
                "authenticator data flags have BS (backed up) set and BE (backup eligible) clear");
  }
  return std::nullopt;
}

std::optional<Failure> check_authenticator_data(const AuthenticatorData& ad, const Policy& policy) {
  if (auto f = check_rp_id_hash(ad, policy.rp_id)) {
    return f;
  }
  if (auto f = check_user_present(ad, policy)) {
    return f;
  }
  if (auto f = check_user_verified(ad, policy)) {
    return f;
  }
  return check_backup_flags(ad);
}

}  // namespace loginid::webauthn::detail
