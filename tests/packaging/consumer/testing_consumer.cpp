// An outside test program using the installed loginid::testing (the fake LoginID service): a client
// pointed at the fake verifies a user token the fake minted, and a scripted refusal reaches it as a
// ServiceError. No test framework and no nlohmann/json: the testing headers need neither.
#include <loginid/loginid.hpp>
#include <loginid/testing/fake_service.hpp>

#ifdef NLOHMANN_JSON_VERSION_MAJOR
#error "a public loginid header included nlohmann/json"
#endif

#include <cstdio>

int main() {
  loginid::testkit::FakeService fake;
  const loginid::LoginIdManagement client{fake.client_id(), loginid::PrivateKey::generate(), fake.client_options()};
  if (!client.verify_token(fake.user_token("alice"), loginid::Username("alice"))) {
    std::fprintf(stderr, "testing_consumer: the fake's token did not verify\n");
    return 1;
  }
  fake.on("POST", "/manage/users/retrieve", loginid::testkit::FakeService::error(404, "not_found", "no such user"));
  try {
    (void)client.get_user(loginid::Username("ghost"));
    std::fprintf(stderr, "testing_consumer: the scripted 404 did not reach the caller\n");
    return 1;
  } catch (const loginid::ServiceError& e) {
    if (e.status() != 404) return 1;
  }
  std::puts("testing consumer ok");
  return 0;
}
