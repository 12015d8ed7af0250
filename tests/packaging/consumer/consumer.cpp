// An outside program using only the installed headers and library: builds a management client
// (no network needed), signs a service token with it and verifies that token with the public key.
// With arguments (tests/packaging/check_deb.sh) it works against a running emulator instead:
//   consumer BASE_URL CLIENT_ID PRIVATE_KEY_FILE USERNAME
// creates USERNAME with the management API, reads it back and prints its id.
// `consumer --version` prints the installed library's release (loginid::version()).
// It must build without nlohmann/json (no public header includes it).
#include <loginid/loginid.hpp>

#ifdef NLOHMANN_JSON_VERSION_MAJOR
#error "a public loginid header included nlohmann/json"
#endif

#include <cstdio>
#include <exception>
#include <fstream>
#include <iterator>
#include <string>

namespace {

int against_emulator(const char* base_url, const char* client_id, const char* key_file, const char* username) {
  std::ifstream in(key_file);
  std::string pem{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (!in) {
    std::fprintf(stderr, "consumer: cannot read %s\n", key_file);
    return 1;
  }
  try {
    const loginid::LoginIdManagement client{client_id, std::move(pem), loginid::Options{.base_url = base_url}};
    const auto created = client.add_user_without_credentials(loginid::Username(username));
    const auto found = client.get_user(loginid::Username(username));
    if (found.id != created.id || found.username != username) {
      std::fprintf(stderr, "consumer: get_user answered another user than the one created\n");
      return 1;
    }
    std::printf("%s\n", found.id.c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "consumer: %s\n", e.what());
    return 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string(argv[1]) == "--version") {
    std::printf("%s\n", loginid::version());
    return 0;
  }
  if (argc == 5) return against_emulator(argv[1], argv[2], argv[3], argv[4]);
  const auto key = loginid::PrivateKey::generate();
  std::string pem{key.to_pem().view()};
  const loginid::LoginIdManagement client{"consumer-client", std::move(pem),
                                          loginid::Options{.base_url = "http://127.0.0.1:9"}};
  const auto token = client.generate_service_token("users.retrieve", {.username = loginid::Username("alice")});
  std::error_code ec;
  const auto claims = loginid::verify_jwt(token, key.public_key(), {}, ec);
  if (!claims || claims->get_string("type") != "users.retrieve" || claims->get_string("client_id") != "consumer-client") {
    std::fprintf(stderr, "consumer: the service token did not verify: %s\n", ec.message().c_str());
    return 1;
  }
  std::puts("consumer: signed and verified a service token with the installed loginid");
  return 0;
}
