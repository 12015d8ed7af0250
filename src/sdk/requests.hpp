#pragma once
// Local validation of arguments and building blocks of the requests of API.md. Everything here
// runs before a request is sent, so a bad argument costs no round trip and never reaches the wire.

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "loginid/error.hpp"
#include "loginid/types.hpp"
#include "service_client.hpp"
#include "types_parse.hpp"

namespace loginid::detail {

/// Throws InvalidArgument("<argument>: must not be empty") / ("<argument>: not valid UTF-8").
void require_text(std::string_view value, std::string_view argument);

/// Like require_text, for an optional argument: checked only when present.
void require_optional_text(const std::optional<std::string_view>& value, std::string_view argument);

/// Adds `user_id` and/or `username` (both when both are given) to `body`. Throws
/// InvalidArgument naming `user` when neither is present and non-empty.
void add_user_ref(nlohmann::json& body, const UserRef& user);

/// The username to check `udata` against when the call named one.
std::optional<std::string_view> username_of(const UserRef& user) noexcept;

/// "/codes/<type>/<action>" for a validated code type.
std::string code_path(CodeType type, std::string_view action);

/// "/manage/users/<percent-encoded user_id><suffix>"; validates `user_id`.
std::string user_path(const UserId& user_id, std::string_view suffix = {});


/// The browser's answer to a FIDO2 init, relayed to a complete call: `text` must be a JSON object
/// whose `challenge` is a non-empty string and whose `binary_members` are non-empty base64url
/// strings; other members pass through untouched. Throws InvalidArgument naming
/// "<argument>.<member>" and what is wrong, never echoing the value.
nlohmann::json browser_answer(std::string_view text, std::string_view argument,
                              std::initializer_list<std::string_view> required_ids,
                              std::initializer_list<std::string_view> binary_members);

/// The `options` object of a FIDO2 init that makes a credential (API.md), or nullopt when every
/// option has its default (the body then carries no `options`, as the published SDKs send it).
std::optional<nlohmann::json> fido2_create_options(const Fido2RegisterOptions& options);
std::optional<nlohmann::json> fido2_create_options(const Fido2CredentialOptions& options);

/// Adds `no_jwt` (when asked) and `options.credential_name` (when given) to a FIDO2 complete's body.
void add_fido2_complete_options(nlohmann::json& body, const Fido2CompleteOptions& options);

/// Runs `parser` on the answer's JSON (moved out of `answer`); a wrong shape becomes BadResponse
/// carrying the answer's status and request id.
template <typename Parser>
auto parse_answer(ApiResponse&& answer, Parser parser) -> decltype(parser(nlohmann::json())) {
  try {
    return parser(std::move(answer.json));
  } catch (const BadShape& e) {
    throw BadResponse(answer.status, e.what(), answer.request_id);
  }
}

}  // namespace loginid::detail
