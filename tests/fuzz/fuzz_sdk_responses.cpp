// Every call of LoginIdManagement (and the LoginID calls that parse an answer) fed an arbitrary
// HTTP answer through a fake transport: status, a Retry-After / Cache-Control header and body all
// come from the input. The SDK may only refuse with a loginid::Error of kind service, bad_response,
// transport or token (a returned JWT that does not verify); any other exception, crash, leak or
// sanitizer report is a finding.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "loginid/management.hpp"

namespace {

// The answer the fake gives to every request of one input.
struct Script {
  int status = 200;
  std::string body;
  loginid::HttpHeaders headers;
};

class ScriptTransport final : public loginid::HttpTransport {
 public:
  Script script;
  loginid::HttpResponse send(const loginid::HttpRequest&) override {
    return loginid::HttpResponse{script.status, script.headers, script.body};
  }
};

const loginid::PrivateKey& app_key() {
  static const loginid::PrivateKey key = loginid::PrivateKey::generate();
  return key;
}

struct Fixture {
  std::shared_ptr<ScriptTransport> transport = std::make_shared<ScriptTransport>();
  std::unique_ptr<loginid::LoginIdManagement> mgmt;
  Fixture() {
    loginid::Options options;
    options.base_url = "http://127.0.0.1:9";
    options.transport = transport;
    options.retry.max_attempts = 1;  // no sleeping between attempts while fuzzing
    options.clock = [] { return std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000)); };
    mgmt = std::make_unique<loginid::LoginIdManagement>("fuzz-client", app_key(), options);
  }
};

using Call = std::function<void(const loginid::LoginIdManagement&)>;

const std::vector<Call>& calls() {
  using namespace loginid;
  static const auto user = UserRef::by_id_and_username(UserId("0b7f6f0e-1111-4222-8333-444455556666"), Username("alice"));
  static const std::string user_pem = PrivateKey::generate().public_key().to_pem();
  static const std::vector<Call> all = {
      [](const LoginIdManagement& m) { (void)m.generate_code(user, CodeType::short_code, CodePurpose::temporary_authentication); },
      [](const LoginIdManagement& m) { (void)m.authorize_code(user, "123456", CodeType::short_code, CodePurpose::temporary_authentication); },
      [](const LoginIdManagement& m) { (void)m.invalidate_all_codes(user, CodeType::long_code, CodePurpose::add_credential); },
      [](const LoginIdManagement& m) { (void)m.get_credentials(user); },
      [](const LoginIdManagement& m) { (void)m.get_credentials(user, CredentialStatus::active); },
      [](const LoginIdManagement& m) { (void)m.rename_credential(user, CredentialId("cred-1"), "laptop"); },
      [](const LoginIdManagement& m) { (void)m.revoke_credential(user, CredentialId("cred-1")); },
      [](const LoginIdManagement& m) { (void)m.add_publickey_credential(user, user_pem, "key"); },
      [](const LoginIdManagement& m) { (void)m.get_user(Username("alice")); },
      [](const LoginIdManagement& m) { (void)m.get_user_id(Username("alice")); },
      [](const LoginIdManagement& m) { (void)m.add_user_without_credentials(Username("alice")); },
      [](const LoginIdManagement& m) { (void)m.deactivate_user(UserId("0b7f6f0e-1111-4222-8333-444455556666")); },
      [](const LoginIdManagement& m) { (void)m.activate_user(UserId("0b7f6f0e-1111-4222-8333-444455556666")); },
      [](const LoginIdManagement& m) { m.delete_by_user_id(UserId("0b7f6f0e-1111-4222-8333-444455556666")); },
      [](const LoginIdManagement& m) { m.delete_by_username(Username("alice")); },
      [](const LoginIdManagement& m) { (void)m.create_transaction("Pay 10 EUR").id; },
      [](const LoginIdManagement& m) { (void)m.create_transaction("Pay 10 EUR", {.nonce = {}, .tx_type = "pay", .username = Username("alice")}); },
      [](const LoginIdManagement& m) { (void)m.wait_code(Username("alice"), "123456", CodeType::short_code); },
      [](const LoginIdManagement& m) { (void)m.wait_code(Username("alice"), "123456", CodeType::short_code, {.no_jwt = true}); },
      [](const LoginIdManagement& m) { (void)m.authenticate_publickey_init(Username("alice"), user_pem); },
      [](const LoginIdManagement& m) { (void)m.authenticate_publickey_complete(Username("alice"), PublicKeyChallenge{.challenge_id = "challenge-1"}, "a.b.c"); },
  };
  return all;
}

constexpr int kStatuses[] = {200, 201, 204, 400, 401, 403, 404, 408, 409, 410, 413, 429, 500, 502, 503, 504};

}  // namespace

// Input layout: [call selector][status selector][header selector] then the body.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Fixture fixture;  // fresh per input: no key-cache state carried between inputs
  if (size < 3) {
    return 0;
  }
  const auto& all = calls();
  const auto& call = all[data[0] % all.size()];
  Script script;
  const std::uint8_t s = data[1];
  script.status = s < 240 ? kStatuses[s % std::size(kStatuses)] : static_cast<int>(s) * 3 - 600;  // also odd statuses
  script.body.assign(reinterpret_cast<const char*>(data + 3), size - 3);
  switch (data[2] % 4) {
    case 1: script.headers = {{"Content-Type", "application/json"}, {"X-Request-ID", "req-1"}}; break;
    case 2: script.headers = {{"Retry-After", script.body.substr(0, 40)}}; break;
    case 3: script.headers = {{"Cache-Control", script.body.substr(0, 40)}, {"Content-Type", "text/plain"}}; break;
    default: break;
  }
  fixture.transport->script = script;
  try {
    call(*fixture.mgmt);
  } catch (const loginid::Error& e) {
    // A refusal, a wrong shape, a failed exchange or a returned JWT that does not verify; an
    // answer never makes the SDK blame its caller's arguments.
    if (std::string_view(e.what()).empty()) std::abort();
    if (e.kind() == loginid::ErrorKind::invalid_argument || e.kind() == loginid::ErrorKind::key) std::abort();
  }
  return 0;
}
