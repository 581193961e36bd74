#pragma once
// The two ways to reach the scheduler's request handler. Both take a contract request message
// (`op` plus its fields, docs/api.md) and return its success reply `{"ok": true, "op": …, …}`, or
// throw the Error its error reply stands for. Each is safe to share between threads: requests on
// one transport are sent one at a time.

#include "br_sdk/schedule/amqp_connection.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace br_sdk::schedule {

class Transport {
 public:
  virtual ~Transport() = default;
  /// Sends one request message and returns the success reply; throws Error on an error reply.
  virtual nlohmann::json request(const nlohmann::json& message) = 0;
};

/// Requests over AMQP: publishes to the request queue with reply_to, correlation_id and
/// message_id, then waits (up to AmqpOptions::timeout) for the reply with that correlation id.
/// With AmqpOptions::signer, each message is signed first (a fresh timestamp and nonce each time).
/// Connects on construction, and again on the next request after a connection failure.
class AmqpTransport : public Transport {
 public:
  explicit AmqpTransport(AmqpOptions options);
  nlohmann::json request(const nlohmann::json& message) override;
  /// Sends with this message_id (an idempotency key for a redelivered or re-sent message).
  nlohmann::json request(const nlohmann::json& message, const std::string& message_id);

 private:
  void connect();
  AmqpOptions options_;
  std::mutex mutex_;
  std::optional<AmqpConnection> connection_;
  std::string reply_queue_;
};

struct HttpOptions {
  std::string base_url = "http://127.0.0.1:8080";  ///< the sidecar's REST address
  std::chrono::milliseconds timeout{10000};         ///< per request, connecting included
  /// Signs every request (the X-Br-* headers, over the method, target and body as sent); null: unsigned.
  std::shared_ptr<const Signer> signer;
};

/// Requests over REST: each operation is sent to its route (POST /v1/tasks, GET /v1/tasks/{id}, …)
/// and the answer made into the reply the other channels give. A message REST cannot express (an
/// unknown op, a task route without task_id, a message that is not an object) is refused here with
/// the code and path the scheduler would give. With HttpOptions::signer, each request carries the
/// X-Br-* signature headers.
class HttpTransport : public Transport {
 public:
  explicit HttpTransport(HttpOptions options);
  ~HttpTransport() override;
  nlohmann::json request(const nlohmann::json& message) override;

 private:
  struct Curl;
  HttpOptions options_;
  std::mutex mutex_;
  std::unique_ptr<Curl> curl_;
};

/// `GET /v1/keys/scheduler`: the scheduler's result-signing public key, as it publishes it. This is
/// trust on first use — whoever answers at `base_url` is believed — so prefer the key the operator
/// hands out (`br-schedule public-key`), or compare the two once. Throws TransportError
/// (CONNECTION_FAILED, TIMEOUT, BAD_RESPONSE) or the Error of a problem answer.
SchedulerKey fetch_scheduler_key(const HttpOptions& options);

}  // namespace br_sdk::schedule
