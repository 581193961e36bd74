#pragma once
// Errors: every failure is a br_sdk::schedule::Error carrying the scheduler's stable code and the
// bad fields; a subclass tells the family, so callers can catch what they handle.

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>
#include <vector>

namespace br_sdk::schedule {

/// One bad field: `path` as the client wrote it (`schedule[0].minute`, `uri`; "" for the message).
struct Issue {
  std::string path;
  std::string message;
};

/// Base of every error. `code()` is the scheduler's code (`SCHEDULE_INVALID`, `TASK_NOT_FOUND`, …)
/// or a client-side one (`CONNECTION_FAILED`, `TIMEOUT`, `BAD_RESPONSE`, `UNROUTABLE`).
class Error : public std::runtime_error {
 public:
  Error(std::string code, const std::string& message, std::vector<Issue> issues = {}, int http_status = 0);

  const std::string& code() const noexcept { return code_; }
  const std::vector<Issue>& issues() const noexcept { return issues_; }
  /// The HTTP status of a REST answer; 0 over AMQP and for client-side errors.
  int http_status() const noexcept { return http_status_; }

 private:
  std::string code_;
  std::vector<Issue> issues_;
  int http_status_;
};

/// Fix the request: INVALID_ARGUMENT, SCHEDULE_INVALID, MALFORMED_MESSAGE, UNKNOWN_OPERATION,
/// SCHEDULE_SEARCH_LIMIT, PAYLOAD_TOO_LARGE, MESSAGE_TOO_LARGE, UNSUPPORTED_MEDIA_TYPE.
class ValidationError : public Error {
  using Error::Error;
};
/// TASK_NOT_FOUND, ROUTE_NOT_FOUND.
class NotFoundError : public Error {
  using Error::Error;
};
/// TASK_CONFLICT (the task_id names another task), TASK_NOT_ACTIVE (completed or cancelled).
class ConflictError : public Error {
  using Error::Error;
};
/// Retry later: SCHEDULER_NOT_RUNNING, STORE_FAILURE, STORE_LOCKED, STORE_SCHEMA_UNSUPPORTED, NOT_READY.
class UnavailableError : public Error {
  using Error::Error;
};
/// The request's or the result's signature did not check out (docs/security.md): UNAUTHENTICATED (not
/// signed, or no key for the requester), SIGNATURE_INVALID (a request the scheduler refused, or a
/// result that failed verification here: never delivered), REQUEST_EXPIRED (timestamp outside the
/// window: check the clock), REQUEST_REPLAYED (a nonce used before).
class AuthenticationError : public Error {
  using Error::Error;
};
/// Signed, but not allowed: FORBIDDEN (another requester's action), TARGET_FORBIDDEN (a target the
/// scheduler will not call, e.g. a cloud metadata address).
class ForbiddenError : public Error {
  using Error::Error;
};
/// RATE_LIMITED: too many requests from this requester or address; retry after retry_after().
class RateLimitedError : public UnavailableError {
 public:
  RateLimitedError(std::string code, const std::string& message, std::vector<Issue> issues = {}, int http_status = 0,
                   long long retry_after_ms = 0)
      : UnavailableError(std::move(code), message, std::move(issues), http_status), retry_after_ms_(retry_after_ms) {}
  /// How long until the request would be taken, in ms (0 when the scheduler did not say).
  long long retry_after_ms() const noexcept { return retry_after_ms_; }

 private:
  long long retry_after_ms_;
};
/// The scheduler could not be reached or answered nonsense: CONNECTION_FAILED, BAD_RESPONSE, UNROUTABLE.
class TransportError : public Error {
  using Error::Error;
};
/// No answer within the timeout (code TIMEOUT). The request may still have been carried out.
class TimeoutError : public TransportError {
  using TransportError::TransportError;
};

/// Throws the subclass of Error that `code` belongs to (Error itself for INTERNAL and unknown codes).
[[noreturn]] void throw_error(const std::string& code, const std::string& message, std::vector<Issue> issues = {},
                              int http_status = 0);

/// Throws the Error an error reply stands for: `{"ok": false, "error": {code, message, issues}}`
/// (with `retry_after_ms` for RATE_LIMITED).
[[noreturn]] void throw_reply_error(const nlohmann::json& reply, int http_status = 0);

}  // namespace br_sdk::schedule
