// wait_code takes the user first, as a loginid::Username (issue 16, finding 5): a call with the
// code and the username swapped, both plain text, used to compile and send the code as the
// username. Now text never converts to a Username, so the swap does not compile.
#include <loginid/loginid.hpp>

void wait_for_code(const loginid::LoginID& client) {
#ifdef LOGINID_MISUSE
  (void)client.wait_code("123456", "alice", loginid::CodeType::short_code);  // MISUSE: code and username swapped
#else
  (void)client.wait_code(loginid::Username("alice"), "123456", loginid::CodeType::short_code);
#endif
}
