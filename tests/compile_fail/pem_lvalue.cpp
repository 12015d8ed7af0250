// The private-key PEM is taken as a SecretString (issue 16, finding 8): a std::string lvalue, which
// would leave an unwiped copy of the key with the caller, does not compile; an rvalue (the caller's
// buffer is taken over and wiped) or an explicit copy into a SecretString does.
#include <loginid/loginid.hpp>

#include <string>
#include <utility>

void make_clients(std::string pem) {
#ifdef LOGINID_MISUSE
  const loginid::LoginID client("client-id", pem);  // MISUSE: an lvalue PEM
#else
  const loginid::LoginID copy("client-id", loginid::SecretString(std::string_view(pem)));
  const loginid::LoginIdManagement moved("client-id", std::move(pem));
#endif
}
