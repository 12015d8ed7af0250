#pragma once
/// @file management.hpp
/// loginid::LoginIdManagement: the management client (codes, credentials, users).

#include <optional>
#include <string>
#include <string_view>

#include "loginid/client.hpp"
#include "loginid/types.hpp"
#include "loginid/ids.hpp"
#include "loginid/version.hpp"

namespace loginid::inline v1 {

/// Everything a LoginIdManagement does (its LoginID functions included: it is a ClientInterface too),
/// as an interface to program against and to mock (loginid::testkit::MockManagement in
/// <loginid/testing/mock_client.hpp>). Each function is documented at LoginIdManagement.
class ManagementInterface : public virtual ClientInterface {
 public:
  /// See LoginIdManagement::generate_code.
  [[nodiscard]] virtual CodeResult generate_code(const UserRef& user, CodeType code_type, CodePurpose purpose,
                                                 const GenerateCodeOptions& options = {}, const CallOptions& call = {}) const = 0;
  /// See LoginIdManagement::authorize_code.
  virtual AuthorizeResult authorize_code(const UserRef& user, std::string_view code, CodeType code_type,
                                         CodePurpose purpose, const CallOptions& call = {}) const = 0;
  /// See LoginIdManagement::authorize_code.
  virtual AuthorizeResult authorize_code(const UserRef& user, const CodeResult& code, const CallOptions& call = {}) const = 0;
  /// See LoginIdManagement::invalidate_all_codes.
  virtual InvalidateResult invalidate_all_codes(const UserRef& user, CodeType code_type,
                                                CodePurpose purpose, const CallOptions& call = {}) const = 0;
  /// See LoginIdManagement::get_credentials.
  [[nodiscard]] virtual CredentialList get_credentials(const UserRef& user,
      const std::optional<CredentialStatus>& status = std::nullopt, const CallOptions& call = {}) const = 0;
  /// See LoginIdManagement::rename_credential.
  virtual CredentialResult rename_credential(const UserRef& user, const CredentialId& credential_id,
                                             std::string_view new_name, const CallOptions& call = {}) const = 0;
  /// See LoginIdManagement::revoke_credential.
  virtual CredentialResult revoke_credential(const UserRef& user, const CredentialId& credential_id, const CallOptions& call = {}) const = 0;
  /// See LoginIdManagement::add_publickey_credential.
  virtual AuthResult add_publickey_credential(const UserRef& user, std::string_view public_key_pem,
                                              std::optional<std::string_view> credential_name = std::nullopt, const CallOptions& call = {}) const = 0;
  /// See LoginIdManagement::force_fido2_credential_init.
  [[nodiscard]] virtual Fido2AttestationInit force_fido2_credential_init(const UserId& user_id,
      const Fido2CredentialOptions& options = {}, const CallOptions& call = {}) const = 0;
  /// See LoginIdManagement::generate_recovery_code.
  virtual RecoveryCode generate_recovery_code(const UserRef& user, const CallOptions& call = {}) const = 0;
  /// See LoginIdManagement::get_user.
  [[nodiscard]] virtual User get_user(const Username& username, const CallOptions& call = {}) const = 0;
  /// See LoginIdManagement::get_user_id.
  [[nodiscard]] virtual UserId get_user_id(const Username& username, const CallOptions& call = {}) const = 0;
  /// See LoginIdManagement::add_user_without_credentials.
  virtual User add_user_without_credentials(const Username& username, const CallOptions& call = {}) const = 0;
  /// See LoginIdManagement::deactivate_user.
  virtual User deactivate_user(const UserId& user_id, const CallOptions& call = {}) const = 0;
  /// See LoginIdManagement::activate_user.
  virtual User activate_user(const UserId& user_id, const CallOptions& call = {}) const = 0;
  /// See LoginIdManagement::delete_by_user_id.
  virtual void delete_by_user_id(const UserId& user_id, const CallOptions& call = {}) const = 0;
  /// See LoginIdManagement::delete_by_username.
  virtual void delete_by_username(const Username& username, const CallOptions& call = {}) const = 0;

