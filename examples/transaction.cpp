// Transaction confirmation: the backend creates a transaction, the user confirms it (here the
// emulator acts as the user), and the backend checks the returned token against its payload.
//   transaction <emulator credentials file>

#include <loginid/loginid.hpp>

#include "example_support.hpp"

int main(int argc, char** argv) try {
  const auto creds = example::load_credentials(argc, argv);
  const loginid::LoginID web = example::web_client(creds);
  example::Steps steps;

  const std::string payload = "Transfer 25.00 EUR to account DE00 1234";
  const loginid::TxResult tx = web.create_transaction(payload, {.tx_type = "text"});
  steps.check(!tx.id.empty(), "create_transaction -> " + tx.id + " (nonce " + tx.nonce + ")");

  const std::string token = example::admin_call(creds, "/emulator/tx/" + tx.id + "/confirm").at("token");
  steps.check(web.verify_transaction(token, payload), "verify_transaction: the confirmed payload matches");
  std::error_code reason;
  (void)web.verify_transaction_claims(token, "Transfer 9999.00 EUR to account XX99", reason);
  steps.check(reason == loginid::TokenErrc::tx_hash_mismatch, "another payload: " + reason.message());
  return steps.exit_code();
} catch (const std::exception& e) {
  std::fprintf(stderr, "transaction failed: %s\n", e.what());
  return 1;
}
