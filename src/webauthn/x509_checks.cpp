#include "webauthn/x509_checks.hpp"

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include <cstring>

#include "webauthn/der_reader.hpp"
#include "webauthn/limits.hpp"

namespace loginid::webauthn::detail {
namespace {

struct ObjectFree {
  void operator()(ASN1_OBJECT* o) const noexcept { ASN1_OBJECT_free(o); }
};
using Object = std::unique_ptr<ASN1_OBJECT, ObjectFree>;

struct BasicConstraintsFree {
  void operator()(BASIC_CONSTRAINTS* b) const noexcept { BASIC_CONSTRAINTS_free(b); }
};

struct X509StackFree {
  void operator()(STACK_OF(X509) * s) const noexcept { sk_X509_free(s); }  // the certs stay owned elsewhere
};

bool has_subject_entry(X509_NAME* name, int nid) { return X509_NAME_get_index_by_NID(name, nid, -1) >= 0; }

bool has_subject_value(X509_NAME* name, int nid, std::string_view want) {
  for (int i = X509_NAME_get_index_by_NID(name, nid, -1); i >= 0; i = X509_NAME_get_index_by_NID(name, nid, i)) {
    const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
    const std::string_view value(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                                 static_cast<std::size_t>(ASN1_STRING_length(data)));
    if (value == want) {
      return true;
    }
  }
  return false;
}

}  // namespace

X509Ptr parse_certificate(std::string_view der) {
  if (der.empty() || der.size() > limits::kMaxCertificateBytes) {
    return nullptr;
  }
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert || p != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) {
    ERR_clear_error();
    return nullptr;
  }
  return cert;
}

std::optional<CertificateChain> parse_x5c(const cbor_item_t* x5c, std::string& problem) {
  if (x5c == nullptr || !cbor_isa_array(x5c)) {
    problem = "attStmt.x5c is missing or not an array";
    return std::nullopt;
  }
  const std::size_t count = cbor_array_size(x5c);
  if (count == 0 || count > limits::kMaxCertificates) {
    problem = "attStmt.x5c has " + std::to_string(count) + " certificates; 1.." +
              std::to_string(limits::kMaxCertificates) + " are allowed";
    return std::nullopt;
  }
  CertificateChain chain;
  cbor_item_t** items = cbor_array_handle(x5c);
  for (std::size_t i = 0; i < count; ++i) {
    const auto der = cbor_bytes(items[i]);
    const std::string where = "attStmt.x5c[" + std::to_string(i) + "]";
    X509Ptr cert = der ? parse_certificate(*der) : nullptr;
    if (!der) {
      problem = where + " is not a byte string";
    } else if (der->size() > limits::kMaxCertificateBytes) {
      problem = where + " is " + std::to_string(der->size()) + " bytes; the limit is " +
                std::to_string(limits::kMaxCertificateBytes);
    } else if (!cert) {
      problem = where + " is not a DER X.509 certificate";
    }
    if (!cert) {
      return std::nullopt;
    }
    chain.certs.push_back(std::move(cert));
    chain.der.emplace_back(*der);
  }
  return chain;
}

std::optional<Extension> find_extension(X509* cert, const char* oid, bool& duplicate) {
  duplicate = false;
  const Object object(OBJ_txt2obj(oid, 1));
  const int index = object ? X509_get_ext_by_OBJ(cert, object.get(), -1) : -1;
  if (index < 0) {
    return std::nullopt;
  }
  duplicate = X509_get_ext_by_OBJ(cert, object.get(), index) >= 0;
  X509_EXTENSION* ext = X509_get_ext(cert, index);
  const ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(ext);
  Extension out;
  out.critical = X509_EXTENSION_get_critical(ext) != 0;
  out.value = std::string_view(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                               static_cast<std::size_t>(ASN1_STRING_length(data)));
  return out;
}

std::optional<std::string> check_version_3(X509* cert) {
  if (X509_get_version(cert) != X509_VERSION_3) {
    return "is not an X.509 version 3 certificate";
  }
  return std::nullopt;
}