 protected:
  ManagementInterface() = default;  ///< for the implementing classes only
  ManagementInterface(const ManagementInterface&) = default;             ///< for the implementing classes only
  ManagementInterface(ManagementInterface&&) noexcept = default;         ///< for the implementing classes only
  ManagementInterface& operator=(const ManagementInterface&) = default;  ///< for the implementing classes only
  ManagementInterface& operator=(ManagementInterface&&) noexcept = default;  ///< for the implementing classes only
};

/// The management client: everything LoginID offers plus the calls that need a management
/// application's credential. Each call signs a fresh service token with the scope API.md lists
/// for it. Immutable after construction, safe to share between threads, cheap to copy.
///
/// Argument order is one rule: the user first (a UserRef, a Username or a UserId), then the thing
/// acted on (code, credential id, key), then the code type and purpose, then an options struct.
///
/// Errors (all derive from loginid::Error): InvalidArgument before anything is sent (empty name,
/// no user, unknown code type...); ServiceError for the service's refusals (`not_found`,
/// `user_already_exists`, `code_invalid`, `forbidden`, ...), TransportError when no answer came,
/// BadResponse for wrong-shaped answers.
///
/// @code
/// loginid::LoginIdManagement mgmt{client_id, private_key_pem, {.base_url = "http://127.0.0.1:8080"}};
/// loginid::User user = mgmt.add_user_without_credentials(loginid::Username("alice"));
/// @endcode
class LoginIdManagement : public LoginID, public ManagementInterface {
 public:
  /// @throws InvalidArgument when `private_key_pem` is empty (a management client signs every
  ///         call), KeyError for an invalid key; see LoginID::LoginID for the rest.
  LoginIdManagement(std::string client_id, SecretString private_key_pem, Options options = {});
  /// Same with an already parsed key.
  /// @throws InvalidArgument for an empty client id or an insecure/invalid base URL.
  LoginIdManagement(std::string client_id, PrivateKey private_key, Options options = {});

  // ---- codes -------------------------------------------------------------------------------

  /// Generates a code for the user (POST /codes/{code_type}/generate, scope `codes.generate`).
  /// GenerateCodeOptions::authorized makes it pre-authorized (sent as `authorize`). The result
  /// remembers the type and purpose, so it can be passed on whole to wait_code and authorize_code.
  /// @code
  /// const loginid::Username alice("alice");
  /// auto code = mgmt.generate_code(alice, loginid::CodeType::short_code, loginid::CodePurpose::temporary_authentication);
  /// @endcode
  /// @throws InvalidArgument (no user, empty or non-UTF-8 username or user id, a code type or
  ///         purpose outside the enums) before anything is sent.
  /// @throws ServiceError (`not_found` for an unknown user, `user_inactive` 403, ...),
  ///         TransportError, BadResponse.
  /// @throws Cancelled as soon as `call.cancellation` is cancelled (never retried); the limits of
  ///         `call` (deadline, timeout, retry) replace the client's Options for this call.
  [[nodiscard]] CodeResult generate_code(const UserRef& user, CodeType code_type, CodePurpose purpose,
                                         const GenerateCodeOptions& options = {}, const CallOptions& call = {}) const override;

  /// Authorizes a code (POST /codes/{code_type}/authorize, scope `codes.authorize`), waking a
  /// wait_code for it.
  /// @code
  /// mgmt.authorize_code(alice, code_the_user_typed, loginid::CodeType::short_code,
  ///                     loginid::CodePurpose::temporary_authentication);
  /// @endcode
  /// @throws InvalidArgument (no user, empty code, a code type or purpose outside the enums)
  ///         before anything is sent.
  /// @throws ServiceError (`code_invalid` 400 for a wrong or used code, `code_expired` 410,
  ///         `not_found`, ...), TransportError, BadResponse.
  /// @throws Cancelled as soon as `call.cancellation` is cancelled (never retried); the limits of
  ///         `call` (deadline, timeout, retry) replace the client's Options for this call.
  AuthorizeResult authorize_code(const UserRef& user, std::string_view code, CodeType code_type,
                                 CodePurpose purpose, const CallOptions& call = {}) const override;
  /// authorize_code for a code generate_code returned: its text, type and purpose come from `code`.
  /// @code
  /// mgmt.authorize_code(alice, code);
  /// @endcode
  /// @throws as the overload above.
  /// @throws Cancelled as soon as `call.cancellation` is cancelled (never retried); the limits of
  ///         `call` (deadline, timeout, retry) replace the client's Options for this call.
  AuthorizeResult authorize_code(const UserRef& user, const CodeResult& code, const CallOptions& call = {}) const override;

