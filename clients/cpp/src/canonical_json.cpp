// RFC 8785 canonical JSON, byte for byte as the scheduler (JavaScript) makes it: the text every
// signature covers. Three places where a C++ JSON library differs from JavaScript matter here:
//  - member order: JavaScript sorts keys by UTF-16 code units; UTF-8 byte order (nlohmann's
//    std::map) puts U+E000..U+FFFF before supplementary-plane characters, UTF-16 after them;
//  - numbers: JavaScript holds every number as a double and prints it in its Number-to-String
//    form (shortest round trip; plain notation for 1e-7 < |x| < 1e21, else `1e+21`, `1.5e-7`);
//  - strings: only `"`, `\` and U+0000..U+001F are escaped, everything else is literal UTF-8.
#include "br_sdk/schedule/errors.hpp"
#include "br_sdk/schedule/signing.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace br_sdk::schedule {

namespace {

using Json = nlohmann::json;

[[noreturn]] void refuse(const std::string& why) {
  throw_error("INVALID_ARGUMENT", "cannot sign this JSON: " + why, {{"", why}});
}

/// The UTF-16 code units of a UTF-8 string; refuses what is not well-formed UTF-8 (overlong forms,
/// surrogates, beyond U+10FFFF), which JavaScript could not have produced.
std::u16string utf16(const std::string& text) {
  std::u16string out;
  out.reserve(text.size());
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  const size_t size = text.size();
  for (size_t i = 0; i < size;) {
    const unsigned char lead = bytes[i];
    char32_t cp;
    size_t length;
    if (lead < 0x80) {
      cp = lead;
      length = 1;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
      cp = lead & 0x1F;
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      cp = lead & 0x0F;
      length = 3;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      cp = lead & 0x07;
      length = 4;
    } else {
      refuse("a string is not UTF-8");
    }
    if (i + length > size) refuse("a string is not UTF-8");
    for (size_t k = 1; k < length; ++k) {
      const unsigned char next = bytes[i + k];
      if ((next & 0xC0) != 0x80) refuse("a string is not UTF-8");
      cp = (cp << 6) | (next & 0x3F);
    }
    const bool overlong = (length == 3 && cp < 0x800) || (length == 4 && cp < 0x10000);
    if (overlong || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) refuse("a string is not UTF-8");
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<char16_t>(0xD800 + (cp >> 10)));
      out.push_back(static_cast<char16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      out.push_back(static_cast<char16_t>(cp));
    }
    i += length;
  }
  return out;
}

/// A string as JSON.stringify writes it (the text is checked to be UTF-8 by the caller).
void write_string(std::string& out, const std::string& text) {
  static const char* hex = "0123456789abcdef";
  out += '"';
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (byte < 0x20) {
          out += "\\u00";
          out += hex[byte >> 4];
          out += hex[byte & 0x0F];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

/// ECMAScript Number::toString(x) (ECMA-262 §6.1.6.1.20) for a finite double.
void write_double(std::string& out, double x) {
  if (std::isnan(x) || std::isinf(x)) refuse("NaN and infinity have no JSON form");
  if (x == 0) {  // 0 and -0 alike
    out += '0';
    return;
  }
  if (x < 0) {
    out += '-';
    x = -x;
  }
  // The shortest digits that read back as x (closest to x when several are as short), as d.ddde±N.
  char buffer[64];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, x, std::chars_format::scientific);
  if (error != std::errc()) refuse("a number could not be formatted");
  const std::string scientific(buffer, end);
  const size_t e = scientific.find('e');
  std::string digits;  // s, k digits, no leading or trailing zeros
  for (size_t i = 0; i < e; ++i) {
    if (scientific[i] != '.') digits += scientific[i];
  }
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  const int k = static_cast<int>(digits.size());
  const int n = std::stoi(scientific.substr(e + 1)) + 1;  // x = 0.digits × 10^n
  if (k <= n && n <= 21) {
    out += digits;
    out.append(static_cast<size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out += digits.substr(0, static_cast<size_t>(n));
    out += '.';
    out += digits.substr(static_cast<size_t>(n));
  } else if (-6 < n && n <= 0) {
    out += "0.";
    out.append(static_cast<size_t>(-n), '0');
    out += digits;
  } else {
    out += digits[0];
    if (k > 1) {
      out += '.';
      out += digits.substr(1);
    }
    out += 'e';
    out += n - 1 >= 0 ? '+' : '-';
    out += std::to_string(std::abs(n - 1));
  }
}

/// Deeper JSON is refused rather than recursed into (the scheduler takes 64 levels at most).
constexpr int kMaxDepth = 512;

/// 2^53: up to it, every integer is a double, and JavaScript prints it as its digits.
constexpr std::uint64_t kSafe = 9007199254740992ULL;

void write(std::string& out, const Json& value, int depth) {
  if (depth > kMaxDepth) refuse("nested deeper than " + std::to_string(kMaxDepth) + " levels");
  switch (value.type()) {
    case Json::value_t::null: out += "null"; return;
    case Json::value_t::boolean: out += value.get<bool>() ? "true" : "false"; return;
    case Json::value_t::number_integer: {
      const auto n = value.get<std::int64_t>();
      const std::uint64_t magnitude = n < 0 ? 0 - static_cast<std::uint64_t>(n) : static_cast<std::uint64_t>(n);
      if (magnitude <= kSafe) out += std::to_string(n);
      else write_double(out, static_cast<double>(n));  // what JavaScript reads the digits as
      return;
    }
    case Json::value_t::number_unsigned: {
      const auto n = value.get<std::uint64_t>();
      if (n <= kSafe) out += std::to_string(n);
      else write_double(out, static_cast<double>(n));
      return;
    }
    case Json::value_t::number_float: write_double(out, value.get<double>()); return;
    case Json::value_t::string: {
      const auto& text = value.get_ref<const std::string&>();
      utf16(text);  // checks it is UTF-8
      write_string(out, text);
      return;
    }
    case Json::value_t::array: {
      out += '[';
      bool first = true;
      for (const auto& item : value) {
        if (!first) out += ',';
        first = false;
        write(out, item, depth + 1);
      }
      out += ']';
      return;
    }
    case Json::value_t::object: {
      std::vector<std::pair<std::u16string, const std::string*>> keys;
      keys.reserve(value.size());
      for (auto it = value.begin(); it != value.end(); ++it) keys.emplace_back(utf16(it.key()), &it.key());
      std::sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
      out += '{';
      bool first = true;
      for (const auto& [units, key] : keys) {
        if (!first) out += ',';
        first = false;
        write_string(out, *key);
        out += ':';
        write(out, value.at(*key), depth + 1);
      }
      out += '}';
      return;
    }
    case Json::value_t::binary: refuse("binary values have no JSON form");
    case Json::value_t::discarded: refuse("a discarded value has no JSON form");
  }
  refuse("unknown JSON value");
}

}  // namespace

std::string canonical_json(const nlohmann::json& value) {
  std::string out;
  write(out, value, 1);
  return out;
}

}  // namespace br_sdk::schedule
