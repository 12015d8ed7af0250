#pragma once
// clientDataJSON (WebAuthn §5.8.1 CollectedClientData): §7.1 steps 5-11 and §7.2 steps 9-15.

#include <optional>
#include <string>
#include <string_view>

#include "webauthn/result.hpp"
#include "webauthn/verify.hpp"

namespace loginid::webauthn::detail {

enum class Ceremony { create, get };

/// The members the relying party checks; absent ones are nullopt.
struct ClientData {
  std::optional<std::string> type;
  std::optional<std::string> challenge;
  std::optional<std::string> origin;
  bool cross_origin = false;
  std::optional<std::string> top_origin;
};

/// Steps 5-6 / 9-10: UTF-8 decode (a leading BOM is dropped, as UTF-8 decode does) and parse as a
/// JSON object, strictly (duplicate members refused); known members must have their JSON types.
Result<ClientData> parse_client_data(std::string_view client_data_json);

std::optional<Failure> check_type(const ClientData& c, Ceremony ceremony);                  // step 7 / 11
std::optional<Failure> check_challenge(const ClientData& c, std::string_view expected);      // step 8 / 12
std::optional<Failure> check_origin(const ClientData& c, const Policy& policy);              // step 9 / 13
std::optional<Failure> check_cross_origin(const ClientData& c, const Policy& policy);        // step 10 / 14
std::optional<Failure> check_top_origin(const ClientData& c, const Policy& policy);          // step 11 / 15

/// All of the above, in the spec's order; the first failure.
std::optional<Failure> verify_client_data(std::string_view client_data_json, Ceremony ceremony,
                                          std::string_view expected_challenge, const Policy& policy);

}  // namespace loginid::webauthn::detail
