// app.cpp: c++ -std=c++20 -o app app.cpp $(pkg-config --cflags --libs loginid)
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include <loginid/loginid.hpp>

// Configuration from the environment, named as the `loginid` CLI names it.
std::string require_env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') throw std::runtime_error(std::string(name) + " is not set");
  return value;
}

int main() try {
  // The management application's client id and private key (PEM); the PEM copy is wiped once parsed.
  const std::string client_id = require_env("LOGINID_CLIENT_ID");
  const loginid::LoginIdManagement mgmt(client_id, require_env("LOGINID_PRIVATE_KEY"));
  const loginid::Username alice("alice@example.com");  // a Username, never confused with an id or a code
  try {
    std::printf("alice is %s\n", mgmt.get_user_id(alice).str().c_str());
  } catch (const loginid::ServiceError& e) {  // the service said no: e.status(), e.code(), e.message()
    if (e.code() != loginid::ServiceCode::not_found) throw;
    std::printf("created alice: %s\n", mgmt.add_user_without_credentials(alice).id.c_str());
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "error: %s\n", e.what());
  return 1;
}
