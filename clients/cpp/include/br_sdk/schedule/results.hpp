#pragma once
// Results over AMQP: a durable queue of yours, bound to the result exchange with your requester id
// as routing key. Each result is handed to a callback and acknowledged after it returns, so one
// that throws is redelivered. Delivery is at least once: de-duplicate by Result::run_id.
// With AmqpOptions::scheduler_key (or extra_scheduler_keys), each result's scheduler_signature is
// checked first: a result that fails is rejected without requeue and reported as
// AuthenticationError (SIGNATURE_INVALID) — thrown by poll(), given to the error handler by start()
// — and never reaches the handler.

#include "br_sdk/schedule/amqp_connection.hpp"
#include "br_sdk/schedule/messages.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace br_sdk::schedule {

class ResultConsumer {
 public:
  using Handler = std::function<void(const Result&)>;
  /// Told of failures on the background thread (a handler that threw, a lost connection, …).
  using ErrorHandler = std::function<void(const std::exception&)>;

  /// Connects, declares the queue (default `<result_exchange>.<requester_id>`; durable, so results
  /// wait while you are away) and binds it. Results published before this are not routed to it.
  ResultConsumer(AmqpOptions options, std::string requester_id, std::string queue = "");
  ~ResultConsumer();  ///< stops the background thread; the queue stays
  ResultConsumer(const ResultConsumer&) = delete;
  ResultConsumer& operator=(const ResultConsumer&) = delete;

  const std::string& queue() const { return queue_; }

  /// On this thread: waits up to `timeout` for one result, calls `handler`, then acks it. False on
  /// timeout. A handler's exception propagates, after the result is rejected for redelivery.
  bool poll(const Handler& handler, std::chrono::milliseconds timeout);

  /// On a background thread until stop(): calls `handler` for each result (one at a time, in
  /// order), reconnecting after connection failures. A handler that throws is reported to
  /// `on_error` (default: stderr) and its result redelivered after a pause of a second.
  void start(Handler handler, ErrorHandler on_error = {});
  /// Stops the background thread and waits for it (a handler in progress finishes first). Called
  /// from the handler, it returns at once and the thread ends after the handler.
  void stop();
  /// Deletes the queue (after stop); results routed to it later are dropped.
  void delete_queue();

 private:
  void open();
  bool verified(const Json& message) const;
  void handle_one(const Delivery& delivery, const Handler& handler);
  void run(const Handler& handler, const ErrorHandler& on_error);
  bool pause(std::chrono::milliseconds how_long);

  AmqpOptions options_;
  std::string requester_id_, queue_;
  std::optional<AmqpConnection> connection_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
};

}  // namespace br_sdk::schedule
