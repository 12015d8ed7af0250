#pragma once
/// @file management.hpp
/// loginid::LoginIdManagement: the management client (codes, credentials, users).

#include <optional>
#include <string>
#include <string_view>

#include "loginid/client.hpp"
#include "loginid/types.hpp"
#include "loginid/version.hpp"

namespace loginid::inline v1 {

/// The management client: everything LoginID offers plus the calls that need a management
/// application's credential. Each call signs a fresh service token with the scope API.md lists
/// for it. Immutable after construction, safe to share between threads, cheap to copy.
///
/// Argument order is stable: the thing acted on first (code, credential id, key), then the code
/// type and purpose, then the user (a UserRef, last).
///
/// Errors: InvalidArgument before anything is sent (empty name, no user, unknown code type...);
/// ServiceError for the service's refusals (`not_found`, `user_already_exists`, `code_invalid`,
/// `forbidden`, ...), TransportError when no answer came, BadResponse for wrong-shaped answers.
///
/// @code
/// loginid::LoginIdManagement mgmt{client_id, private_key_pem, {.base_url = "http://127.0.0.1:8080"}};
/// loginid::User user = mgmt.add_user_without_credentials("alice");
/// @endcode
class LoginIdManagement : public LoginID {
 public:
  /// @throws InvalidArgument when `private_key_pem` is empty (a management client signs every
  ///         call), KeyError for an invalid key; see LoginID::LoginID for the rest.
  LoginIdManagement(std::string client_id, SecretString private_key_pem, Options options = {});
  /// Same with an already parsed key.
  LoginIdManagement(std::string client_id, PrivateKey private_key, Options options = {});

  // ---- codes -------------------------------------------------------------------------------

  /// Generates a code for the user (POST /codes/{code_type}/generate, scope `codes.generate`).
  /// `is_authorized` = true makes it pre-authorized (it goes to the wire as `authorize`).
  /// @code
  /// auto code = mgmt.generate_code(loginid::CodeType::short_code, loginid::CodePurpose::temporary_authentication,
  ///                                false, loginid::UserRef::by_username("alice"));
  /// @endcode
  [[nodiscard]] CodeResult generate_code(CodeType code_type, CodePurpose purpose, bool is_authorized,
                                         const UserRef& user) const;

  /// Authorizes a code (POST /codes/{code_type}/authorize, scope `codes.authorize`), waking a
  /// wait_code for it. @throws ServiceError `code_invalid` (wrong/used code), `code_expired`.
  /// @code
  /// mgmt.authorize_code(code.code, loginid::CodeType::short_code, loginid::CodePurpose::temporary_authentication,
  ///                     loginid::UserRef::by_username("alice"));
  /// @endcode
  AuthorizeResult authorize_code(std::string_view code, CodeType code_type, CodePurpose purpose,
                                 const UserRef& user) const;

  /// Invalidates every live code of this type and purpose for the user
  /// (POST /codes/{code_type}/invalidate-all, scope `codes.invalidate`).
  InvalidateResult invalidate_all_codes(CodeType code_type, CodePurpose purpose, const UserRef& user) const;

  // ---- credentials -------------------------------------------------------------------------

  /// The user's credentials (POST /credentials/list, scope `credentials.list`), optionally only
  /// those with `status` (CredentialStatus::active, inactive, revoked, or a newer status the service
  /// knows; an empty one is InvalidArgument).
  /// @code
  /// for (const auto& c : mgmt.get_credentials(loginid::UserRef::by_username("alice")).credentials) { ... }
  /// @endcode
  [[nodiscard]] CredentialList get_credentials(const UserRef& user,
                                               const std::optional<CredentialStatus>& status = std::nullopt) const;

  /// Renames a credential (POST /credentials/rename, scope `credentials.rename`).
  /// @throws InvalidArgument for an empty `credential_id` or `new_name`.
  CredentialResult rename_credential(std::string_view credential_id, std::string_view new_name,
                                     const UserRef& user) const;

  /// Revokes a credential (POST /credentials/revoke, scope `credentials.revoke`).
  CredentialResult revoke_credential(std::string_view credential_id, const UserRef& user) const;

  /// Registers a public key as a credential of the user (POST /credentials/publickey, scope
  /// `credentials.force_add`, `publickey_alg` ES256). The PEM is checked locally (KeyError).
  /// A returned JWT is verified like wait_code's (without a username check when the user is given by id only).
  AuthResult add_publickey_credential(std::string_view public_key_pem, const UserRef& user,
                                      std::optional<std::string_view> credential_name = std::nullopt) const;

  /// Starts adding a passkey to a user without a code (POST /credentials/fido2/init/force, scope
  /// `credentials.force_add`): the backend vouches for the user. The page completes it, through
  /// complete_add_fido2_credential of this client or of the namespace's web application's LoginID.
  /// @code
  /// auto init = mgmt.force_fido2_credential_init(mgmt.get_user_id("alice@example.com"));
  /// send_to_page(init.attestation_payload);
  /// @endcode
  /// @throws InvalidArgument (empty user id or option), Error (`not_found`, ...), Error `bad_response`.
  [[nodiscard]] Fido2AttestationInit force_fido2_credential_init(std::string_view user_id,
                                                                  const Fido2CredentialOptions& options = {}) const;

  /// Generates a recovery code for the user (POST /credentials/recovery-code, scope
  /// `credentials.add_recovery`): words the user writes down. The service stores only a hash, so
  /// this answer is the only time the code is seen.
  /// @code
  /// loginid::RecoveryCode rc = mgmt.generate_recovery_code(loginid::UserRef::by_username("alice"));
  /// @endcode
  RecoveryCode generate_recovery_code(const UserRef& user) const;

  // ---- users -------------------------------------------------------------------------------

  /// The user with this username (POST /manage/users/retrieve, scope `users.retrieve`).
  /// @throws ServiceError `not_found` for an unknown user.
  /// @code
  /// loginid::User u = mgmt.get_user("alice");
  /// @endcode
  [[nodiscard]] User get_user(std::string_view username) const;

  /// get_user(username).id.
  [[nodiscard]] std::string get_user_id(std::string_view username) const;

  /// Creates a user with no credential (POST /manage/users, scope `users.create`).
  /// @throws ServiceError `user_already_exists` (409).
  User add_user_without_credentials(std::string_view username) const;

  /// Deactivates a user (PUT /manage/users/{user_id}/deactivate, scope `users.deactivate`); an
  /// inactive user cannot authenticate (`user_inactive`). Returns the updated user.
  User deactivate_user(std::string_view user_id) const;

  /// Re-activates a user (PUT /manage/users/{user_id}/activate, scope `users.activate`).
  User activate_user(std::string_view user_id) const;

  /// Deletes a user with its credentials and codes (DELETE /manage/users/{user_id}, scope `users.delete`).
  void delete_by_user_id(std::string_view user_id) const;

  /// Deletes a user by username (POST /manage/users/delete, scope `users.delete`).
  void delete_by_username(std::string_view username) const;
};

}  // namespace loginid::inline v1
