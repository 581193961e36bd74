#pragma once
// One AMQP 0-9-1 connection with one channel (rabbitmq-c), owned RAII. Not thread-safe: use it
// from one thread at a time. Broker failures throw TransportError (CONNECTION_FAILED, UNROUTABLE).

#include "br_sdk/schedule/signing.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace br_sdk::schedule {

/// Where the broker is and which names the scheduler uses.
struct AmqpOptions {
  std::string host = "127.0.0.1";
  int port = 5672;
  std::string user = "guest", password = "guest", vhost = "/";
  std::string request_queue = "br.schedule.requests";  ///< SCHEDULER_AMQP_REQUEST_QUEUE
  std::string result_exchange = "br.schedule.results";  ///< SCHEDULER_AMQP_RESULT_EXCHANGE
  /// Bounds connecting, every broker round trip, and waiting for a request's reply.
  std::chrono::milliseconds timeout{10000};
  /// Replies come to an exclusive server-named queue, or with true to `amq.rabbitmq.reply-to`.
  bool direct_reply_to = false;
  /// Signs every request an AmqpTransport sends (docs/clients/cpp.md#signing); null: unsigned,
  /// which a scheduler with SCHEDULER_AUTH=signed (its default) refuses with UNAUTHENTICATED.
  std::shared_ptr<const Signer> signer;
  /// Verifies every result a ResultConsumer receives: one that fails is rejected without requeue
  /// and reported (AuthenticationError, SIGNATURE_INVALID), never handed to the handler.
  std::optional<SchedulerKey> scheduler_key;
  /// More keys a result may verify with, while the scheduler's key is rotated (the new one and the
  /// old one, until no result signed with the old can still be waiting). Non-empty: verification is
  /// on even without scheduler_key.
  std::vector<SchedulerKey> extra_scheduler_keys;

  /// `amqp://user:password@host:port/vhost` (the form of SCHEDULER_AMQP_URL); names keep their defaults.
  static AmqpOptions from_url(const std::string& url);
};

/// A message received from a queue.
struct Delivery {
  std::string body, routing_key, correlation_id, message_id;
  std::uint64_t delivery_tag = 0;
  bool redelivered = false;
};

/// What to set on a published message.
struct Publish {
  std::string exchange, routing_key, body;
  std::string reply_to, correlation_id, message_id;
  bool persistent = true;
  bool mandatory = false;  ///< an unroutable message makes a later next() throw UNROUTABLE
};

class AmqpConnection {
 public:
  explicit AmqpConnection(const AmqpOptions& options);
  ~AmqpConnection();
  AmqpConnection(AmqpConnection&&) noexcept;
  AmqpConnection& operator=(AmqpConnection&&) noexcept;

  /// Declares a queue; an empty name asks the server for one. Returns the queue's name.
  std::string declare_queue(const std::string& name, bool durable, bool exclusive, bool auto_delete);
  /// Declares a durable topic exchange (as the scheduler does for its results).
  void declare_topic_exchange(const std::string& name);
  void bind_queue(const std::string& queue, const std::string& exchange, const std::string& routing_key);
  void delete_queue(const std::string& name);
  void delete_exchange(const std::string& name);
  void set_prefetch(std::uint16_t count);
  /// Starts consuming `queue`; with `no_ack` the broker considers deliveries settled on sending.
  void consume(const std::string& queue, bool no_ack);
  void publish(const Publish& message);
  /// The next delivery of any consumer on this connection, or nothing after `timeout`.
  std::optional<Delivery> next(std::chrono::milliseconds timeout);
  void ack(std::uint64_t delivery_tag);
  void reject(std::uint64_t delivery_tag, bool requeue);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace br_sdk::schedule
