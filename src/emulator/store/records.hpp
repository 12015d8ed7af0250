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
