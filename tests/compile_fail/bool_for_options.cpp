// generate_code's "pre-authorized" switch is a named option (issue 16, finding 5): a bare `true`,
// which said nothing at the call site, does not compile where GenerateCodeOptions is expected.
#include <loginid/loginid.hpp>

void make_code(const loginid::LoginIdManagement& mgmt) {
  const loginid::Username alice("alice");
  const auto type = loginid::CodeType::short_code;
  const auto purpose = loginid::CodePurpose::temporary_authentication;
#ifdef LOGINID_MISUSE
  (void)mgmt.generate_code(alice, type, purpose, true);  // MISUSE: a bool instead of GenerateCodeOptions
#else
  (void)mgmt.generate_code(alice, type, purpose, {.authorized = true});
#endif
}
