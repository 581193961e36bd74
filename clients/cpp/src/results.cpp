#include "br_sdk/schedule/results.hpp"

#include "br_sdk/schedule/errors.hpp"

#include <iostream>

namespace br_sdk::schedule {

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

void ResultConsumer::handle_one(const Delivery& delivery, const Handler& handler) {
  std::optional<Result> result;
  try {
    result = Result::from_json(Json::parse(delivery.body));
  } catch (const std::exception& e) {
    connection_->reject(delivery.delivery_tag, false);  // cannot ever be read: drop it
    throw_error("BAD_RESPONSE", std::string("unreadable result message: ") + e.what());
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
