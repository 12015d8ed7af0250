// The client interfaces (issue 16, finding 6) cannot be copied through a reference: a copy would
// slice a LoginID, or a mock, into an object of the abstract interface. Code holds the interface by
// reference; copies are made of the concrete class.
#include <loginid/loginid.hpp>

void keep(const loginid::ClientInterface& client, const loginid::LoginID& concrete) {
#ifdef LOGINID_MISUSE
  auto copy = client;  // MISUSE: copying through the interface
#else
  const loginid::ClientInterface& alias = client;
  const loginid::LoginID copy = concrete;
  (void)alias;
  (void)copy;
#endif
}
