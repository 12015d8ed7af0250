#include "login_handler.hpp"

namespace shop {

LoginOutcome LoginHandler::login_with_code(std::string_view username, std::string_view code) const {
  try {
    const loginid::AuthResult auth = loginid_.wait_code(loginid::Username(username), code, loginid::CodeType::short_code);
    // wait_code verified the token already (signature, audience, username): its claims are trusted.
    return LoginOutcome{.logged_in = true, .user_id = auth.claims->subject().value_or(""), .session = *auth.jwt};
  } catch (const loginid::ServiceError& e) {
    if (e.code() == loginid::ServiceCode::code_expired || e.code() == loginid::ServiceCode::code_timeout) {
      return LoginOutcome{.message = "The code expired. Ask for a new one."};
    }
    if (e.code() == loginid::ServiceCode::code_invalid) return LoginOutcome{.message = "That code is not right."};
    if (e.code() == loginid::ServiceCode::user_inactive) return LoginOutcome{.message = "This account is disabled."};
    return LoginOutcome{.message = "Login failed. Try again later."};
  } catch (const loginid::TransportError&) {
    return LoginOutcome{.message = "Login is unavailable right now. Try again in a minute."};
  }
}

bool LoginHandler::session_is_valid(std::string_view session, std::string_view username) const {
  return loginid_.verify_token(session, loginid::Username(username));
}

}  // namespace shop
