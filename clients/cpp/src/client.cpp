#include "br_sdk/schedule/client.hpp"

#include "br_sdk/schedule/errors.hpp"

namespace br_sdk::schedule {

namespace {

std::optional<std::string> cursor_of(const Json& reply) {
  const Json cursor = reply.value("next_cursor", Json());
  return cursor.is_string() ? std::optional<std::string>(cursor.get<std::string>()) : std::nullopt;
}

Task task_of(const Json& reply) {
  if (!reply.contains("task")) throw_error("BAD_RESPONSE", "the reply has no task");
  return Task::from_json(reply["task"]);
}

}  // namespace

Client::Client(std::shared_ptr<Transport> transport) : transport_(std::move(transport)) {}

Client Client::amqp(const AmqpOptions& options) { return Client(std::make_shared<AmqpTransport>(options)); }

Client Client::http(const HttpOptions& options) { return Client(std::make_shared<HttpTransport>(options)); }

Task Client::schedule(const TaskRequest& request) {
  Json message = request.to_json();
  message["op"] = "create";
  return task_of(transport_->request(message));
}

Task Client::task_op(const char* op, const std::string& task_id, const std::optional<std::string>& requester_id) {
  Json message = {{"op", op}, {"task_id", task_id}};
  if (requester_id) message["requester_id"] = *requester_id;
  return task_of(transport_->request(message));
}

Task Client::get(const std::string& id, const std::optional<std::string>& requester) {
  return task_op("get", id, requester);
}

Task Client::cancel(const std::string& id, const std::optional<std::string>& requester) {
  return task_op("cancel", id, requester);
}

Task Client::pause(const std::string& id, const std::optional<std::string>& requester) {
  return task_op("pause", id, requester);
}

Task Client::resume(const std::string& id, const std::optional<std::string>& requester) {
  return task_op("resume", id, requester);
}

Triggered Client::trigger(const std::string& task_id, const std::optional<std::string>& requester_id) {
  Json message = {{"op", "trigger"}, {"task_id", task_id}};
  if (requester_id) message["requester_id"] = *requester_id;
  const Json reply = transport_->request(message);
  return {reply.value("run_id", ""), task_of(reply)};
}

TaskPage Client::list(const ListQuery& query) {
  Json message = {{"op", "list"}};
  if (query.requester_id) message["requester_id"] = *query.requester_id;
  if (!query.status.empty()) message["status"] = query.status;
  if (query.limit) message["limit"] = *query.limit;
  if (query.cursor) message["cursor"] = *query.cursor;
  const Json reply = transport_->request(message);
  TaskPage page;
  for (const auto& task : reply.value("tasks", Json::array())) page.tasks.push_back(Task::from_json(task));
  page.next_cursor = cursor_of(reply);
  return page;
}

RunPage Client::runs(const std::string& task_id, std::optional<int> limit, const std::optional<std::string>& cursor) {
  Json message = {{"op", "runs"}, {"task_id", task_id}};
  if (limit) message["limit"] = *limit;
  if (cursor) message["cursor"] = *cursor;
  const Json reply = transport_->request(message);
  RunPage page;
  for (const auto& run : reply.value("runs", Json::array())) page.runs.push_back(Result::from_json(run));
  page.next_cursor = cursor_of(reply);
  return page;
}

std::vector<std::string> Client::preview(const Json& schedule, const std::optional<DateTime>& from,
                                         std::optional<int> count) {
  Json message = {{"op", "preview"}, {"schedule", schedule}};
  if (from) message["from"] = from->text();
  if (count) message["count"] = *count;
  return transport_->request(message).value("fires", std::vector<std::string>{});
}

}  // namespace br_sdk::schedule
