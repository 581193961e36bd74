#pragma once
// The contract's messages as C++ types: what a client sends (TaskRequest, ListQuery) and what it
// gets back (Task, Result, pages). Field names are the wire's (spec/wire.schema.json).

#include "br_sdk/schedule/dsl.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace br_sdk::schedule {

/// A task to create (the contract's create message).
struct TaskRequest {
  std::string requester_id;  ///< the requesting service, a UUID; results are routed by it
  Json schedule;             ///< a ScheduleBuilder, a Crontab, a list of Crontab objects, or any wire form
  std::string uri;           ///< absolute http(s) URL to call
  std::string method;        ///< GET (the default when empty), POST, PUT, PATCH, DELETE, HEAD
  Json parameters;           ///< a JSON object, or a string holding one; null: none
  std::optional<std::string> task_id;              ///< your id: sending it again is an idempotent retry
  std::optional<std::string> requester_signature;  ///< leave unset: the transport's Signer signs
  Json policies;                                   ///< {retry, misfire, overlap}; null: defaults
  std::map<std::string, std::string> headers;      ///< extra request headers
  std::optional<int> timeout_ms;                   ///< deadline of one attempt

  /// The create message's fields (without `op`).
  Json to_json() const;
};

/// A run's outcome: the contract's ResultMessage (also used for `last_run` and `runs`, where the
/// call's fields — uri, method, parameters, scheduler_signature — are absent and stay null).
struct Result {
  std::string task_id, requester_id, run_id;
  std::string trigger;  ///< "schedule" or "manual"
  std::string scheduled_at, fired_at, finished_at;
  long long attempts = 0;
  std::string status;  ///< "success" or "failed"
  std::optional<long long> http_status;
  std::optional<std::string> content;  ///< the response body as text, cut at 64 KiB
  bool truncated = false;
  std::optional<std::string> error;
  std::optional<std::string> uri, method;
  Json parameters;  ///< object, string or null, as the task has it
  std::optional<std::string> scheduler_signature;
  Json extra = Json::object();  ///< fields this version does not know, kept as received

  bool ok() const { return status == "success"; }
  static Result from_json(const Json& message);
  Json to_json() const;
};

/// A task record as the scheduler returns it.
struct Task {
  std::string id, requester_id;
  std::string status;  ///< active, paused, completed or cancelled
  Json schedule, target, policies;
  std::string created_at, updated_at;
  std::optional<std::string> next_fire_at;
  std::vector<std::string> next_fires;  ///< up to 5, soonest first
  long long fire_count = 0;
  std::optional<Result> last_run;
  std::vector<std::string> deliver_to;
  Json raw;  ///< the record as received, every field included

  static Task from_json(const Json& record);
};

struct TaskPage {
  std::vector<Task> tasks;
  std::optional<std::string> next_cursor;  ///< pass back as ListQuery::cursor; empty on the last page
};

struct RunPage {
  std::vector<Result> runs;  ///< newest first
  std::optional<std::string> next_cursor;
};

struct Triggered {
  std::string run_id;
  Task task;
};

/// Which tasks to list; unset fields are not sent.
struct ListQuery {
  std::optional<std::string> requester_id;
  std::vector<std::string> status;  ///< any of active, paused, completed, cancelled
  std::optional<int> limit;         ///< 1-1000, default 100
  std::optional<std::string> cursor;
};

}  // namespace br_sdk::schedule
