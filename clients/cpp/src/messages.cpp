#include "br_sdk/schedule/messages.hpp"

#include "br_sdk/schedule/errors.hpp"

namespace br_sdk::schedule {

namespace {

std::optional<std::string> optional_string(const Json& value) {
  if (value.is_null()) return std::nullopt;
  return value.get<std::string>();
}

Json or_null(const std::optional<std::string>& value) { return value ? Json(*value) : Json(nullptr); }

/// Reads a message field by field; a missing or mistyped field is a BAD_RESPONSE naming it.
template <class F>
auto reading(const char* what, F&& read) {
  try {
    return read();
  } catch (const Json::exception& e) {
    throw_error("BAD_RESPONSE", std::string("cannot read ") + what + ": " + e.what());
  }
}

}  // namespace

Json TaskRequest::to_json() const {
  Json message = {{"requester_id", requester_id}, {"schedule", schedule}, {"uri", uri}};
  if (!method.empty()) message["method"] = method;
  if (!parameters.is_null()) message["parameters"] = parameters;
  if (task_id) message["task_id"] = *task_id;
  if (requester_signature) message["requester_signature"] = *requester_signature;
  if (!policies.is_null()) message["policies"] = policies;
  if (!headers.empty()) message["headers"] = headers;
  if (timeout_ms) message["timeout_ms"] = *timeout_ms;
  return message;
}

Result Result::from_json(const Json& m) {
  return reading("a result", [&] {
    Result r;
    r.task_id = m.at("task_id").get<std::string>();
    r.requester_id = m.at("requester_id").get<std::string>();
    r.run_id = m.at("run_id").get<std::string>();
    r.trigger = m.at("trigger").get<std::string>();
    r.scheduled_at = m.at("scheduled_at").get<std::string>();
    r.fired_at = m.at("fired_at").get<std::string>();
    r.finished_at = m.at("finished_at").get<std::string>();
    r.attempts = m.at("attempts").get<long long>();
    r.status = m.at("status").get<std::string>();
    const Json& http_status = m.at("http_status");
    if (!http_status.is_null()) r.http_status = http_status.get<long long>();
    r.content = optional_string(m.at("content"));
    r.truncated = m.at("truncated").get<bool>();
    r.error = optional_string(m.at("error"));
    r.uri = optional_string(m.value("uri", Json()));
    r.method = optional_string(m.value("method", Json()));
    r.parameters = m.value("parameters", Json());
    r.scheduler_signature = optional_string(m.value("scheduler_signature", Json()));
    const Json known = r.to_json();
    for (const auto& [key, value] : m.items()) {
      if (!known.contains(key)) r.extra[key] = value;
    }
    return r;
  });
}

Json Result::to_json() const {
  Json m = extra;
  m.update(Json{{"task_id", task_id},
                {"requester_id", requester_id},
                {"run_id", run_id},
                {"trigger", trigger},
                {"scheduled_at", scheduled_at},
                {"fired_at", fired_at},
                {"finished_at", finished_at},
                {"attempts", attempts},
                {"status", status},
                {"http_status", http_status ? Json(*http_status) : Json(nullptr)},
                {"content", or_null(content)},
                {"truncated", truncated},
                {"error", or_null(error)},
                {"uri", or_null(uri)},
                {"method", or_null(method)},
                {"parameters", parameters},
                {"scheduler_signature", or_null(scheduler_signature)}});
  return m;
}

Task Task::from_json(const Json& record) {
  return reading("a task", [&] {
    Task t;
    t.id = record.at("id").get<std::string>();
    t.requester_id = record.at("requester_id").get<std::string>();
    t.status = record.at("status").get<std::string>();
    t.schedule = record.at("schedule");
    t.target = record.at("target");
    t.policies = record.at("policies");
    t.created_at = record.at("created_at").get<std::string>();
    t.updated_at = record.at("updated_at").get<std::string>();
    t.next_fire_at = optional_string(record.at("next_fire_at"));
    t.next_fires = record.at("next_fires").get<std::vector<std::string>>();
    t.fire_count = record.at("fire_count").get<long long>();
    if (!record.at("last_run").is_null()) t.last_run = Result::from_json(record["last_run"]);
    t.deliver_to = record.value("deliver_to", std::vector<std::string>{});
    t.raw = record;
    return t;
  });
}

}  // namespace br_sdk::schedule
