#include "emulator/http/cors.hpp"

#include "emulator/http/json_input.hpp"
#include "emulator/service/errors.hpp"

namespace loginid::detail::emulator::http {

bool is_admin_path(std::string_view path) {
  if (path.starts_with("/api/native")) path.remove_prefix(std::string_view("/api/native").size());
  return path == "/emulator" || path.starts_with("/emulator/");
}

void add_cors_headers(const Request& req, Response& res) {
  if (!req.has_header("Origin") || is_admin_path(req.path) || res.has_header("Access-Control-Allow-Origin")) return;
  res.set_header("Access-Control-Allow-Origin", req.get_header_value("Origin"));
  res.set_header("Vary", "Origin");
  res.set_header("Access-Control-Expose-Headers", "X-Request-ID, Retry-After");
}

void answer_preflight(Response& res) {
  res.status = 204;
  res.set_header("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS");
  res.set_header("Access-Control-Allow-Headers", "Content-Type, Authorization, X-Client-ID, X-Request-ID");
  res.set_header("Access-Control-Max-Age", "600");
}

std::optional<std::string> named_client_id(const Request& req) {
  if (req.has_header("X-Client-ID")) return req.get_header_value("X-Client-ID");
  try {
    return optional_string(parse_object(req.body), "client_id");
  } catch (const ApiError&) {
    return std::nullopt;  // the handler reads the body again and names what is wrong
  }
}

}  // namespace loginid::detail::emulator::http
