#pragma once
// The rows the emulator keeps. Timestamps are UTC milliseconds since the epoch.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace loginid::detail::store {

struct Namespace {
  std::string id;
  std::string name;
  std::int64_t created_at = 0;
};

/// An application's settings for browser flows: the WebAuthn relying party its ceremonies run for,
/// the page origins that may call it (CORS and clientDataJSON.origin), and whether a page may start
/// a browser flow without a service token. The defaults are what a page on a laptop needs.
struct WebSettings {
  std::string rp_id = "localhost";
  std::string rp_name = "LoginID emulator";
  /// `scheme://host[:port]`; the port may be `*` (any port, or none).
  std::vector<std::string> allowed_origins = {"http://localhost:*"};
  bool public_init = false;
};

struct Application {
  std::string client_id;
  std::string namespace_id;
  std::string type;  ///< "web" or "management"
  std::string name;
  std::string public_key_pem;
  /// Kept only for the default applications, whose keys go to the credentials file on every start.
  std::optional<std::string> private_key_pem;
  std::int64_t created_at = 0;
  WebSettings web_settings{};
};

struct SigningKey {
  std::string kid;
  std::string private_key_pem;
  std::string public_key_pem;
  bool active = false;
  std::int64_t created_at = 0;
};

struct User {
  std::string id;
  std::string namespace_id;
  std::string username;
  std::string status;  ///< "active" or "inactive"
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
  /// The application the user was created through (users of databases older than schema 2: the
  /// first web application of their namespace, set by the migration).
  std::string client_id;
};

struct Credential {
  std::string uuid;
  std::string user_id;
  std::string type;    ///< "fido2", "public_key", ...
  std::string status;  ///< "active", "inactive", "revoked"
  std::string name;
  std::optional<std::string> public_key_pem;  ///< for public_key credentials
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
};

/// What a FIDO2 credential keeps beside its credentials row (WebAuthn §6.5 credential record).
struct Fido2Key {
  std::string credential_uuid;
  std::string namespace_id;
  std::string credential_id;  ///< base64url of the raw credential id (unique in the namespace)
  std::string cose_key;       ///< base64url of the COSE_Key bytes exactly as registered
  std::int64_t alg = 0;       ///< COSE algorithm
  std::int64_t sign_count = 0;
  std::vector<std::string> transports;  ///< as the registration reported them (often none)
  std::string aaguid;                   ///< 8-4-4-4-12 hex (all zero for most `none` attestations)
  std::string rp_id;                    ///< the relying party it was registered for
  std::string attestation_fmt;          ///< none, packed, ...
  bool backup_eligible = false;
  bool backup_state = false;
  std::optional<std::int64_t> last_used_at;
};

/// A challenge a FIDO2 init issued; its complete consumes it (single use) before it expires.
struct Fido2Challenge {
  std::string challenge;     ///< base64url of 32 random bytes, as sent to the page: the key
  std::string ceremony;      ///< register, add_credential, force_add, authenticate, generate_code, tx
  std::string user_id;       ///< for register: the id the new user gets
  std::string username;      ///< for register: the username to create
  std::string client_id;     ///< the application that issued it
  std::string namespace_id;
  std::string rp_id;         ///< the relying party the page's authenticator was told
  std::string user_verification;  ///< required, preferred or discouraged
  std::optional<std::string> credential_uuid;  ///< create ceremonies: the uuid announced at init
  std::optional<std::string> code_type;        ///< generate_code
  std::optional<std::string> code_purpose;     ///< generate_code
  std::optional<std::string> tx_id;            ///< tx
  std::optional<std::string> server_nonce;     ///< tx: the nonce the challenge (the tx hash) was made with
  std::int64_t expires_at = 0;
};

/// The hash of a credential's secret (a password, a recovery code): Argon2id with the parameters it
/// was made with, so stronger parameters later leave existing hashes verifiable.
struct SecretHash {
  std::string credential_uuid;
  std::string algorithm;  ///< "argon2id"
  std::int64_t memory_kib = 0;
  std::int64_t iterations = 0;
  std::int64_t parallelism = 0;
  std::string salt;  ///< base64url
  std::string hash;  ///< base64url
};

struct Code {
  std::int64_t id = 0;
  std::string user_id;
  std::string code_type;  ///< short, long, phrase
  std::string purpose;
  std::string code;
  bool is_authorized = false;
  std::int64_t expires_at = 0;
  std::int64_t created_at = 0;
};

struct Transaction {
  std::string id;
  std::string client_id;
  std::string namespace_id;
  std::string tx_type;
  std::string tx_payload;
  std::string nonce;
  std::optional<std::string> username;
  std::string status;  ///< "pending" or "confirmed"
  std::optional<std::string> server_nonce;
  std::int64_t created_at = 0;
};

struct Challenge {
  std::string id;
  std::string user_id;
  std::string credential_uuid;
  std::string client_id;
  std::string challenge;
  std::int64_t expires_at = 0;
};

struct SeenNonce {
  std::string client_id;
  std::string nonce;
  std::int64_t expires_at = 0;
};

}  // namespace loginid::detail::store
