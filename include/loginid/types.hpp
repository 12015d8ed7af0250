#pragma once
/// @file types.hpp
/// Arguments and typed results of the LoginID calls (API.md, "Shapes").
///
/// Every result is parsed strictly from the service's JSON: a 2xx answer whose shape is wrong
/// (a missing member, a member of the wrong type) throws loginid::BadResponse with a message naming
/// the member (e.g. `user.id: missing`). A value the service may extend (a user's or credential's
/// status) is an extensible enum: a value this SDK version does not know is kept, not refused. Each
/// result also keeps the whole JSON object it was parsed from, as text, in `raw_json`, so members
/// this version does not model are still reachable (with any JSON library). Results compare with ==
/// (member by member, `raw_json` included).

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "loginid/extensible_enum.hpp"
#include "loginid/jwt.hpp"
#include "loginid/ids.hpp"
#include "loginid/version.hpp"

namespace loginid::inline v1 {

/// The kind of authentication code (API.md: `short` 6 digits, `long` 16 alphanumerics,
/// `phrase` 4 words). `short` and `long` are C++ keywords, hence the `_code` suffix.
enum class CodeType {
  short_code,  ///< wire value "short"
  long_code,   ///< wire value "long"
  phrase,      ///< wire value "phrase"
};

/// What a code is for.
enum class CodePurpose {
  temporary_authentication,  ///< wire value "temporary_authentication"
  add_credential,            ///< wire value "add_credential"
};

/// The wire value: "short", "long" or "phrase". Throws InvalidArgument for a value outside the enum.
[[nodiscard]] std::string_view to_string(CodeType type);
/// The wire value: "temporary_authentication" or "add_credential". Throws InvalidArgument for a
/// value outside the enum.
[[nodiscard]] std::string_view to_string(CodePurpose purpose);
/// Parses a wire value ("short", "long", "phrase"; exact, lower case). Throws InvalidArgument
/// naming `code_type` and the accepted values otherwise.
[[nodiscard]] CodeType parse_code_type(std::string_view text);
/// Parses a wire value ("temporary_authentication", "add_credential"). Throws InvalidArgument
/// naming `purpose` and the accepted values otherwise.
[[nodiscard]] CodePurpose parse_code_purpose(std::string_view text);

/// Which user a call is about: a user id, a username, or both (both are then sent).
///
/// Made only from a Username or a UserId (each converts implicitly) or by a named factory, never
/// from bare text: `get_credentials({"alice"})` does not compile, because it cannot say whether
/// "alice" is a username or an id. At least one must be non-empty; the SDK refuses the call locally
/// otherwise (InvalidArgument naming `user`).
///
/// @code
/// mgmt.get_credentials(loginid::Username("alice"));
/// mgmt.get_credentials(loginid::UserRef::by_username("alice"));
/// mgmt.revoke_credential(loginid::UserRef::by_id(user_id), cred_id);
/// @endcode
class UserRef final {
 public:
  // Implicit on purpose: the value already says what it is, so `get_credentials(alice)` is unambiguous.
  /// A reference by username.
  UserRef(Username username) : username_(std::move(username)) {}
  /// A reference by user id.
  UserRef(UserId user_id) : user_id_(std::move(user_id)) {}

  /// A reference by username.
  [[nodiscard]] static UserRef by_username(std::string name) { return UserRef(Username(std::move(name))); }
  /// A reference by user id (a UUID at LoginID).
  [[nodiscard]] static UserRef by_id(std::string id) { return UserRef(UserId(std::move(id))); }
  /// A reference by both; both are sent.
  [[nodiscard]] static UserRef by_id_and_username(UserId id, Username name) {
    UserRef ref(std::move(id));
    ref.username_ = std::move(name);
    return ref;
  }

  /// The user id, when the reference has one.
  [[nodiscard]] const std::optional<UserId>& user_id() const noexcept { return user_id_; }
  /// The username, when the reference has one.
  [[nodiscard]] const std::optional<Username>& username() const noexcept { return username_; }
  /// Same user id and same username (both absent counts as equal).
  friend bool operator==(const UserRef&, const UserRef&) = default;

