// The code `loginid` prints after "error: " when a call got no usable answer (exit 3): scripts match on
// it, so each TransportError reason has its own documented word (docs/cli.md, "Exit codes").
#include <gtest/gtest.h>

#include "cli/app.hpp"

namespace {

using loginid::TransportError;
using loginid::cli::transport_error_code;

TEST(TransportCode, EachReasonHasItsDocumentedCode) {
  EXPECT_EQ(transport_error_code(TransportError::Reason::connect_failed), "connection_failed");
  EXPECT_EQ(transport_error_code(TransportError::Reason::io_failed), "connection_failed");
  EXPECT_EQ(transport_error_code(TransportError::Reason::timeout), "timeout");
  EXPECT_EQ(transport_error_code(TransportError::Reason::tls_failed), "tls_failed");
  // An answer over the SDK's bounds is not an unreachable service, and a call the SDK refused to send
  // (e.g. out of open files) never left: neither may read as connection_failed.
  EXPECT_EQ(transport_error_code(TransportError::Reason::response_too_large), "response_too_large");
  EXPECT_EQ(transport_error_code(TransportError::Reason::refused_locally), "not_sent");
}

}  // namespace
