// A username and a user id are different types (issue 16, finding 5): a Username does not go where
// a UserId is expected, so deactivating "the user called alice" cannot send "alice" as an id.
#include <loginid/loginid.hpp>

void deactivate(const loginid::LoginIdManagement& mgmt) {
  const loginid::Username alice("alice");
#ifdef LOGINID_MISUSE
  (void)mgmt.deactivate_user(alice);  // MISUSE: a Username where a UserId belongs
#else
  (void)mgmt.deactivate_user(mgmt.get_user_id(alice));
#endif
}
