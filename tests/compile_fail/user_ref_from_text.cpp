// A UserRef says whether its text is a username or a user id (issue 16, finding 5):
// `get_credentials({"alice"})` used to compile and send `user_id = "alice"`. It is made only from
// a Username, a UserId or a named factory, never from bare text.
#include <loginid/loginid.hpp>

void list_credentials(const loginid::LoginIdManagement& mgmt) {
#ifdef LOGINID_MISUSE
  (void)mgmt.get_credentials({"alice"});  // MISUSE: is "alice" a username or an id?
#else
  (void)mgmt.get_credentials(loginid::Username("alice"));
  (void)mgmt.get_credentials(loginid::UserRef::by_username("alice"));
  (void)mgmt.get_credentials(loginid::UserId("8d3c6a64-8a3f-4d55-9d6e-3b1a0c0f0e01"));
#endif
}
