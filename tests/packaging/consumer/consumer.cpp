// An outside program using only the installed headers and library: signs a token and verifies it.
#include <loginid/jwt.hpp>
#include <loginid/keys.hpp>

#include <cstdio>

int main() {
  const auto key = loginid::PrivateKey::generate();
  const auto token = loginid::sign_jwt({{"sub", "consumer"}, {"aud", "pkg"}}, key);
  loginid::VerifyPolicy policy;
  policy.audience = "pkg";
  std::error_code ec;
  const auto claims = loginid::verify_jwt(token, key.public_key(), policy, ec);
  if (!claims || (*claims)["sub"] != "consumer") {
    std::fprintf(stderr, "consumer: verification failed: %s\n", ec.message().c_str());
    return 1;
  }
  std::puts("consumer: signed and verified with the installed loginid");
  return 0;
}