std::optional<std::string> check_not_ca(X509* cert) {
  int critical = 0;
  const std::unique_ptr<BASIC_CONSTRAINTS, BasicConstraintsFree> bc(
      static_cast<BASIC_CONSTRAINTS*>(X509_get_ext_d2i(cert, NID_basic_constraints, &critical, nullptr)));
  ERR_clear_error();
  if (!bc) {
    return critical == -2 ? "has Basic Constraints twice" : "has no valid Basic Constraints extension";
  }
  if (bc->ca != 0) {
    return "is a CA certificate (Basic Constraints CA is true)";
  }
  return std::nullopt;
}

std::optional<std::string> check_aaguid_extension(X509* cert, const std::array<std::uint8_t, 16>& aaguid) {
  bool duplicate = false;
  const auto ext = find_extension(cert, "1.3.6.1.4.1.45724.1.1.4", duplicate);
  if (!ext) {
    return std::nullopt;
  }
  if (duplicate || ext->critical) {
    return "has the FIDO AAGUID extension twice or marked critical";
  }
  const auto inner = der_single(ext->value);
  if (!inner || inner->tag != V_ASN1_OCTET_STRING || inner->tag_class != V_ASN1_UNIVERSAL ||
      inner->content.size() != aaguid.size() || std::memcmp(inner->content.data(), aaguid.data(), aaguid.size()) != 0) {
    return "has a FIDO AAGUID extension that does not equal the authenticator data's AAGUID";
  }
  return std::nullopt;
}

std::optional<std::string> check_packed_subject(X509* cert) {
  X509_NAME* subject = X509_get_subject_name(cert);
  if (!has_subject_entry(subject, NID_countryName) || !has_subject_entry(subject, NID_organizationName) ||
      !has_subject_entry(subject, NID_commonName)) {
    return "subject lacks one of C, O, CN";
  }
  if (!has_subject_value(subject, NID_organizationalUnitName, "Authenticator Attestation")) {
    return "subject OU is not \"Authenticator Attestation\"";
  }
  return std::nullopt;
}

std::string certificate_spki(X509* cert) {
  unsigned char* der = nullptr;
  const int length = i2d_PUBKEY(X509_get0_pubkey(cert), &der);
  if (length <= 0) {
    ERR_clear_error();
    return {};
  }
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(length));
  OPENSSL_free(der);
  return out;
}

std::optional<std::string> verify_chain(const CertificateChain& chain, const std::vector<std::string>& roots_der,
                                        std::optional<std::int64_t> time) {
  const X509Store store(X509_STORE_new());
  const std::unique_ptr<STACK_OF(X509), X509StackFree> untrusted(sk_X509_new_null());
  const X509StoreCtx ctx(X509_STORE_CTX_new());
  if (!store || !untrusted || !ctx) {
    return "out of memory";
  }
  for (std::size_t i = 0; i < roots_der.size(); ++i) {
    const X509Ptr root = parse_certificate(roots_der[i]);
    if (!root || X509_STORE_add_cert(store.get(), root.get()) != 1) {
      ERR_clear_error();
      return "trust root " + std::to_string(i) + " is not a DER certificate";
    }
  }
  for (std::size_t i = 1; i < chain.certs.size(); ++i) {
    sk_X509_push(untrusted.get(), chain.certs[i].get());
  }
  if (X509_STORE_CTX_init(ctx.get(), store.get(), chain.certs.front().get(), untrusted.get()) != 1) {
    return "could not set up verification";
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  // An RP may anchor on an intermediate; a self-signed anchor's own signature is checked too.
  X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN | X509_V_FLAG_CHECK_SS_SIGNATURE);
  X509_VERIFY_PARAM_set_depth(param, static_cast<int>(limits::kMaxCertificates) + 1);
  if (time) {
    X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(*time));
  }
  const int ok = X509_verify_cert(ctx.get());
  const int error = X509_STORE_CTX_get_error(ctx.get());
  ERR_clear_error();
  if (ok == 1) {
    return std::nullopt;
  }
  return std::string(X509_verify_cert_error_string(error)) + " (at certificate " +
         std::to_string(X509_STORE_CTX_get_error_depth(ctx.get())) + ")";
}

}  // namespace loginid::webauthn::detail
