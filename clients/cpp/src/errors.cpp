#include "br_sdk/schedule/errors.hpp"

#include <set>

namespace br_sdk::schedule {

Error::Error(std::string code, const std::string& message, std::vector<Issue> issues, int http_status)
    : std::runtime_error(message), code_(std::move(code)), issues_(std::move(issues)), http_status_(http_status) {}

namespace {
bool in(const std::string& code, const std::set<std::string>& codes) { return codes.count(code) > 0; }
}  // namespace

void throw_error(const std::string& code, const std::string& message, std::vector<Issue> issues, int http_status) {
  if (in(code, {"INVALID_ARGUMENT", "SCHEDULE_INVALID", "MALFORMED_MESSAGE", "UNKNOWN_OPERATION",
                "SCHEDULE_SEARCH_LIMIT", "PAYLOAD_TOO_LARGE", "MESSAGE_TOO_LARGE", "UNSUPPORTED_MEDIA_TYPE"})) {
    throw ValidationError(code, message, std::move(issues), http_status);
  }
  if (in(code, {"TASK_NOT_FOUND", "ROUTE_NOT_FOUND"})) {
    throw NotFoundError(code, message, std::move(issues), http_status);
  }
  if (in(code, {"TASK_CONFLICT", "TASK_NOT_ACTIVE"})) {
    throw ConflictError(code, message, std::move(issues), http_status);
  }
  if (in(code, {"SCHEDULER_NOT_RUNNING", "STORE_FAILURE", "STORE_LOCKED", "STORE_SCHEMA_UNSUPPORTED", "NOT_READY"})) {
    throw UnavailableError(code, message, std::move(issues), http_status);
  }
  if (in(code, {"UNAUTHENTICATED", "SIGNATURE_INVALID", "REQUEST_EXPIRED", "REQUEST_REPLAYED"})) {
    throw AuthenticationError(code, message, std::move(issues), http_status);
  }
  if (in(code, {"FORBIDDEN", "TARGET_FORBIDDEN"})) throw ForbiddenError(code, message, std::move(issues), http_status);
  if (code == "RATE_LIMITED") throw RateLimitedError(code, message, std::move(issues), http_status);
  if (code == "TIMEOUT") throw TimeoutError(code, message, std::move(issues), http_status);
  if (in(code, {"CONNECTION_FAILED", "BAD_RESPONSE", "UNROUTABLE"})) {
    throw TransportError(code, message, std::move(issues), http_status);
  }
  throw Error(code, message, std::move(issues), http_status);
}

void throw_reply_error(const nlohmann::json& reply, int http_status) {
  const auto* error = reply.is_object() && reply.contains("error") ? &reply["error"] : nullptr;
  if (error == nullptr || !error->is_object() || !(*error)["code"].is_string()) {
    throw_error("BAD_RESPONSE", "not an error reply: " + reply.dump(), {}, http_status);
  }
  std::vector<Issue> issues;
  for (const auto& issue : error->value("issues", nlohmann::json::array())) {
    issues.push_back({issue.value("path", ""), issue.value("message", "")});
  }
  const std::string code = (*error)["code"].get<std::string>();
  if (code == "RATE_LIMITED") {
    const nlohmann::json after = error->value("retry_after_ms", nlohmann::json());
    throw RateLimitedError(code, error->value("message", ""), std::move(issues), http_status,
                           after.is_number() ? after.get<long long>() : 0);
  }
  throw_error(code, error->value("message", ""), std::move(issues), http_status);
}

}  // namespace br_sdk::schedule