  /// Invalidates every live code of this type and purpose for the user
  /// (POST /codes/{code_type}/invalidate-all, scope `codes.invalidate`).
  /// @throws InvalidArgument (no user, a code type or purpose outside the enums) before anything
  ///         is sent; ServiceError (`not_found`, ...), TransportError, BadResponse.
  /// @throws Cancelled as soon as `call.cancellation` is cancelled (never retried); the limits of
  ///         `call` (deadline, timeout, retry) replace the client's Options for this call.
  InvalidateResult invalidate_all_codes(const UserRef& user, CodeType code_type, CodePurpose purpose,
                                        const CallOptions& call = {}) const override;

  // ---- credentials -------------------------------------------------------------------------

  /// The user's credentials (POST /credentials/list, scope `credentials.list`), optionally only
  /// those with `status` (CredentialStatus::active, inactive, revoked, or a newer status the service
  /// knows).
  /// @code
  /// for (const auto& c : mgmt.get_credentials(loginid::Username("alice")).credentials) { ... }
  /// @endcode
  /// @throws InvalidArgument (no user, an empty status) before anything is sent; ServiceError
  ///         (`not_found`, ...), TransportError, BadResponse.
  /// @throws Cancelled as soon as `call.cancellation` is cancelled (never retried); the limits of
  ///         `call` (deadline, timeout, retry) replace the client's Options for this call.
  [[nodiscard]] CredentialList get_credentials(const UserRef& user,
                                               const std::optional<CredentialStatus>& status = std::nullopt,
                                               const CallOptions& call = {}) const override;

  /// Renames a credential (POST /credentials/rename, scope `credentials.rename`).
  /// @code
  /// mgmt.rename_credential(alice, loginid::CredentialId(credential.uuid), "Work phone");
  /// @endcode
  /// @throws InvalidArgument (no user, an empty `credential_id` or `new_name`) before anything is
  ///         sent; ServiceError (`not_found`, ...), TransportError, BadResponse.
  /// @throws Cancelled as soon as `call.cancellation` is cancelled (never retried); the limits of
  ///         `call` (deadline, timeout, retry) replace the client's Options for this call.
  CredentialResult rename_credential(const UserRef& user, const CredentialId& credential_id,
                                     std::string_view new_name, const CallOptions& call = {}) const override;

  /// Revokes a credential (POST /credentials/revoke, scope `credentials.revoke`).
  /// @throws InvalidArgument (no user, an empty `credential_id`) before anything is sent;
  ///         ServiceError (`not_found`, ...), TransportError, BadResponse.
  /// @throws Cancelled as soon as `call.cancellation` is cancelled (never retried); the limits of
  ///         `call` (deadline, timeout, retry) replace the client's Options for this call.
  CredentialResult revoke_credential(const UserRef& user, const CredentialId& credential_id,
                                     const CallOptions& call = {}) const override;

  /// Registers a public key as a credential of the user (POST /credentials/publickey, scope
  /// `credentials.force_add`, `publickey_alg` ES256). A returned JWT is verified like
  /// wait_code's (without a username check when the user is given by id only).
  /// @throws InvalidArgument (no user, empty PEM or name) and KeyError (a subclass of
  ///         InvalidArgument: not an EC P-256 public key) before anything is sent.
  /// @throws ServiceError (`not_found`, `credential_exists` 409, ...), TransportError, BadResponse.
  /// @throws TokenError when a returned JWT does not verify.
  /// @throws Cancelled as soon as `call.cancellation` is cancelled (never retried); the limits of
  ///         `call` (deadline, timeout, retry) replace the client's Options for this call.
  AuthResult add_publickey_credential(const UserRef& user, std::string_view public_key_pem,
                                      std::optional<std::string_view> credential_name = std::nullopt,
                                      const CallOptions& call = {}) const override;

  /// Starts adding a passkey to a user without a code (POST /credentials/fido2/init/force, scope
  /// `credentials.force_add`): the backend vouches for the user. The page completes it, through
  /// complete_add_fido2_credential of this client or of the namespace's web application's LoginID.
  /// @code
  /// auto init = mgmt.force_fido2_credential_init(mgmt.get_user_id(loginid::Username("alice@example.com")));
  /// send_to_page(init.attestation_payload);
  /// @endcode
  /// @throws InvalidArgument (empty user id or option) before anything is sent; ServiceError
  ///         (`not_found`, ...), TransportError, BadResponse.
  /// @throws Cancelled as soon as `call.cancellation` is cancelled (never retried); the limits of
  ///         `call` (deadline, timeout, retry) replace the client's Options for this call.
  [[nodiscard]] Fido2AttestationInit force_fido2_credential_init(const UserId& user_id,
                                                                  const Fido2CredentialOptions& options = {},
                                                                  const CallOptions& call = {}) const override;

