#pragma once
// "Your code": the login step of a web backend, which is what a unit test of yours is about. The
// user typed the code shown on another device; the handler waits until that device authorizes it
// and turns LoginID's answer into a session, or into a message the page can show.

#include <optional>
#include <string>
#include <string_view>

#include <loginid/loginid.hpp>

namespace shop {

/// What the page gets back.
struct LoginOutcome {
  bool logged_in = false;
  std::string user_id{};  ///< LoginID's id of the user (the token's `sub`), when logged in
  std::string session{};  ///< the user token to keep as the session, when logged in
  std::string message{};  ///< for the user, when not logged in
};

/// Takes the client as a loginid::ClientInterface: a LoginID in production, a mock in a test (a
/// LoginID pointed at the fake service works too).
class LoginHandler {
 public:
  explicit LoginHandler(const loginid::ClientInterface& loginid) : loginid_(loginid) {}

  /// Waits for `code` (a short code) to be authorized for `username`.
  [[nodiscard]] LoginOutcome login_with_code(std::string_view username, std::string_view code) const;
  /// Whether `session` (a user token kept from a login) is still good for `username`.
  [[nodiscard]] bool session_is_valid(std::string_view session, std::string_view username) const;

 private:
  const loginid::ClientInterface& loginid_;
};

}  // namespace shop
