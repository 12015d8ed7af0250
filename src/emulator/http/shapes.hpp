#pragma once
// The response shapes of API.md ("Shapes") and of the admin API.

#include <nlohmann/json.hpp>

#include "emulator/service/service.hpp"

namespace loginid::detail::emulator::http {

nlohmann::json user_json(const store::User& user);
nlohmann::json credential_json(const store::Credential& credential);
nlohmann::json auth_json(const AuthResult& result);
nlohmann::json web_settings_json(const store::WebSettings& settings);
nlohmann::json application_json(const store::Application& app);
nlohmann::json namespace_json(const store::Namespace& ns);
nlohmann::json code_json(const store::Code& code);
nlohmann::json transaction_json(const store::Transaction& tx);
nlohmann::json key_json(const store::SigningKey& key);

}  // namespace loginid::detail::emulator::http
