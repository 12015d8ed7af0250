#include "emulator/service/util.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <stdexcept>

#include "jose/base64url.hpp"
#include "jose/tokens.hpp"

namespace loginid::detail::emulator {
namespace {

void random_bytes(unsigned char* out, std::size_t n) {
  if (RAND_bytes(out, static_cast<int>(n)) != 1) {
    throw std::runtime_error("the OpenSSL random generator failed");
  }
}

/// Uniform in [0, bound) by rejection (no modulo bias).
std::uint32_t random_below(std::uint32_t bound) {
  const std::uint32_t limit = UINT32_MAX - (UINT32_MAX % bound);
  for (;;) {
    std::uint32_t value = 0;
    random_bytes(reinterpret_cast<unsigned char*>(&value), sizeof value);
    if (value < limit) return value % bound;
  }
}

// A short, common, unambiguous word list for phrase codes (easy to read aloud and type).
constexpr std::array<std::string_view, 128> kWords = {
    "apple",  "arrow",  "badge",  "baker",  "beach",  "berry",  "blade",  "bloom",  "board",  "brave",  "brick",
    "brush",  "cabin",  "camel",  "candy",  "canoe",  "cargo",  "cedar",  "chair",  "chalk",  "charm",  "chess",
    "cider",  "cliff",  "cloud",  "clover", "coral",  "crane",  "creek",  "crown",  "daisy",  "delta",  "diner",
    "dream",  "eagle",  "ember",  "fable",  "fern",   "field",  "flame",  "flint",  "frost",  "fruit",  "garden",
    "ghost",  "glade",  "globe",  "grape",  "grove",  "harbor", "hazel",  "honey",  "horse",  "igloo",  "index",
    "ivory",  "jelly",  "jewel",  "judge",  "kayak",  "kettle", "koala",  "ladder", "lemon",  "lilac",  "linen",
    "lotus",  "lunar",  "mango",  "maple",  "marsh",  "meadow", "melon",  "mint",   "moose",  "night",  "noble",
    "north",  "oasis",  "ocean",  "olive",  "onion",  "orbit",  "otter",  "panda",  "paper",  "pearl",  "pepper",
    "piano",  "pilot",  "plaza",  "plum",   "polar",  "prism",  "quail",  "quartz", "quiet",  "radar",  "raven",
    "river",  "robin",  "rocket", "saddle", "salad",  "sand",   "shell",  "silver", "slope",  "solar",  "spice",
    "stone",  "storm",  "sugar",  "swan",   "table",  "tiger",  "torch",  "tulip",  "umbra",  "valley", "velvet",
    "violet", "wagon",  "walnut", "whale",  "willow", "zebra",  "zephyr",
};

}  // namespace

namespace {

/// The canonical text of a version-4 UUID made of `b` (version and variant bits set here).
std::string uuid_text(std::array<unsigned char, 16> b) {
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[b[i] >> 4]);
    out.push_back(kHex[b[i] & 0x0f]);
  }
  return out;
}

}  // namespace

std::string new_uuid() {
  std::array<unsigned char, 16> b{};
  random_bytes(b.data(), b.size());
  return uuid_text(b);
}

std::string new_request_id() {
  // xorshift128+ per thread, seeded from the CSPRNG: request ids must be unique, not secret, and
  // OpenSSL's DRBG for each answer cost about 1.5 % of a users/retrieve.
  thread_local std::array<std::uint64_t, 2> state = [] {
    std::array<std::uint64_t, 2> seed{};
    while (seed[0] == 0 && seed[1] == 0) random_bytes(reinterpret_cast<unsigned char*>(seed.data()), sizeof seed);
    return seed;
  }();
  std::array<unsigned char, 16> b{};
  for (std::size_t half = 0; half < 2; ++half) {
    std::uint64_t x = state[0];
    const std::uint64_t y = state[1];
    state[0] = y;
    x ^= x << 23;
    state[1] = x ^ y ^ (x >> 17) ^ (y >> 26);
    const std::uint64_t value = state[1] + y;
    for (std::size_t i = 0; i < 8; ++i) b[half * 8 + i] = static_cast<unsigned char>(value >> (8 * i));
  }
  return uuid_text(b);
}

bool is_uuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

std::string random_byte_string(std::size_t n) {
  std::string out(n, '\0');
  random_bytes(reinterpret_cast<unsigned char*>(out.data()), n);
  return out;
}

std::string new_client_id() {
  std::array<unsigned char, 64> bytes{};
  random_bytes(bytes.data(), bytes.size());
  // Real client ids keep base64's padding; 64 bytes encode to 86 characters plus "==".
  return base64url_encode(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size())) + "==";
}

std::string new_namespace_id() {
  std::array<unsigned char, 8> bytes{};
  random_bytes(bytes.data(), bytes.size());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0x0f]);
  }
  return out;
}

bool is_namespace_id(std::string_view text) {
  if (is_uuid(text)) return true;
  return text.size() == 16 &&
         std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::string random_digits(std::size_t digits) {
  std::string out;
  out.reserve(digits);
  for (std::size_t i = 0; i < digits; ++i) out.push_back(static_cast<char>('0' + random_below(10)));
  return out;
}

std::string random_phrase(std::size_t words) {
  std::string out;
  for (std::size_t i = 0; i < words; ++i) {
    if (i != 0) out.push_back('-');
    out += kWords[random_below(static_cast<std::uint32_t>(kWords.size()))];
  }
  return out;
}

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string format_rfc3339(std::int64_t ms) {
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  auto millis = static_cast<int>(ms % 1000);
  if (millis < 0) {
    millis += 1000;
    seconds -= 1;
  }
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  std::array<char, 64> buf{};  // room for any int year the compiler can imagine
  std::snprintf(buf.data(), buf.size(), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  return buf.data();
}

std::string lowercase_ascii(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace loginid::detail::emulator
