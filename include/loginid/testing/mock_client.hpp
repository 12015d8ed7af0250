#pragma once
/// @file mock_client.hpp
/// GoogleMock mocks of the client interfaces: loginid::testkit::MockClient (ClientInterface, what
/// LoginID does) and loginid::testkit::MockManagement (ManagementInterface, what LoginIdManagement
/// does). Header-only; needs GoogleMock (`<gmock/gmock.h>`, CMake `GTest::gmock`), which is why it is
/// a header of its own: the fake service (fake_service.hpp) needs no test framework.
///
/// @code
/// loginid::testkit::MockClient client;
/// EXPECT_CALL(client, verify_token(std::string_view("jwt"), ::testing::_)).WillOnce(::testing::Return(true));
/// my_code_taking_a_client_interface(client);
/// @endcode
///
/// Mocked functions take every argument, default ones included: match them with GoogleMock's `_`.
/// A call with no expectation returns a default-constructed result (GoogleMock's "uninteresting
/// call"); wrap in GoogleMock's `StrictMock` to make such a call fail the test.

#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include <gmock/gmock.h>

#include "loginid/client.hpp"
#include "loginid/management.hpp"

namespace loginid::inline v1::testkit {

/// The mocked ClientInterface functions, over `Interface` (ClientInterface or ManagementInterface),
/// so MockManagement has them without a second list. Use MockClient or MockManagement.
template <class Interface>
class BasicMockClient : public Interface {
 public:
  /// Mocks ClientInterface's function of this name.
  MOCK_METHOD(std::string, generate_service_token, (std::string_view scope, const ServiceTokenOptions& options),
              (const, override));
  /// Mocks ClientInterface's function of this name.
  MOCK_METHOD(bool, verify_token, (std::string_view token, const std::optional<Username>& username, const CallOptions& call),
              (const, noexcept, override));
  /// Mocks ClientInterface's function of this name.
  MOCK_METHOD(std::optional<Claims>, verify_token_claims, (std::string_view token,
                                                           const std::optional<Username>& username,
                                                           std::error_code& ec, const CallOptions& call),
              (const, noexcept, override));
  /// Mocks ClientInterface's function of this name.
  MOCK_METHOD(Claims, verify_token_claims, (std::string_view token, const std::optional<Username>& username, const CallOptions& call),
              (const, override));
  /// Mocks ClientInterface's function of this name.
  MOCK_METHOD(std::string, generate_tx_auth_token, (std::string_view tx_payload, std::optional<std::string_view> nonce),
              (const, override));
  /// Mocks ClientInterface's function of this name.
  MOCK_METHOD(TxResult, create_transaction, (std::string_view tx_payload, const TxOptions& options, const CallOptions& call),
              (const, override));
  /// Mocks ClientInterface's function of this name.
  MOCK_METHOD(bool, verify_transaction, (std::string_view tx_token, std::string_view tx_payload, const CallOptions& call),
              (const, noexcept, override));
  /// Mocks ClientInterface's function of this name.
  MOCK_METHOD(std::optional<Claims>, verify_transaction_claims, (std::string_view tx_token,
                                                                 std::string_view tx_payload, std::error_code& ec, const CallOptions& call),
              (const, noexcept, override));
  /// Mocks ClientInterface's function of this name.
  MOCK_METHOD(Claims, verify_transaction_claims, (std::string_view tx_token, std::string_view tx_payload, const CallOptions& call),
              (const, override));
  /// Mocks ClientInterface's function of this name.
  MOCK_METHOD(AuthResult, wait_code, (const Username& username, std::string_view code, CodeType code_type,
                                      const WaitCodeOptions& options, const CallOptions& call),
              (const, override));
  /// Mocks ClientInterface's function of this name.
  MOCK_METHOD(AuthResult, wait_code, (const Username& username, const CodeResult& code, const WaitCodeOptions& options, const CallOptions& call),
              (const, override));
  /// Mocks ClientInterface's function of this name.
  MOCK_METHOD(AuthResult, register_password, (const Username& username, std::string_view password,
                                              std::optional<std::string_view> password_confirmation, const CallOptions& call),
              (const, override));
  /// Mocks ClientInterface's function of this name.
  MOCK_METHOD(AuthResult, authenticate_password, (const Username& username, std::string_view password, const CallOptions& call),
              (const, override));
  /// Mocks ClientInterface's function of this name.
  MOCK_METHOD(PublicKeyChallenge, authenticate_publickey_init, (const Username& username,
                                                                std::string_view public_key_pem, const CallOptions& call),
              (const, override));
  /// Mocks ClientInterface's function of this name.
  MOCK_METHOD(AuthResult, authenticate_publickey_complete, (const Username& username,
                                                            const PublicKeyChallenge& challenge,
                                                            std::string_view assertion, const CallOptions& call),
              (const, override));
  /// Mocks ClientInterface's function of this name.
  MOCK_METHOD(Fido2AttestationInit, register_fido2_init, (const Username& username,
                                                          const Fido2RegisterOptions& options, const CallOptions& call),
              (const, override));
  /// Mocks ClientInterface's function of this name.
  MOCK_METHOD(AuthResult, register_fido2_complete, (const Username& username, std::string_view attestation_payload,
                                                    const Fido2CompleteOptions& options, const CallOptions& call),
              (const, override));
  /// Mocks ClientInterface's function of this name.
  MOCK_METHOD(Fido2AssertionInit, authenticate_fido2_init, (const Username& username, const CallOptions& call), (const, override));
  /// Mocks ClientInterface's function of this name.
  MOCK_METHOD(AuthResult, authenticate_fido2_complete, (const Username& username, std::string_view assertion_payload,
                                                        const Fido2AuthenticateOptions& options, const CallOptions& call),
              (const, override));
  /// Mocks ClientInterface's function of this name.
  MOCK_METHOD(Fido2AttestationInit, init_add_fido2_credential_with_code, (const Username& username,
                                                                          std::string_view code, CodeType code_type,
                                                                          const Fido2CredentialOptions& options, const CallOptions& call),
              (const, override));
  /// Mocks ClientInterface's function of this name.
  MOCK_METHOD(AuthResult, complete_add_fido2_credential, (const Username& username,
                                                          std::string_view attestation_payload,
                                                          const Fido2CompleteOptions& options, const CallOptions& call),
              (const, override));
};

/// A GoogleMock mock of ClientInterface: pass it where your code takes a `const loginid::ClientInterface&`.
class MockClient : public BasicMockClient<ClientInterface> {};

/// A GoogleMock mock of ManagementInterface (the LoginID functions included): pass it where your
/// code takes a `const loginid::ManagementInterface&` (or a `const loginid::ClientInterface&`).
class MockManagement : public BasicMockClient<ManagementInterface> {
 public:
  /// Mocks ManagementInterface's function of this name.
  MOCK_METHOD(CodeResult, generate_code, (const UserRef& user, CodeType code_type, CodePurpose purpose,
                                          const GenerateCodeOptions& options, const CallOptions& call),
              (const, override));
  /// Mocks ManagementInterface's function of this name.
  MOCK_METHOD(AuthorizeResult, authorize_code, (const UserRef& user, std::string_view code, CodeType code_type,
                                                CodePurpose purpose, const CallOptions& call),
              (const, override));
  /// Mocks ManagementInterface's function of this name.
  MOCK_METHOD(AuthorizeResult, authorize_code, (const UserRef& user, const CodeResult& code, const CallOptions& call), (const, override));
  /// Mocks ManagementInterface's function of this name.
  MOCK_METHOD(InvalidateResult, invalidate_all_codes, (const UserRef& user, CodeType code_type, CodePurpose purpose, const CallOptions& call),
              (const, override));
  /// Mocks ManagementInterface's function of this name.
  MOCK_METHOD(CredentialList, get_credentials, (const UserRef& user, const std::optional<CredentialStatus>& status, const CallOptions& call),
              (const, override));
  /// Mocks ManagementInterface's function of this name.
  MOCK_METHOD(CredentialResult, rename_credential, (const UserRef& user, const CredentialId& credential_id,
                                                    std::string_view new_name, const CallOptions& call),
              (const, override));
  /// Mocks ManagementInterface's function of this name.
  MOCK_METHOD(CredentialResult, revoke_credential, (const UserRef& user, const CredentialId& credential_id, const CallOptions& call),
              (const, override));
  /// Mocks ManagementInterface's function of this name.
  MOCK_METHOD(AuthResult, add_publickey_credential, (const UserRef& user, std::string_view public_key_pem,
                                                     std::optional<std::string_view> credential_name, const CallOptions& call),
              (const, override));
  /// Mocks ManagementInterface's function of this name.
  MOCK_METHOD(Fido2AttestationInit, force_fido2_credential_init, (const UserId& user_id,
                                                                  const Fido2CredentialOptions& options, const CallOptions& call),
              (const, override));
  /// Mocks ManagementInterface's function of this name.
  MOCK_METHOD(RecoveryCode, generate_recovery_code, (const UserRef& user, const CallOptions& call), (const, override));
  /// Mocks ManagementInterface's function of this name.
  MOCK_METHOD(User, get_user, (const Username& username, const CallOptions& call), (const, override));
  /// Mocks ManagementInterface's function of this name.
  MOCK_METHOD(UserId, get_user_id, (const Username& username, const CallOptions& call), (const, override));
  /// Mocks ManagementInterface's function of this name.
  MOCK_METHOD(User, add_user_without_credentials, (const Username& username, const CallOptions& call), (const, override));
  /// Mocks ManagementInterface's function of this name.
  MOCK_METHOD(User, deactivate_user, (const UserId& user_id, const CallOptions& call), (const, override));
  /// Mocks ManagementInterface's function of this name.
  MOCK_METHOD(User, activate_user, (const UserId& user_id, const CallOptions& call), (const, override));
  /// Mocks ManagementInterface's function of this name.
  MOCK_METHOD(void, delete_by_user_id, (const UserId& user_id, const CallOptions& call), (const, override));
  /// Mocks ManagementInterface's function of this name.
  MOCK_METHOD(void, delete_by_username, (const Username& username, const CallOptions& call), (const, override));
};

}  // namespace loginid::inline v1::testkit
