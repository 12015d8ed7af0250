// An outside program using only the installed headers and library: builds a management client
// (no network needed), signs a service token with it and verifies that token with the public key.
#include <loginid/loginid.hpp>

#include <cstdio>
#include <string>

int main() {
  const auto key = loginid::PrivateKey::generate();
  std::string pem{key.to_pem().view()};
  const loginid::LoginIdManagement client{"consumer-client", std::move(pem),
                                          loginid::Options{.base_url = "http://127.0.0.1:9"}};
  const auto token = client.generate_service_token("users.retrieve", {.username = "alice"});
  std::error_code ec;
  const auto claims = loginid::verify_jwt(token, key.public_key(), {}, ec);
  if (!claims || (*claims)["type"] != "users.retrieve" || (*claims)["client_id"] != "consumer-client") {
    std::fprintf(stderr, "consumer: the service token did not verify: %s\n", ec.message().c_str());
    return 1;
  }
  std::puts("consumer: signed and verified a service token with the installed loginid");
  return 0;
}
