#include "webauthn/client_data.hpp"

#include <algorithm>

#include "jose/json_strict.hpp"
#include "webauthn/failure_message.hpp"
#include "webauthn/limits.hpp"

namespace loginid::webauthn::detail {
namespace {

using nlohmann::json;

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

Failure malformed(std::string_view what) { return fail(Errc::malformed_client_data, what); }

/// A string member: nullopt when absent, a failure when present with another JSON type.
std::optional<Failure> string_member(const json& object, const char* name, std::optional<std::string>& out) {
  const auto it = object.find(name);
  if (it == object.end()) {
    return std::nullopt;
  }
  if (!it->is_string()) {
    return malformed(std::string("clientDataJSON.") + name + " is not a string");
  }
  out = it->get<std::string>();
  return std::nullopt;
}

std::optional<Failure> read_members(const json& object, ClientData& c) {
  for (const auto& [name, field] : {std::pair{"type", &c.type}, std::pair{"challenge", &c.challenge},
                                    std::pair{"origin", &c.origin}, std::pair{"topOrigin", &c.top_origin}}) {
    if (auto failure = string_member(object, name, *field)) {
      return failure;
    }
  }
  const auto cross = object.find("crossOrigin");
  if (cross != object.end()) {
    if (!cross->is_boolean()) {
      return malformed("clientDataJSON.crossOrigin is not a boolean");
    }
    c.cross_origin = cross->get<bool>();
  }
  return std::nullopt;
}

bool listed(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

Result<ClientData> parse_client_data(std::string_view client_data_json) {
  if (client_data_json.size() > limits::kMaxClientDataJsonBytes) {
    return malformed("clientDataJSON is " + std::to_string(client_data_json.size()) + " bytes; the limit is " +
                     std::to_string(limits::kMaxClientDataJsonBytes));
  }
  if (client_data_json.substr(0, kUtf8Bom.size()) == kUtf8Bom) {
    client_data_json.remove_prefix(kUtf8Bom.size());
  }
  loginid::detail::JsonProblem problem{};
  const auto object = loginid::detail::parse_json_object_strict(client_data_json, problem);
  if (!object) {
    return malformed("clientDataJSON: " + loginid::detail::describe(problem));
  }
  ClientData c;
  if (auto failure = read_members(*object, c)) {
    return std::move(*failure);
  }
  return c;
}

std::optional<Failure> check_type(const ClientData& c, Ceremony ceremony) {
  const std::string_view want = ceremony == Ceremony::create ? "webauthn.create" : "webauthn.get";
  if (!c.type) {
    return fail(Errc::type_mismatch, "clientDataJSON has no type; expected \"" + std::string(want) + "\"");
  }
  if (*c.type != want) {
    return fail(Errc::type_mismatch,
                "clientDataJSON.type is " + quote_input(*c.type) + ", expected \"" + std::string(want) + "\"");
  }
  return std::nullopt;
}

std::optional<Failure> check_challenge(const ClientData& c, std::string_view expected) {
  if (!c.challenge) {
    return fail(Errc::challenge_mismatch, "clientDataJSON has no challenge");
  }
  if (*c.challenge != expected) {
    return fail(Errc::challenge_mismatch, "clientDataJSON.challenge is " + quote_input(*c.challenge) +
                                              ", expected the challenge issued, " + quote_input(expected));
  }
  return std::nullopt;
}

std::optional<Failure> check_origin(const ClientData& c, const Policy& policy) {
  if (!c.origin) {
    return fail(Errc::origin_mismatch, "clientDataJSON has no origin");
  }
  if (listed(policy.allowed_origins, *c.origin) || (policy.origin_allowed && policy.origin_allowed(*c.origin))) {
    return std::nullopt;
  }
  return fail(Errc::origin_mismatch,
              "clientDataJSON.origin is " + quote_input(*c.origin, 128) + ", which is not an allowed origin");
}

std::optional<Failure> check_cross_origin(const ClientData& c, const Policy& policy) {
  if (c.cross_origin && !policy.allow_cross_origin) {
    return fail(Errc::cross_origin_not_allowed,
                "clientDataJSON.crossOrigin is true, and the relying party does not allow cross-origin iframes");
  }
  return std::nullopt;
}

std::optional<Failure> check_top_origin(const ClientData& c, const Policy& policy) {
  if (!c.top_origin) {
    return std::nullopt;
  }
  if (!policy.allow_cross_origin) {
    return fail(Errc::top_origin_mismatch, "clientDataJSON.topOrigin is " + quote_input(*c.top_origin, 128) +
                                               ", and the relying party does not allow cross-origin iframes");
  }
  if (!listed(policy.allowed_top_origins, *c.top_origin)) {
    return fail(Errc::top_origin_mismatch,
                "clientDataJSON.topOrigin is " + quote_input(*c.top_origin, 128) + ", which is not an allowed top origin");
  }
  return std::nullopt;
}

std::optional<Failure> verify_client_data(std::string_view client_data_json, Ceremony ceremony,
                                          std::string_view expected_challenge, const Policy& policy) {
  auto parsed = parse_client_data(client_data_json);
  if (!parsed) {
    return std::move(parsed).failure();
  }
  const ClientData& c = parsed.value();
  if (auto f = check_type(c, ceremony)) {
    return f;
  }
  if (auto f = check_challenge(c, expected_challenge)) {
    return f;
  }
  if (auto f = check_origin(c, policy)) {
    return f;
  }
  if (auto f = check_cross_origin(c, policy)) {
    return f;
  }
  return check_top_origin(c, policy);
}

}  // namespace loginid::webauthn::detail
