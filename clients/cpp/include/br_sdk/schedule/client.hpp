#pragma once
// The client: task operations over a Transport (AMQP or HTTP), typed in and out. Every call
// blocks until the scheduler answers (or the transport's timeout) and throws Error on failure.

#include "br_sdk/schedule/messages.hpp"
#include "br_sdk/schedule/transport.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace br_sdk::schedule {

class Client {
 public:
  explicit Client(std::shared_ptr<Transport> transport);
  /// Requests over AMQP (results are consumed with a ResultConsumer).
  static Client amqp(const AmqpOptions& options);
  /// Requests over the REST API.
  static Client http(const HttpOptions& options);

  /// Creates a task; with a task_id, the same request again answers the task it created.
  Task schedule(const TaskRequest& request);
  /// The task. With a requester_id, the task must be that requester's (else TASK_NOT_FOUND).
  Task get(const std::string& task_id, const std::optional<std::string>& requester_id = std::nullopt);
  /// Stops the task for good (its record stays); cancelling again is a no-op.
  Task cancel(const std::string& task_id, const std::optional<std::string>& requester_id = std::nullopt);
  Task pause(const std::string& task_id, const std::optional<std::string>& requester_id = std::nullopt);
  Task resume(const std::string& task_id, const std::optional<std::string>& requester_id = std::nullopt);
  /// Runs the task once now; its result arrives like any other, with trigger "manual".
  Triggered trigger(const std::string& task_id, const std::optional<std::string>& requester_id = std::nullopt);
  /// A page of tasks in id order; pass next_cursor back as cursor for the next.
  TaskPage list(const ListQuery& query = {});
  /// A page of the task's finished runs, newest first.
  RunPage runs(const std::string& task_id, std::optional<int> limit = std::nullopt,
               const std::optional<std::string>& cursor = std::nullopt);
  /// The next `count` fires of a schedule strictly after `from` (default now), RFC 3339 UTC.
  std::vector<std::string> preview(const Json& schedule, const std::optional<DateTime>& from = std::nullopt,
                                   std::optional<int> count = std::nullopt);

  /// Any contract request message; returns the success reply as is.
  Json request(const Json& message) { return transport_->request(message); }

 private:
  Task task_op(const char* op, const std::string& task_id, const std::optional<std::string>& requester_id);
  std::shared_ptr<Transport> transport_;
};

}  // namespace br_sdk::schedule
