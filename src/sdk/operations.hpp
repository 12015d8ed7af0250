#pragma once
// The request description (operation.hpp) of every network function of LoginID and
// LoginIdManagement, by the function's name. Each validates its arguments (InvalidArgument,
// KeyError, before anything is sent) and returns what to send and how to read the answer; the
// public function runs it with the caller's CallOptions (ClientState::run), and the async engine
// runs the very same description. Defined in client.cpp and management.cpp. The descriptions
// refer to `state`, which must outlive them (hold the client's shared state while one runs).

#include <optional>
#include <string_view>

#include "client_state.hpp"
#include "loginid/ids.hpp"
#include "loginid/types.hpp"
#include "operation.hpp"

namespace loginid::detail::ops {

// ---- LoginID (client.cpp) ----
Operation<TxResult> create_transaction(const ClientState& state, std::string_view tx_payload, const TxOptions& options);
Operation<AuthResult> wait_code(const ClientState& state, const Username& username, std::string_view code,
                                CodeType code_type, const WaitCodeOptions& options);
Operation<AuthResult> register_password(const ClientState& state, const Username& username, std::string_view password,
                                        std::optional<std::string_view> password_confirmation);
Operation<AuthResult> authenticate_password(const ClientState& state, const Username& username,
                                            std::string_view password);
Operation<PublicKeyChallenge> authenticate_publickey_init(const ClientState& state, const Username& username,
                                                          std::string_view public_key_pem);
Operation<AuthResult> authenticate_publickey_complete(const ClientState& state, const Username& username,
                                                      const PublicKeyChallenge& challenge, std::string_view assertion);
Operation<Fido2AttestationInit> register_fido2_init(const ClientState& state, const Username& username,
                                                    const Fido2RegisterOptions& options);
Operation<AuthResult> register_fido2_complete(const ClientState& state, const Username& username,
                                              std::string_view attestation_payload, const Fido2CompleteOptions& options);
Operation<Fido2AssertionInit> authenticate_fido2_init(const ClientState& state, const Username& username);
Operation<AuthResult> authenticate_fido2_complete(const ClientState& state, const Username& username,
                                                  std::string_view assertion_payload,
                                                  const Fido2AuthenticateOptions& options);
Operation<Fido2AttestationInit> init_add_fido2_credential_with_code(const ClientState& state, const Username& username,
                                                                    std::string_view code, CodeType code_type,
                                                                    const Fido2CredentialOptions& options);
Operation<AuthResult> complete_add_fido2_credential(const ClientState& state, const Username& username,
                                                    std::string_view attestation_payload,
                                                    const Fido2CompleteOptions& options);

// ---- LoginIdManagement (management.cpp) ----
Operation<CodeResult> generate_code(const ClientState& state, const UserRef& user, CodeType code_type,
                                    CodePurpose purpose, const GenerateCodeOptions& options);
Operation<AuthorizeResult> authorize_code(const ClientState& state, const UserRef& user, std::string_view code,
                                          CodeType code_type, CodePurpose purpose);
Operation<InvalidateResult> invalidate_all_codes(const ClientState& state, const UserRef& user, CodeType code_type,
                                                 CodePurpose purpose);
Operation<CredentialList> get_credentials(const ClientState& state, const UserRef& user,
                                          const std::optional<CredentialStatus>& status);
Operation<CredentialResult> rename_credential(const ClientState& state, const UserRef& user,
                                              const CredentialId& credential_id, std::string_view new_name);
Operation<CredentialResult> revoke_credential(const ClientState& state, const UserRef& user,
                                              const CredentialId& credential_id);
Operation<AuthResult> add_publickey_credential(const ClientState& state, const UserRef& user,
                                               std::string_view public_key_pem,
                                               std::optional<std::string_view> credential_name);
Operation<Fido2AttestationInit> force_fido2_credential_init(const ClientState& state, const UserId& user_id,
                                                            const Fido2CredentialOptions& options);
Operation<RecoveryCode> generate_recovery_code(const ClientState& state, const UserRef& user);
Operation<User> get_user(const ClientState& state, const Username& username);
/// get_user, answering only the user's id.
Operation<UserId> get_user_id(const ClientState& state, const Username& username);
Operation<User> add_user_without_credentials(const ClientState& state, const Username& username);
Operation<User> deactivate_user(const ClientState& state, const UserId& user_id);
Operation<User> activate_user(const ClientState& state, const UserId& user_id);
Operation<void> delete_by_user_id(const ClientState& state, const UserId& user_id);
Operation<void> delete_by_username(const ClientState& state, const Username& username);

}  // namespace loginid::detail::ops