 private:
  std::optional<UserId> user_id_{};
  std::optional<Username> username_{};
};

/// Options of LoginIdManagement::generate_code.
/// @code
/// auto code = mgmt.generate_code(loginid::Username("alice"), loginid::CodeType::short_code,
///                                loginid::CodePurpose::temporary_authentication, {.authorized = true});
/// @endcode
struct GenerateCodeOptions final {
  /// Generate the code already authorized (sent as `authorize`): a wait_code for it returns at
  /// once, with no authorize_code call in between.
  bool authorized = false;
};

/// Options of LoginID::wait_code.
struct WaitCodeOptions final {
  /// Ask for no user token (sent as `no_jwt`): the answer then has no `jwt` and nothing is verified.
  bool no_jwt = false;
};

/// A user's `status` (API.md "user"). A status this SDK version does not know keeps its text.
/// @code
/// if (user.status == loginid::UserStatus::inactive) { ... }
/// @endcode
class UserStatus final : public ExtensibleEnum<UserStatus> {
 public:
  using ExtensibleEnum::ExtensibleEnum;
  UserStatus() = default;
  static const UserStatus active;    ///< "active": may authenticate
  static const UserStatus inactive;  ///< "inactive": deactivated (deactivate_user)
};
inline const UserStatus UserStatus::active{"active"};
inline const UserStatus UserStatus::inactive{"inactive"};

/// A credential's `status` (API.md "credential"), also the filter of get_credentials. A status this
/// SDK version does not know keeps its text.
class CredentialStatus final : public ExtensibleEnum<CredentialStatus> {
 public:
  using ExtensibleEnum::ExtensibleEnum;
  CredentialStatus() = default;
  static const CredentialStatus active;    ///< "active"
  static const CredentialStatus inactive;  ///< "inactive"
  static const CredentialStatus revoked;   ///< "revoked" (revoke_credential)
};
inline const CredentialStatus CredentialStatus::active{"active"};
inline const CredentialStatus CredentialStatus::inactive{"inactive"};
inline const CredentialStatus CredentialStatus::revoked{"revoked"};

/// A user (API.md "user"). Its `contacts` array is in `raw_json`.
struct User final {
  std::string id{};  ///< the id (a UUID)
  std::string username{};  ///< the username
  UserStatus status{};         ///< active, inactive, or a status this SDK version does not know
  std::string namespace_id{};  ///< the namespace the user lives in (16 hex digits at LoginID)
  std::string client_id{};     ///< the application the user belongs to; empty when the service sent none
  std::string type{};          ///< "user"; empty when the service sent none
  std::chrono::system_clock::time_point created_at{};  ///< from RFC 3339 (2026-11-29T01:02:03.456Z)
  std::chrono::system_clock::time_point updated_at{};  ///< from RFC 3339
  std::string raw_json{};  ///< the whole JSON object as received (text)

