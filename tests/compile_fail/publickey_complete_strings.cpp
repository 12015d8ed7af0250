// authenticate_publickey_complete takes the challenge authenticate_publickey_init returned
// (issue 16, finding 5): the three adjacent strings (username, challenge id, assertion), which
// compiled in any order, are gone.
#include <loginid/loginid.hpp>

#include <string>

void complete_login(const loginid::LoginID& client, const loginid::PublicKeyChallenge& challenge,
                    const std::string& assertion) {
#ifdef LOGINID_MISUSE
  (void)client.authenticate_publickey_complete(loginid::Username("alice"), challenge.challenge_id, assertion);  // MISUSE: an id string
#else
  (void)client.authenticate_publickey_complete(loginid::Username("alice"), challenge, assertion);
#endif
}
