#include "br_sdk/schedule/errors.hpp"
#include "br_sdk/schedule/transport.hpp"
#include "br_sdk/schedule/util.hpp"

namespace br_sdk::schedule {

namespace {
const char* const kDirectReplyTo = "amq.rabbitmq.reply-to";
}

AmqpTransport::AmqpTransport(AmqpOptions options) : options_(std::move(options)) {
  std::lock_guard<std::mutex> lock(mutex_);
  connect();
}

void AmqpTransport::connect() {
  connection_.reset();
  AmqpConnection connection(options_);
  // Replies are consumed without acks: a reply lost with the connection is a request to retry.
  reply_queue_ = options_.direct_reply_to ? kDirectReplyTo : connection.declare_queue("", false, true, true);
  connection.consume(reply_queue_, true);
  connection_.emplace(std::move(connection));
}

nlohmann::json AmqpTransport::request(const nlohmann::json& message) { return request(message, new_uuid()); }

nlohmann::json AmqpTransport::request(const nlohmann::json& message, const std::string& message_id) {
  std::string body;
  if (options_.signer && message.is_object()) {  // not an object: the scheduler says MALFORMED_MESSAGE
    nlohmann::json signed_message = message;
    options_.signer->sign_message(signed_message);  // a fresh timestamp and nonce: a re-send is a new request
    body = signed_message.dump();
  } else {
    body = message.dump();
  }
  std::lock_guard<std::mutex> lock(mutex_);
  if (!connection_) connect();
  const std::string correlation_id = new_uuid();
  nlohmann::json reply;
  try {
    Publish publish;
    publish.routing_key = options_.request_queue;
    publish.body = std::move(body);
    publish.reply_to = reply_queue_;
    publish.correlation_id = correlation_id;
    publish.message_id = message_id;
    publish.mandatory = true;  // no request queue: UNROUTABLE at once rather than a timeout
    connection_->publish(publish);
    const auto deadline = std::chrono::steady_clock::now() + options_.timeout;
    for (;;) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        throw_error("TIMEOUT", "no reply from the scheduler on " + options_.request_queue + " within " +
                                   std::to_string(options_.timeout.count()) + " ms");
      }
      auto delivery = connection_->next(left);
      if (!delivery || delivery->correlation_id != correlation_id) continue;  // a late reply to an earlier request
      reply = nlohmann::json::parse(delivery->body, nullptr, false);
      break;
    }
  } catch (const TimeoutError&) {
    throw;
  } catch (const TransportError& e) {
    if (e.code() == "CONNECTION_FAILED") connection_.reset();  // reconnect on the next request
    throw;
  }
  if (!reply.is_object() || !reply.contains("ok")) throw_error("BAD_RESPONSE", "the reply is not a contract reply");
  if (reply["ok"] != true) throw_reply_error(reply);
  return reply;
}

}  // namespace br_sdk::schedule
