// wait_code's "no user token" switch is a named option (issue 16, finding 5): a bare `true` does
// not compile where WaitCodeOptions is expected.
#include <loginid/loginid.hpp>

void wait_without_jwt(const loginid::LoginID& client) {
  const loginid::Username alice("alice");
#ifdef LOGINID_MISUSE
  (void)client.wait_code(alice, "123456", loginid::CodeType::short_code, true);  // MISUSE: a bool for WaitCodeOptions
#else
  (void)client.wait_code(alice, "123456", loginid::CodeType::short_code, {.no_jwt = true});
#endif
}
