#pragma once
// One HTTP request exactly as given (method, target, headers, body), for what the client library
// would never send: replays, bodies or targets other than the ones signed, missing headers.

#include <map>
#include <string>

namespace test_support {

struct RawAnswer {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // names in lower case
};

/// Sends `method base_url+target` with `headers` and `body` (none when empty and method is GET).
RawAnswer raw_http(const std::string& method, const std::string& base_url, const std::string& target,
                   const std::map<std::string, std::string>& headers, const std::string& body = "");

}  // namespace test_support
