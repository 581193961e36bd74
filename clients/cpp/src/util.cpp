#include "br_sdk/schedule/util.hpp"

#include <array>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <random>

namespace br_sdk::schedule {

std::string new_uuid() {
  static std::mutex mutex;
  static std::mt19937_64 engine{std::random_device{}()};
  std::array<unsigned char, 16> bytes{};
  {
    std::lock_guard<std::mutex> lock(mutex);
    for (auto& byte : bytes) byte = static_cast<unsigned char>(engine());
  }
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x40);  // version 4
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
  std::string text;
  static const char* digits = "0123456789abcdef";
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) text += '-';
    text += digits[bytes[i] >> 4];
    text += digits[bytes[i] & 0x0f];
  }
  return text;
}

std::string to_rfc3339(std::chrono::system_clock::time_point instant) {
  using namespace std::chrono;
  const auto ms = duration_cast<milliseconds>(instant.time_since_epoch()).count();
  const auto floor_ms = ms >= 0 ? ms % 1000 : (1000 + ms % 1000) % 1000;
  const std::time_t seconds = static_cast<std::time_t>((ms - floor_ms) / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(floor_ms));
  return text;
}

}  // namespace br_sdk::schedule