  /// Generates a recovery code for the user (POST /credentials/recovery-code, scope
  /// `credentials.add_recovery`): words the user writes down. The service stores only a hash, so
  /// this answer is the only time the code is seen.
  /// @code
  /// loginid::RecoveryCode rc = mgmt.generate_recovery_code(loginid::Username("alice"));
  /// @endcode
  /// @throws InvalidArgument (no user) before anything is sent; ServiceError (`not_found`, ...),
  ///         TransportError, BadResponse.
  /// @throws Cancelled as soon as `call.cancellation` is cancelled (never retried); the limits of
  ///         `call` (deadline, timeout, retry) replace the client's Options for this call.
  RecoveryCode generate_recovery_code(const UserRef& user, const CallOptions& call = {}) const override;

  // ---- users -------------------------------------------------------------------------------

  /// The user with this username (POST /manage/users/retrieve, scope `users.retrieve`).
  /// @code
  /// loginid::User u = mgmt.get_user(loginid::Username("alice"));
  /// @endcode
  /// @throws InvalidArgument (empty or non-UTF-8 username) before anything is sent.
  /// @throws ServiceError `not_found` for an unknown user; TransportError, BadResponse.
  /// @throws Cancelled as soon as `call.cancellation` is cancelled (never retried); the limits of
  ///         `call` (deadline, timeout, retry) replace the client's Options for this call.
  [[nodiscard]] User get_user(const Username& username, const CallOptions& call = {}) const override;

  /// get_user(username).id, typed for the calls that take a user id.
  /// @throws as get_user.
  /// @throws Cancelled as soon as `call.cancellation` is cancelled (never retried); the limits of
  ///         `call` (deadline, timeout, retry) replace the client's Options for this call.
  [[nodiscard]] UserId get_user_id(const Username& username, const CallOptions& call = {}) const override;

  /// Creates a user with no credential (POST /manage/users, scope `users.create`).
  /// @throws InvalidArgument (empty or non-UTF-8 username) before anything is sent.
  /// @throws ServiceError `user_already_exists` (409); TransportError, BadResponse.
  /// @throws Cancelled as soon as `call.cancellation` is cancelled (never retried); the limits of
  ///         `call` (deadline, timeout, retry) replace the client's Options for this call.
  User add_user_without_credentials(const Username& username, const CallOptions& call = {}) const override;

  /// Deactivates a user (PUT /manage/users/{user_id}/deactivate, scope `users.deactivate`); an
  /// inactive user cannot authenticate (`user_inactive`). Returns the updated user.
  /// @throws InvalidArgument (empty user id) before anything is sent; ServiceError `not_found`;
  ///         TransportError, BadResponse.
  /// @throws Cancelled as soon as `call.cancellation` is cancelled (never retried); the limits of
  ///         `call` (deadline, timeout, retry) replace the client's Options for this call.
  User deactivate_user(const UserId& user_id, const CallOptions& call = {}) const override;

  /// Re-activates a user (PUT /manage/users/{user_id}/activate, scope `users.activate`).
  /// @throws as deactivate_user.
  /// @throws Cancelled as soon as `call.cancellation` is cancelled (never retried); the limits of
  ///         `call` (deadline, timeout, retry) replace the client's Options for this call.
  User activate_user(const UserId& user_id, const CallOptions& call = {}) const override;

  /// Deletes a user with its credentials and codes (DELETE /manage/users/{user_id}, scope `users.delete`).
  /// @throws as deactivate_user.
  /// @throws Cancelled as soon as `call.cancellation` is cancelled (never retried); the limits of
  ///         `call` (deadline, timeout, retry) replace the client's Options for this call.
  void delete_by_user_id(const UserId& user_id, const CallOptions& call = {}) const override;

  /// Deletes a user by username (POST /manage/users/delete, scope `users.delete`).
  /// @throws InvalidArgument (empty username) before anything is sent; ServiceError `not_found`;
  ///         TransportError, BadResponse.
  /// @throws Cancelled as soon as `call.cancellation` is cancelled (never retried); the limits of
  ///         `call` (deadline, timeout, retry) replace the client's Options for this call.
  void delete_by_username(const Username& username, const CallOptions& call = {}) const override;
};

}  // namespace loginid::inline v1
