#include "br_sdk/schedule/results.hpp"

#include "br_sdk/schedule/errors.hpp"

#include <algorithm>
#include <iostream>
#include <stdexcept>
#include <utility>
#include <vector>

namespace br_sdk::schedule {

namespace {

/// Whether JSON nests deeper than any result can (the scheduler takes requests of 64 levels at
/// most); checked without recursion, before anything recursive (copies, verification) touches it.
bool too_deep(const Json& root, size_t max = 128) {
  std::vector<std::pair<const Json*, size_t>> stack{{&root, 1}};
  while (!stack.empty()) {
    const auto [value, depth] = stack.back();
    stack.pop_back();
    if (!value->is_structured()) continue;
    if (depth > max) return true;
    for (const auto& member : *value) stack.emplace_back(&member, depth + 1);
  }
  return false;
}

}  // namespace

ResultConsumer::ResultConsumer(AmqpOptions options, std::string requester_id, std::string queue)
    : options_(std::move(options)), requester_id_(std::move(requester_id)), queue_(std::move(queue)) {
  if (queue_.empty()) queue_ = options_.result_exchange + "." + requester_id_;
  open();
}

ResultConsumer::~ResultConsumer() { stop(); }

void ResultConsumer::open() {
  connection_.reset();
  AmqpConnection connection(options_);
  connection.declare_topic_exchange(options_.result_exchange);  // as the scheduler declares it
  connection.declare_queue(queue_, true, false, false);
  connection.bind_queue(queue_, options_.result_exchange, requester_id_);
  connection.set_prefetch(16);
  connection.consume(queue_, false);
  connection_.emplace(std::move(connection));
}

bool ResultConsumer::verified(const Json& message) const {
  const auto& extra = options_.extra_scheduler_keys;
  if (!options_.scheduler_key && extra.empty()) return true;  // verification off
  if (options_.scheduler_key && options_.scheduler_key->verify_result(message)) return true;
  return std::any_of(extra.begin(), extra.end(), [&](const SchedulerKey& key) { return key.verify_result(message); });
}

void ResultConsumer::handle_one(const Delivery& delivery, const Handler& handler) {
  std::optional<Result> result;
  Json message;
  try {
    message = Json::parse(delivery.body);
    if (too_deep(message)) throw std::invalid_argument("nested deeper than a result can be");
    result = Result::from_json(message);
  } catch (const std::exception& e) {
    connection_->reject(delivery.delivery_tag, false);  // cannot ever be read: drop it
    throw_error("BAD_RESPONSE", std::string("unreadable result message: ") + e.what());
  }
  // Verified as received (every member, known or not), never as re-serialized.
  if (!verified(message)) {
    // Not the scheduler's, or changed on the way: redelivering it would fail the same way for ever,
    // so it goes (to the queue's dead-letter exchange, if it has one) and the application is told.
    connection_->reject(delivery.delivery_tag, false);
    throw AuthenticationError("SIGNATURE_INVALID",
                              "a result message failed the scheduler's signature check and was rejected (it claims "
                              "task " + result->task_id + ", run " + result->run_id + ")",
                              {{"scheduler_signature", message.contains("scheduler_signature") ? "does not verify"
                                                                                                : "missing"}});
  }
  try {
    handler(*result);
  } catch (...) {
    connection_->reject(delivery.delivery_tag, true);
    throw;
  }
  connection_->ack(delivery.delivery_tag);
}

bool ResultConsumer::poll(const Handler& handler, std::chrono::milliseconds timeout) {
  if (thread_.joinable()) throw std::logic_error("ResultConsumer::poll while started");
  if (!connection_) open();
  try {
    auto delivery = connection_->next(timeout);
    if (!delivery) return false;
    handle_one(*delivery, handler);
    return true;
  } catch (const TransportError& e) {
    if (e.code() == "CONNECTION_FAILED") connection_.reset();  // reopened on the next poll
    throw;
  }
}

void ResultConsumer::start(Handler handler, ErrorHandler on_error) {
  if (thread_.joinable()) throw std::logic_error("ResultConsumer already started");
  if (!on_error) {
    on_error = [](const std::exception& e) { std::cerr << "br_sdk::schedule results: " << e.what() << "\n"; };
  }
  stopping_ = false;
  thread_ = std::thread([this, handler = std::move(handler), on_error = std::move(on_error)] {
    run(handler, on_error);
  });
}

void ResultConsumer::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  // From the handler itself: the thread ends after it returns, and the destructor joins it.
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

bool ResultConsumer::pause(std::chrono::milliseconds how_long) {
  std::unique_lock<std::mutex> lock(mutex_);
  return !wake_.wait_for(lock, how_long, [this] { return stopping_.load(); });
}

void ResultConsumer::run(const Handler& handler, const ErrorHandler& on_error) {
  std::chrono::milliseconds backoff{250};
  while (!stopping_) {
    try {
      if (!connection_) open();
      backoff = std::chrono::milliseconds{250};
      // Short waits, so stop() is noticed within a fifth of a second.
      if (auto delivery = connection_->next(std::chrono::milliseconds{200})) handle_one(*delivery, handler);
    } catch (const AuthenticationError& e) {
      on_error(e);  // the forged result is gone; carry on with the next at once
    } catch (const TransportError& e) {
      if (e.code() == "CONNECTION_FAILED") connection_.reset();
      on_error(e);
      if (!pause(backoff)) return;
      backoff = std::min(backoff * 2, std::chrono::milliseconds{10000});
    } catch (const std::exception& e) {
      on_error(e);
      if (!pause(std::chrono::seconds{1})) return;
    } catch (...) {
      on_error(Error("HANDLER_FAILED", "the result handler threw a non-standard exception"));
      if (!pause(std::chrono::seconds{1})) return;
    }
  }
}

void ResultConsumer::delete_queue() {
  stop();
  connection_.reset();
  AmqpConnection(options_).delete_queue(queue_);
}

}  // namespace br_sdk::schedule
