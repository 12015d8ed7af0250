#pragma once
// Shared by the hardening tests (attack_*, faults_*, secrets_*): the unit tests' recording
// HttpTransport answered by a handler, and raw JWS building so a test can forge any header,
// payload or signature byte by byte.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "jose/base64url.hpp"
#include "loginid/jwt.hpp"
#include "loginid/keys.hpp"
#include "loginid/transport.hpp"
#include "unit/sdk/test_transport_fake.hpp"

namespace loginid::security_test {

using test::ScriptedTransport;

/// The recording fake transport of the unit tests, answered by a handler that does not need the
/// call index (which may throw TransportError).
inline std::shared_ptr<ScriptedTransport> recording_transport(
    std::function<HttpResponse(const HttpRequest& request)> handler) {
  return std::make_shared<ScriptedTransport>(
      [handler = std::move(handler)](const HttpRequest& request, int /*call_index*/) { return handler(request); });
}

inline std::string b64(std::string_view bytes) { return detail::base64url_encode(bytes); }

/// "<b64 header>.<b64 payload>" from raw JSON text (so duplicate members, odd spacing and
/// non-objects can be written exactly).
inline std::string signing_input(std::string_view header_json, std::string_view payload_json) {
  return b64(header_json) + "." + b64(payload_json);
}

/// A compact JWS of raw header/payload text, ES256-signed by `key` over exactly those bytes.
inline std::string sign_raw(const PrivateKey& key, std::string_view header_json, std::string_view payload_json) {
  const auto input = signing_input(header_json, payload_json);
  return input + "." + b64(key.sign_es256(input));
}

/// A header with the given kid (any JSON value, already serialised) and optional extra members.
inline std::string header_with_kid(std::string_view kid_json, std::string_view extra = {}) {
  std::string header = R"({"alg":"ES256","typ":"JWT","kid":)" + std::string(kid_json);
  if (!extra.empty()) {
    header += ",";
    header += extra;
  }
  return header + "}";
}

/// The three segments of a compact token (no validation).
struct Segments {
  std::string header, payload, signature;
};
inline Segments split(std::string_view token) {
  const auto a = token.find('.');
  const auto b = token.find('.', a + 1);
  return {std::string(token.substr(0, a)), std::string(token.substr(a + 1, b - a - 1)),
          std::string(token.substr(b + 1))};
}

/// Percent-decodes a query value; "" plus ok=false on a bad escape.
inline std::string percent_decode(std::string_view text, bool& ok) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::string out;
  ok = true;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) {
      ok = false;
      return {};
    }
    const int hi = hex(text[i + 1]);
    const int lo = hex(text[i + 2]);
    if (hi < 0 || lo < 0) {
      ok = false;
      return {};
    }
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

/// True when every character is RFC 3986 unreserved or part of a %XX escape.
inline bool only_unreserved_or_escapes(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                            c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) continue;
    if (c == '%' && i + 2 < text.size()) {
      i += 2;
      continue;
    }
    return false;
  }
  return true;
}

}  // namespace loginid::security_test
