#pragma once
// The state a LoginID / LoginIdManagement object shares between its copies: the parsed key, the
// request pipeline and the token verifier. Built once, never mutated, so every member function
// may run on many threads at once.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "loginid/keys.hpp"
#include "loginid/options.hpp"
#include "loginid/types.hpp"
#include "operation.hpp"
#include "service_client.hpp"
#include "token_minter.hpp"
#include "token_verifier.hpp"

namespace loginid::detail {

/// Whether a request body holds a secret (a password) that must not outlive the call.
enum class BodySecrecy { plain, secret };

struct ClientState {
  std::string client_id;
  std::optional<PrivateKey> key;
  std::shared_ptr<const ServiceClient> service;
  std::unique_ptr<const TokenVerifier> verifier;
  /// Signs service tokens ahead of need (null when Options::presign is off or there is no key).
  /// Declared last: destroyed first, so its thread stops before the key and pipeline go away.
  std::unique_ptr<TokenMinter> minter;

  /// The private key, or InvalidArgument saying that `operation` needs one.
  [[nodiscard]] const PrivateKey& require_key(std::string_view operation) const;
  /// require_key for a call with service-token scope `scope`.
  [[nodiscard]] const PrivateKey& require_scoped_key(std::string_view scope) const;

  /// A fresh service token for `scope` (random nonce, iat = now), signed now.
  [[nodiscard]] std::string service_token(std::string_view scope) const;
  /// A service token for `scope` for one request: from the minter's stock when it has one ready.
  [[nodiscard]] std::string request_token(std::string_view scope) const;

  /// The request of a call authorized by a service token for `scope` (a fresh one per attempt: its
  /// nonce is single use). With BodySecrecy::secret every string of the body, and its serialized
  /// copy, is wiped once the call is over. InvalidArgument when the client has no private key.
  [[nodiscard]] ApiCall scoped_call(std::string method, std::string path, std::optional<nlohmann::json> body,
                                    std::string_view scope, Idempotency idempotency,
                                    BodySecrecy secrecy = BodySecrecy::plain) const;

  /// The request of a complete call (API.md "complete calls"): POST without a service token, since
  /// the single-use challenge binds it; not repeated once sent (the challenge is used up).
  [[nodiscard]] static ApiCall complete_call(std::string path, nlohmann::json body);

  /// Parses an authentication response and, when it carries a JWT, verifies it within the call's
  /// limits (audience = the client id, `udata` == username when given); TokenError when it does not
  /// verify, Cancelled when the call was cancelled while fetching the key. With `require_jwt`, an
  /// answer without one is Error `bad_response`.
  [[nodiscard]] AuthResult verified_auth_result(ApiResponse answer, std::optional<std::string_view> username,
                                                bool require_jwt, const CallContext& context) const;

  /// Reads an answer with verified_auth_result (the state must outlive the operation).
  [[nodiscard]] std::function<AuthResult(ApiResponse&&, const CallContext&)> auth_reader(
      std::optional<std::string> username, bool require_jwt) const;

  /// Runs `operation` (operation.hpp) within the limits of `call`.
  template <class Result>
  [[gnu::visibility("hidden")]] Result run(const Operation<Result>& operation, const CallOptions& call) const {
    return run_operation(*service, operation, call);
  }
};

/// Builds the state: validates the client id, creates the pipeline (may throw InvalidArgument).
std::shared_ptr<const ClientState> make_client_state(std::string client_id, std::optional<PrivateKey> key,
                                                     Options options);

}  // namespace loginid::detail
