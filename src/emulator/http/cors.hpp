#pragma once
// CORS for browser pages (docs/emulator.md, "CORS"). A preflight carries no body, hence no
// client_id: it cannot tell which application is meant, so it is answered for any origin, and the
// origin is checked on the request itself, against the allowed origins of the application that
// request names. A refusal is then an ordinary JSON answer that carries the CORS headers, so the
// page can read why it was refused instead of a bare "Failed to fetch". Nothing is exposed by
// answering every preflight: the emulator uses no cookies (no Access-Control-Allow-Credentials), and
// every request is still checked before it runs.

#include <optional>
#include <string>
#include <string_view>

#include "emulator/http/request.hpp"

namespace loginid::detail::emulator::http {

/// `/emulator/...` (also under `/api/native`): the admin API, which never answers pages.
bool is_admin_path(std::string_view path);

/// Lets the page at the request's Origin read the answer, whatever it is. No-op without an Origin
/// header and on admin paths. Idempotent.
void add_cors_headers(const Request& req, Response& res);

/// A preflight's answer: 204 with the methods and headers the API takes, cached by the browser.
void answer_preflight(Response& res);

/// The application a browser request names, for its origin check: X-Client-ID, else the body's
/// `client_id` when the body is a JSON object that has one as a string. nullopt otherwise (the
/// handler then refuses the request for its own reason).
std::optional<std::string> named_client_id(const Request& req);

}  // namespace loginid::detail::emulator::http
