// The C++ SDK's side of the browser tests: verifies, with loginid::LoginID, a token that Chromium's
// authenticator obtained through the published browser SDK, exactly as an application's backend
// would, and prints the outcome as one line of JSON for the test to read.
//   verify_token_check <credentials file> token <jwt> [username]   -> LoginID::verify_token(_claims)
//   verify_token_check <credentials file> tx <jwt> <tx_payload>      -> LoginID::verify_transaction(_claims)
// Exit 0 with {"ok":true,"claims":{...}} when the token verifies, 1 with {"ok":false,"reason":"..."}
// when it does not, 2 on a usage error. The credentials file is the one loginid-emulator writes.

#include <cstdio>
#include <fstream>
#include <optional>
#include <string>
#include <system_error>

#include <loginid/loginid.hpp>
#include <nlohmann/json.hpp>

namespace {

int usage() {
  std::fputs("usage: verify_token_check <credentials file> token <jwt> [username]\n"
             "       verify_token_check <credentials file> tx <jwt> <tx_payload>\n", stderr);
  return 2;
}

int print_outcome(bool bool_answer, const std::optional<loginid::Claims>& claims, const std::error_code& reason) {
  // The bool API and the claims API must agree; a disagreement is a bug the test must see.
  if (bool_answer != claims.has_value()) {
    std::printf("%s\n", nlohmann::json{{"ok", false}, {"reason", "the bool and claims APIs disagree"}}.dump().c_str());
    return 1;
  }
  const nlohmann::json out = claims ? nlohmann::json{{"ok", true}, {"claims", nlohmann::json::parse(claims->to_json())}}
                                    : nlohmann::json{{"ok", false}, {"reason", reason.message()}};
  std::printf("%s\n", out.dump().c_str());
  return claims ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) try {
  if (argc < 4) return usage();
  std::ifstream in(argv[1]);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", argv[1]);
    return 2;
  }
  const auto creds = nlohmann::json::parse(in);
  // Verification needs no private key: only the client id (the audience) and the service's /certs.
  const loginid::LoginID client(creds.at("web").at("client_id").get<std::string>(), std::string{},
                                loginid::Options{.base_url = creds.at("base_url").get<std::string>()});
  const std::string mode = argv[2];
  const std::string token = argv[3];
  std::error_code reason;
  if (mode == "token" && argc <= 5) {
    const std::optional<loginid::Username> username =
        argc == 5 ? std::optional<loginid::Username>(argv[4]) : std::nullopt;
    const bool verified = client.verify_token(token, username);
    const auto claims = client.verify_token_claims(token, username, reason);
    return print_outcome(verified, claims, reason);
  }
  if (mode == "tx" && argc == 5) {
    const bool verified = client.verify_transaction(token, argv[4]);
    const auto claims = client.verify_transaction_claims(token, argv[4], reason);
    return print_outcome(verified, claims, reason);
  }
  return usage();
} catch (const std::exception& e) {
  std::fprintf(stderr, "verify_token_check: %s\n", e.what());
  return 2;
}
