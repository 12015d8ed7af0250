#include "retry_policy.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <ctime>

namespace loginid::detail {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// A Retry-After longer than this is treated as "beyond any deadline" (and avoids overflow).
constexpr long long kMaxRetryAfterSeconds = 366LL * 24 * 3600;

std::optional<TimePoint> parse_delta_seconds(std::string_view value, TimePoint now) noexcept {
  long long total = 0;
  for (char c : value) {
    if (std::isdigit(static_cast<unsigned char>(c)) == 0) {
      return std::nullopt;
    }
    total = std::min(total * 10 + (c - '0'), kMaxRetryAfterSeconds);
  }
  return now + seconds(total);
}

int month_index(std::string_view name) noexcept {
  static constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (std::size_t i = 0; i < kMonths.size(); ++i) {
    if (kMonths[i] == name) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

// Reads exactly `width` digits at `pos`.
std::optional<int> digits_at(std::string_view text, std::size_t pos, std::size_t width) noexcept {
  if (pos + width > text.size()) {
    return std::nullopt;
  }
  int value = 0;
  for (std::size_t i = pos; i < pos + width; ++i) {
    if (std::isdigit(static_cast<unsigned char>(text[i])) == 0) {
      return std::nullopt;
    }
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

struct DateFields {
  int year, month, day, hour, minute, second;
};

// "HH:MM:SS" at `pos`.
bool read_clock(std::string_view text, std::size_t pos, DateFields& f) noexcept {
  const auto h = digits_at(text, pos, 2);
  const auto m = digits_at(text, pos + 3, 2);
  const auto s = digits_at(text, pos + 6, 2);
  if (!h || !m || !s || text[pos + 2] != ':' || text[pos + 5] != ':') {
    return false;
  }
  f.hour = *h;
  f.minute = *m;
  f.second = *s;
  return true;
}

// IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" (29 characters).
std::optional<DateFields> parse_imf_fixdate(std::string_view v) noexcept {
  if (v.size() != 29 || v.substr(3, 2) != ", " || v[7] != ' ' || v[11] != ' ' || v[16] != ' ' || v.substr(25) != " GMT") {
    return std::nullopt;
  }
  DateFields f{};
  const auto day = digits_at(v, 5, 2);
  const auto year = digits_at(v, 12, 4);
  f.month = month_index(v.substr(8, 3));
  if (!day || !year || f.month < 0 || !read_clock(v, 17, f)) {
    return std::nullopt;
  }
  f.day = *day;
  f.year = *year;
  return f;
}

// RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT" (two-digit year: 70..99 -> 19xx, else 20xx).
std::optional<DateFields> parse_rfc850(std::string_view v) noexcept {
  const auto comma = v.find(", ");
  if (comma == std::string_view::npos || comma < 6 || comma > 9) {
    return std::nullopt;
  }
  const auto rest = v.substr(comma + 2);
  if (rest.size() != 22 || rest[2] != '-' || rest[6] != '-' || rest[9] != ' ' || rest.substr(18) != " GMT") {
    return std::nullopt;
  }
  DateFields f{};
  const auto day = digits_at(rest, 0, 2);
  const auto year = digits_at(rest, 7, 2);
  f.month = month_index(rest.substr(3, 3));
  if (!day || !year || f.month < 0 || !read_clock(rest, 10, f)) {
    return std::nullopt;
  }
  f.day = *day;
  f.year = *year >= 70 ? 1900 + *year : 2000 + *year;
  return f;
}

// asctime: "Sun Nov  6 08:49:37 1994".
std::optional<DateFields> parse_asctime(std::string_view v) noexcept {
  if (v.size() != 24 || v[3] != ' ' || v[7] != ' ' || v[10] != ' ' || v[19] != ' ') {
    return std::nullopt;
  }
  DateFields f{};
  f.month = month_index(v.substr(4, 3));
  const auto day = v[8] == ' ' ? digits_at(v, 9, 1) : digits_at(v, 8, 2);
  const auto year = digits_at(v, 20, 4);
  if (!day || !year || f.month < 0 || !read_clock(v, 11, f)) {
    return std::nullopt;
  }
  f.day = *day;
  f.year = *year;
  return f;
}

std::optional<TimePoint> to_time_point(const DateFields& f) noexcept {
  if (f.day < 1 || f.day > 31 || f.hour > 23 || f.minute > 59 || f.second > 60 || f.year < 1970) {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = f.year - 1900;
  tm.tm_mon = f.month;
  tm.tm_mday = f.day;
  tm.tm_hour = f.hour;
  tm.tm_min = f.minute;
  tm.tm_sec = f.second;
  const std::time_t t = timegm(&tm);
  if (t == static_cast<std::time_t>(-1)) {
    return std::nullopt;
  }
  return std::chrono::system_clock::from_time_t(t);
}

std::string_view trim(std::string_view text) noexcept {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

// A bad URL stays bad, a certificate that does not verify stays so, and a server that sent more
// than the SDK accepts sends it again: the same attempt again would fail the same way (an oversized
// answer retried would only download the bound max_attempts times).
bool is_permanent(TransportError::Reason kind) noexcept {
  return kind == TransportError::Reason::refused_locally || kind == TransportError::Reason::tls_failed ||
         kind == TransportError::Reason::response_too_large;
}

bool may_retry_kind(const AttemptOutcome& outcome) noexcept {
  if (outcome.transport_error) {
    if (is_permanent(*outcome.transport_error)) {
      return false;
    }
    const bool reached = *outcome.transport_error == TransportError::Reason::timeout ||
                         *outcome.transport_error == TransportError::Reason::io_failed;
    return outcome.idempotency == Idempotency::safe || !reached;
  }
  // The server answered: it has seen the request, so a creating call is never repeated.
  return outcome.status && outcome.idempotency == Idempotency::safe && is_retryable_status(*outcome.status);
}

}  // namespace

bool is_retryable_status(int status) noexcept {
  switch (status) {
    case 408:
    case 429:
    case 500:
    case 502:
    case 503:
    case 504:
      return true;
    default:
      return false;
  }
}

std::optional<TimePoint> parse_retry_after(std::string_view value, TimePoint now) noexcept {
  value = trim(value);
  if (value.empty() || value.size() > 64) {
    return std::nullopt;
  }
  if (std::isdigit(static_cast<unsigned char>(value.front())) != 0) {
    return parse_delta_seconds(value, now);
  }
  auto fields = parse_imf_fixdate(value);
  if (!fields) {
    fields = parse_rfc850(value);
  }
  if (!fields) {
    fields = parse_asctime(value);
  }
  return fields ? to_time_point(*fields) : std::nullopt;
}

std::chrono::milliseconds RetryPolicy::backoff_cap(int attempt) const noexcept {
  const double initial = static_cast<double>(std::max<long long>(0, options_.initial_backoff.count()));
  const double cap = static_cast<double>(std::max<long long>(0, options_.max_backoff.count()));
  const double growth = std::pow(std::max(1.0, options_.multiplier), std::max(0, attempt - 1));
  const double value = std::min(cap, initial * growth);  // pow may give inf: min() keeps it bounded
  return milliseconds(static_cast<long long>(value));
}

RetryDecision RetryPolicy::decide(const AttemptOutcome& outcome, double jitter) const noexcept {
  if (outcome.attempt >= options_.max_attempts) {
    return {false, milliseconds(0), "attempts exhausted"};
  }
  if (!may_retry_kind(outcome)) {
    if (outcome.status) return {false, milliseconds(0), "status not retryable"};
    return {false, milliseconds(0),
            is_permanent(*outcome.transport_error) ? "a retry cannot fix it" : "may have reached the server"};
  }
  jitter = std::clamp(std::isnan(jitter) ? 0.0 : jitter, 0.0, 1.0);
  auto delay = milliseconds(static_cast<long long>(static_cast<double>(backoff_cap(outcome.attempt).count()) * jitter));
  std::string_view reason = outcome.status ? "retryable status" : "connection failure";
  if (options_.honour_retry_after && outcome.retry_after) {
    if (const auto when = parse_retry_after(*outcome.retry_after, outcome.now)) {
      delay = std::max(milliseconds(0), std::chrono::ceil<milliseconds>(*when - outcome.now));
      reason = "Retry-After";
    }
  }
  if (outcome.now + delay >= outcome.deadline) {
    return {false, delay, "deadline"};
  }
  return {true, delay, reason};
}

}  // namespace loginid::detail
