#include "emulator/http/request.hpp"

#include <algorithm>

namespace loginid::detail::emulator::http {
namespace {

bool same_name(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    return lower(x) == lower(y);
  });
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

const std::string* HeaderList::find(std::string_view name) const {
  for (const auto& [key, value] : items_) {
    if (same_name(key, name)) return &value;
  }
  return nullptr;
}

std::string HeaderList::get(std::string_view name) const {
  const auto* value = find(name);
  return value != nullptr ? *value : std::string();
}

void HeaderList::set(std::string_view name, std::string_view value) {
  if (value.find_first_of("\r\n") != std::string_view::npos) return;
  std::erase_if(items_, [&](const auto& item) { return same_name(item.first, name); });
  items_.emplace_back(name, value);
}

std::string percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      const int high = hex_value(text[i + 1]);
      const int low = hex_value(text[i + 2]);
      if (high >= 0 && low >= 0) {
        out.push_back(static_cast<char>(high * 16 + low));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && c == '+' ? ' ' : c);
  }
  return out;
}

std::string Request::get_param_value(const std::string& name) const {
  auto it = params.find(name);
  return it != params.end() ? it->second : std::string();
}

bool Request::set_target(std::string_view request_target) {
  target = std::string(request_target);
  if (request_target.empty() || request_target.front() != '/') return false;
  const auto question = request_target.find('?');
  path = percent_decode(request_target.substr(0, question), false);
  params.clear();
  if (question == std::string_view::npos) return true;
  auto query = request_target.substr(question + 1);
  if (const auto hash = query.find('#'); hash != std::string_view::npos) query = query.substr(0, hash);
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const auto equals = pair.find('=');
    auto key = percent_decode(pair.substr(0, equals), true);
    auto value = equals == std::string_view::npos ? std::string() : percent_decode(pair.substr(equals + 1), true);
    params.emplace(std::move(key), std::move(value));
  }
  return true;
}

}  // namespace loginid::detail::emulator::http