  /// status == UserStatus::active.
  [[nodiscard]] bool is_active() const noexcept { return status == UserStatus::active; }
  friend bool operator==(const User&, const User&) = default;  ///< Equal when every member is.
};

/// A credential of a user (API.md "credential").
struct Credential final {
  std::string uuid{};  ///< the credential id (a UUID)
  std::string type{};          ///< "fido2", "public_key", ...
  CredentialStatus status{};   ///< active, inactive, revoked, or a status this SDK version does not know
  std::string name{};  ///< the human-readable name
  std::chrono::system_clock::time_point created_at{};  ///< from RFC 3339
  std::chrono::system_clock::time_point updated_at{};  ///< from RFC 3339
  std::string raw_json{};  ///< the whole JSON object as received (text)
  friend bool operator==(const Credential&, const Credential&) = default;  ///< Equal when every member is.
};

/// Answer of get_credentials: `{user_id, credentials:[credential]}`.
struct CredentialList final {
  std::string user_id{};  ///< the user's id (a UUID at LoginID)
  std::vector<Credential> credentials{};  ///< the credentials, in the service's order
  std::string raw_json{};  ///< the whole JSON object as received (text)
  friend bool operator==(const CredentialList&, const CredentialList&) = default;  ///< Equal when every member is.
};

/// Answer of rename_credential / revoke_credential: `{user_id, credential}`.
struct CredentialResult final {
  std::string user_id{};  ///< the user's id (a UUID at LoginID)
  Credential credential{};  ///< the credential acted on
  std::string raw_json{};  ///< the whole JSON object as received (text)
  friend bool operator==(const CredentialResult&, const CredentialResult&) = default;  ///< Equal when every member is.
};

/// Answer of generate_code: `{code, expires_at, is_authorized}`, plus the type and purpose the code
/// was generated with, so it can be handed on whole (wait_code, authorize_code).
struct CodeResult final {
  std::string code{};  ///< the code to show to the user
  std::chrono::system_clock::time_point expires_at{};  ///< from RFC 3339
  bool is_authorized = false;  ///< true when generated pre-authorized (GenerateCodeOptions::authorized)
  CodeType code_type{};  ///< the type asked for (from the request; not in the answer)
  CodePurpose purpose{};  ///< the purpose asked for (from the request; not in the answer)
  std::string raw_json{};  ///< the whole JSON object as received (text)
  friend bool operator==(const CodeResult&, const CodeResult&) = default;  ///< Equal when every member is.
};

/// Answer of authorize_code: `{expires_at, is_authorized}`.
struct AuthorizeResult final {
  std::chrono::system_clock::time_point expires_at{};  ///< from RFC 3339
  bool is_authorized = false;  ///< true once the code is authorized
  std::string raw_json{};  ///< the whole JSON object as received (text)
  friend bool operator==(const AuthorizeResult&, const AuthorizeResult&) = default;  ///< Equal when every member is.
};

/// Answer of invalidate_all_codes: `{deleted_at}`.
struct InvalidateResult final {
  std::chrono::system_clock::time_point deleted_at{};  ///< from RFC 3339
  std::string raw_json{};  ///< the whole JSON object as received (text)
  friend bool operator==(const InvalidateResult&, const InvalidateResult&) = default;  ///< Equal when every member is.
};

/// The authenticated user inside an AuthResult: `{id, username, namespace_id}`.
struct AuthUser final {
  std::string id{};  ///< the id (a UUID)
  std::string username{};  ///< the username
  std::string namespace_id{};  ///< the namespace the user lives in
  friend bool operator==(const AuthUser&, const AuthUser&) = default;  ///< Equal when every member is.
};

/// The credential used, inside an AuthResult: `{uuid, type, name}`.
struct AuthCredential final {
  std::string uuid{};  ///< the credential id (a UUID)
  std::string type{};  ///< the kind (credential: "fido2", "public_key", ...; client: "web", "management")
  std::string name{};  ///< the human-readable name
  friend bool operator==(const AuthCredential&, const AuthCredential&) = default;  ///< Equal when every member is.
};

/// The application inside an AuthResult: `{id, type}`.
struct AuthClient final {
  std::string id{};  ///< the id (a UUID)
  std::string type{};  ///< the kind (credential: "fido2", "public_key", ...; client: "web", "management")
  friend bool operator==(const AuthClient&, const AuthClient&) = default;  ///< Equal when every member is.
};

/// An authentication response (API.md): `{is_authenticated, jwt?, user, credential?, client}`.
/// When `jwt` is present the SDK has verified it (signature by LoginID's key for its `kid`,
/// audience == this client's id, time claims, and `udata` == the username when the call named
/// one) before returning; `claims` holds its verified payload.
struct AuthResult final {
  bool is_authenticated = false;  ///< whether the user is authenticated
  std::optional<std::string> jwt{};      ///< the user token; absent when no_jwt was requested
  std::optional<Claims> claims{};        ///< the verified payload of `jwt`
  AuthUser user{};  ///< the authenticated user
  std::optional<AuthCredential> credential{};  ///< the credential acted on
  AuthClient client{};  ///< the application the user authenticated to
  std::string raw_json{};  ///< the whole JSON object as received (text)
  friend bool operator==(const AuthResult&, const AuthResult&) = default;  ///< Equal when every member is.
};

/// Optional fields of a transaction (API.md, POST /tx).
struct TxOptions final {
  /// The nonce bound into the tx auth token and the body; 16 random alphanumerics when absent.
  std::optional<std::string> nonce{};
  /// Sent as `tx_type` when set.
  std::optional<std::string> tx_type{};
  /// Sent as `username` when set.
  std::optional<Username> username{};
};

/// Answer of create_transaction: `{id, url?}` plus the nonce that was sent.
struct TxResult final {
  std::string id{};  ///< the id (a UUID)
  std::optional<std::string> url{};  ///< a URL for the user to confirm at, when the service gives one
  std::string nonce{};                   ///< the nonce sent in the request (given or generated)
  std::string raw_json{};  ///< the whole JSON object as received (text)
  friend bool operator==(const TxResult&, const TxResult&) = default;  ///< Equal when every member is.
};

/// Answer of authenticate_publickey_init: `{challenge_id, server_nonce}`.
struct PublicKeyChallenge final {
  std::string challenge_id{};  ///< names the challenge in authenticate_publickey_complete
  std::string server_nonce{};  ///< sign it with make_publickey_assertion()
  std::string raw_json{};  ///< the whole JSON object as received (text)
  friend bool operator==(const PublicKeyChallenge&, const PublicKeyChallenge&) = default;  ///< Equal when every member is.
};

/// Answer of generate_recovery_code: `{code, created_at}`. The code (words) is shown to the user
/// once: the service keeps only a hash of it.
struct RecoveryCode final {
  std::string code{};        ///< the recovery code, words separated by spaces or dashes
  std::chrono::system_clock::time_point created_at{};  ///< from RFC 3339
  std::string raw_json{};  ///< the whole JSON object as received (text)
  friend bool operator==(const RecoveryCode&, const RecoveryCode&) = default;  ///< Equal when every member is.
};

// ---- FIDO2 / WebAuthn (passkeys) ------------------------------------------------------------
//
// The init calls return the payload a web page hands to navigator.credentials.create / .get; the
// page sends back the browser's answer, which the complete calls relay to LoginID. Payloads travel
// as JSON text (std::string), so a backend passes them on without a JSON library of its own.

/// Options of register_fido2_init (API.md: the body's `options`).
struct Fido2RegisterOptions final {
  /// The name the authenticator shows for the account (`user.displayName`); the username when absent.
  std::optional<std::string> display_name{};
  /// Replaces the username as the account name (`user.name`) in the payload.
  std::optional<std::string> override_name{};
  /// Ask for a security key (a cross-platform authenticator) instead of the device's own.
  bool roaming_authenticator = false;
  /// The opaque `register_session` a previous init returned (the published browser SDK sends it back).
  std::optional<std::string> register_session{};
};

/// Options of init_add_fido2_credential_with_code and force_fido2_credential_init.
struct Fido2CredentialOptions final {
  /// The name the authenticator shows for the account (`user.displayName`); the username when absent.
  std::optional<std::string> display_name{};
  /// Ask for a security key (a cross-platform authenticator) instead of the device's own.
  bool roaming_authenticator = false;
};

/// Options of register_fido2_complete and complete_add_fido2_credential.
struct Fido2CompleteOptions final {
  /// The new credential's name (sent as `options.credential_name`); the service picks one when absent.
  std::optional<std::string> credential_name{};
  /// Ask for no user token (sent as `no_jwt`): the answer then has no `jwt` and nothing is verified.
  bool no_jwt = false;
};

/// Options of authenticate_fido2_complete.
struct Fido2AuthenticateOptions final {
  /// Ask for no user token (sent as `no_jwt`): the answer then has no `jwt` and nothing is verified.
  bool no_jwt = false;
};

/// Answer of the inits that make a credential (register_fido2_init,
/// init_add_fido2_credential_with_code, force_fido2_credential_init):
/// `{register_session?, attestation_payload}`.
struct Fido2AttestationInit final {
  /// The `attestation_payload` object as JSON text: hand it to the page as is. Everything but
  /// `credential_uuid` are the options of navigator.credentials.create (WebAuthn's camelCase names,
  /// binary values base64url).
  std::string attestation_payload{};
  std::string challenge{};        ///< attestation_payload.challenge (base64url), single use
  std::string credential_uuid{};  ///< attestation_payload.credential_uuid: the credential's id once completed
  /// The opaque session of a registration, for the page's next register init (register_fido2_init only).
  std::optional<std::string> register_session{};
  std::string raw_json{};  ///< the whole JSON object as received (text)
  friend bool operator==(const Fido2AttestationInit&, const Fido2AttestationInit&) = default;  ///< Equal when every member is.
};

/// Answer of authenticate_fido2_init: `{assertion_payload}`.
struct Fido2AssertionInit final {
  /// The `assertion_payload` object as JSON text: hand it to the page as is; it is the options of
  /// navigator.credentials.get (`challenge`, `rpId`, `allowCredentials`, `timeout`, `userVerification`).
  std::string assertion_payload{};
  std::string challenge{};  ///< assertion_payload.challenge (base64url), single use
  std::string raw_json{};   ///< the whole JSON object as received (text)
  friend bool operator==(const Fido2AssertionInit&, const Fido2AssertionInit&) = default;  ///< Equal when every member is.
};

}  // namespace loginid::inline v1
