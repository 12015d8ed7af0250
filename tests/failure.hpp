#pragma once
// What a test asserts about a failed SDK call, whatever subclass of loginid::Error reported it:
// the kind, the HTTP status, a code (the service's code for a ServiceError; "timeout", "tls_failed",
// "response_too_large" or "connection_failed" for a TransportError; "bad_response"; the ErrorKind name otherwise), the
// message and the request id.

#include <string>

#include "loginid/error.hpp"

namespace loginid {

struct Failure {
  ErrorKind kind = ErrorKind::invalid_argument;  // meaningful only when a failure was thrown
  int status = -1;
  std::string code;
  std::string message;
  std::string request_id;
  std::string what;
};

inline Failure failure_of(const Error& e) {
  Failure f{e.kind(), e.status(), to_string(e.kind()), e.what(), e.request_id(), e.what()};
  if (const auto* service = dynamic_cast<const ServiceError*>(&e)) {
    f.code = service->code().to_string();
    f.message = service->message();
  } else if (const auto* transport = dynamic_cast<const TransportError*>(&e)) {
    f.code = transport->reason() == TransportError::Reason::timeout              ? "timeout"
             : transport->reason() == TransportError::Reason::tls_failed         ? "tls_failed"
             : transport->reason() == TransportError::Reason::response_too_large ? "response_too_large"
                                                                                 : "connection_failed";
  }
  return f;
}

/// The failure `call` throws (a default Failure, with a test failure recorded, when it throws none).
template <typename Call>
Failure failure_of_call(Call&& call) {
  try {
    call();
  } catch (const Error& e) {
    return failure_of(e);
  }
  ADD_FAILURE() << "no loginid::Error thrown";
  return Failure{};
}

}  // namespace loginid
