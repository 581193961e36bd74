// End to end against the real sidecar and RabbitMQ: tasks scheduled over AMQP and over HTTP call a
// real HTTP target, and their results come back through the ResultConsumer's callback. The sidecar
// runs with SCHEDULER_AUTH=signed: every request here is signed, and every result verified.
#include "support/helpers.hpp"
#include "support/sidecar.hpp"
#include "support/target_server.hpp"

#include <gtest/gtest.h>

using namespace br_sdk::schedule;
using namespace std::chrono_literals;
using test_support::Inbox;
using test_support::Received;
using test_support::Sidecar;
using test_support::TargetServer;

namespace {

/// A requester the sidecar has a key for, with its own result queue (results verified with the
/// scheduler's key), consumed on a background thread into an inbox.
struct Requester {
  std::shared_ptr<const Signer> signer = Sidecar::shared().keys().take();
  std::string id = signer->requester_id();
  Inbox inbox;
  ResultConsumer consumer{Sidecar::shared().amqp(signer), id, Sidecar::shared().unique("results." + id)};

  Requester() {
    Sidecar::shared().delete_at_end(consumer.queue());
    consumer.start([this](const Result& result) { inbox.push(result); });
  }
  std::optional<Result> result_of(const std::string& task_id, const std::string& trigger = "schedule") {
    return inbox.wait_for([&](const Result& r) { return r.task_id == task_id && r.trigger == trigger; }, 20s);
  }
};

bool listed(const TaskPage& page, const std::string& id) {
  return std::any_of(page.tasks.begin(), page.tasks.end(), [&](const Task& t) { return t.id == id; });
}

TEST(Amqp, SchedulesCallsTheTargetAndDeliversTheResult) {
  TargetServer target;
  Requester requester;
  Client client = Client::amqp(Sidecar::shared().amqp(requester.signer));

  TaskRequest request;
  request.requester_id = requester.id;
  request.task_id = Sidecar::shared().unique("amqp-task");
  request.uri = target.url("/amqp/report");
  request.method = "POST";
  request.parameters = {{"team", "ops"}, {"n", 3}};
  request.schedule = union_(cron("*/2 * * * * *")).in("Europe/London");
  request.policies = {{"overlap", "skip"}, {"retry", {{"max_attempts", 1}}}};
  const Task task = client.schedule(request);
  EXPECT_EQ(task.id, *request.task_id);
  EXPECT_EQ(task.status, "active");
  EXPECT_EQ(task.schedule["timezone"], "Europe/London");
  EXPECT_EQ(task.target["uri"], request.uri);
  EXPECT_FALSE(task.next_fires.empty());
  EXPECT_EQ(client.schedule(request).id, task.id);  // the same task_id again: the same task

  const auto call = target.wait_for([](const Received& r) { return r.path() == "/amqp/report"; }, 20s);
  ASSERT_TRUE(call) << Sidecar::shared().log();
  EXPECT_EQ(call->method, "POST");
  EXPECT_EQ(Json::parse(call->body), request.parameters);

  const auto result = requester.result_of(task.id);
  ASSERT_TRUE(result) << Sidecar::shared().log();
  EXPECT_TRUE(result->ok()) << result->to_json().dump();
  EXPECT_EQ(result->requester_id, requester.id);
  EXPECT_EQ(result->http_status, 200);
  EXPECT_EQ(result->content, TargetServer::kAnswer);
  EXPECT_EQ(result->uri, request.uri);
  EXPECT_EQ(result->method, "POST");
  EXPECT_EQ(result->parameters, request.parameters);
  EXPECT_TRUE(result->scheduler_signature);  // and the consumer verified it before handing it over

  const Task got = client.get(task.id, requester.id);
  EXPECT_GE(got.fire_count, 1);
  EXPECT_TRUE(listed(client.list({requester.id, {"active"}, 10, std::nullopt}), task.id));

  const Task cancelled = client.cancel(task.id);
  EXPECT_EQ(cancelled.status, "cancelled");
  EXPECT_TRUE(cancelled.next_fires.empty());
  EXPECT_FALSE(listed(client.list({requester.id, {"active"}, 10, std::nullopt}), task.id));
  EXPECT_TRUE(listed(client.list({requester.id, {"cancelled"}, 10, std::nullopt}), task.id));
  EXPECT_EQ(client.cancel(task.id).status, "cancelled");  // cancelling again is a no-op
}

TEST(Http, SchedulesAOneShotCallsTheTargetAndDeliversTheResult) {
  TargetServer target;
  Requester requester;
  Client client = Client::http(Sidecar::shared().http(requester.signer));

  TaskRequest request;
  request.requester_id = requester.id;
  request.uri = target.url("/http/ping");
  request.method = "GET";
  request.parameters = R"({"team":"ops"})";  // a JSON string: the contract's original form
  request.schedule = union_(at(std::chrono::system_clock::now() + 2s));
  const Task task = client.schedule(request);
  EXPECT_EQ(task.status, "active");
  ASSERT_EQ(task.next_fires.size(), 1u);
  EXPECT_NE(std::find(task.deliver_to.begin(), task.deliver_to.end(), "amqp"), task.deliver_to.end());

  const auto call = target.wait_for([](const Received& r) { return r.path() == "/http/ping"; }, 20s);
  ASSERT_TRUE(call) << Sidecar::shared().log();
  EXPECT_EQ(call->method, "GET");
  EXPECT_EQ(call->target, "/http/ping?team=ops");

  const auto result = requester.result_of(task.id);
  ASSERT_TRUE(result) << Sidecar::shared().log();
  EXPECT_TRUE(result->ok());
  EXPECT_EQ(result->parameters, request.parameters);
  EXPECT_EQ(result->method, "GET");

  EXPECT_EQ(client.get(task.id).status, "completed");
  const RunPage runs = client.runs(task.id, 5);
  ASSERT_EQ(runs.runs.size(), 1u);
  EXPECT_EQ(runs.runs[0].run_id, result->run_id);
  EXPECT_TRUE(listed(client.list({requester.id, {"completed"}, std::nullopt, std::nullopt}), task.id));
  EXPECT_THROW(client.pause(task.id), ConflictError);  // TASK_NOT_ACTIVE
}

TEST(Http, PausesResumesTriggersAndCancels) {
  TargetServer target;
  Requester requester;
  Client client = Client::http(Sidecar::shared().http(requester.signer));

  TaskRequest request;
  request.requester_id = requester.id;
  request.uri = target.url("/http/monthly");
  request.method = "PUT";
  request.parameters = {{"batch", "monthly"}};
  request.schedule = union_(monthly(3, "15:00")).in("Asia/Tehran");
  const Task task = client.schedule(request);
  EXPECT_EQ(client.pause(task.id, requester.id).status, "paused");
  EXPECT_EQ(client.resume(task.id).status, "active");
  EXPECT_THROW(client.get(task.id, new_uuid()), NotFoundError);  // another requester's task

  const Triggered triggered = client.trigger(task.id);
  EXPECT_FALSE(triggered.run_id.empty());
  const auto result = requester.result_of(task.id, "manual");
  ASSERT_TRUE(result) << Sidecar::shared().log();
  EXPECT_EQ(result->run_id, triggered.run_id);
  EXPECT_EQ(result->method, "PUT");
  EXPECT_EQ(client.cancel(task.id).status, "cancelled");
}

/// A crontab list with minute 61, over either channel, is refused naming `schedule[0].minute`.
void expect_bad_minute_refused(Client& client) {
  TaskRequest request;  // no requester_id: a signed create is the signer's
  request.uri = "http://127.0.0.1:9/x";
  Crontab bad;
  bad.minute = "61";
  request.schedule = Json::array({bad});
  try {
    client.schedule(request);
    FAIL() << "accepted minute 61";
  } catch (const ValidationError& e) {
    EXPECT_EQ(e.code(), "SCHEDULE_INVALID");
    EXPECT_EQ(test_support::paths_of(e), std::vector<std::string>{"schedule[0].minute"});
  }
  request.schedule = union_(weekly("THU", "17:00"));
  request.uri = "ftp://files.example/x";
  try {
    client.schedule(request);
    FAIL() << "accepted an ftp uri";
  } catch (const ValidationError& e) {
    EXPECT_EQ(e.code(), "INVALID_ARGUMENT");
    EXPECT_EQ(test_support::paths_of(e), std::vector<std::string>{"uri"});
  }
}

TEST(Amqp, BadInputThrowsNamingTheField) {
  Client client = Client::amqp(Sidecar::shared().amqp());
  expect_bad_minute_refused(client);
}

TEST(Http, BadInputThrowsNamingTheField) {
  Client client = Client::http(Sidecar::shared().http());
  expect_bad_minute_refused(client);
  try {
    client.get("no-such-task");
    FAIL();
  } catch (const NotFoundError& e) {
    EXPECT_EQ(e.code(), "TASK_NOT_FOUND");
    EXPECT_EQ(e.http_status(), 404);
  }
}

TEST(Amqp, DirectReplyToWorks) {
  AmqpOptions options = Sidecar::shared().amqp();
  options.direct_reply_to = true;
  Client client = Client::amqp(options);
  EXPECT_THROW(client.get("no-such-task"), NotFoundError);
  const auto fires = client.preview(union_(daily("09:00")), "2026-11-22T00:00:00Z", 2);
  EXPECT_EQ(fires, (std::vector<std::string>{"2026-11-22T09:00:00Z", "2026-11-23T09:00:00Z"}));
}

TEST(Amqp, ARequestNobodyAnswersTimesOut) {
  AmqpOptions options = Sidecar::shared().amqp();
  options.request_queue = Sidecar::shared().unique("unanswered");
  options.timeout = 300ms;
  AmqpConnection(options).declare_queue(options.request_queue, false, false, true);
  Sidecar::shared().delete_at_end(options.request_queue);
  Client client = Client::amqp(options);
  const auto started = std::chrono::steady_clock::now();
  EXPECT_THROW(client.get("x"), TimeoutError);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
}

TEST(Amqp, ARequestQueueThatDoesNotExistIsUnroutable) {
  AmqpOptions options = Sidecar::shared().amqp();
  options.request_queue = Sidecar::shared().unique("missing");
  Client client = Client::amqp(options);
  try {
    client.get("x");
    FAIL();
  } catch (const TransportError& e) {
    EXPECT_EQ(e.code(), "UNROUTABLE");
  }
}

TEST(Transport, UnreachableServersThrowTransportErrors) {
  HttpOptions http{"http://127.0.0.1:1", 2000ms};
  EXPECT_THROW(Client::http(http).get("x"), TransportError);
  AmqpOptions amqp = Sidecar::shared().amqp();
  amqp.port = 1;
  amqp.timeout = 2000ms;
  try {
    Client::amqp(amqp);
    FAIL();
  } catch (const TransportError& e) {
    EXPECT_EQ(e.code(), "CONNECTION_FAILED");
  }
}

TEST(Results, AHandlerThatThrowsGetsTheResultAgain) {
  const std::string requester = new_uuid();
  ResultConsumer consumer(Sidecar::shared().amqp(), requester, Sidecar::shared().unique("redeliver"));
  Sidecar::shared().delete_at_end(consumer.queue());
  Json message = test_support::load_vectors("results.json")["cases"][1]["message"];
  message["requester_id"] = requester;
  // Signed with the scheduler's key, as the scheduler would: the consumer verifies every result.
  message["scheduler_signature"] =
      Sidecar::shared().keys().scheduler_signer().sign(result_signing_input(message));
  Publish publish;
  publish.exchange = Sidecar::shared().amqp().result_exchange;
  publish.routing_key = requester;
  publish.body = message.dump();
  AmqpConnection(Sidecar::shared().amqp()).publish(publish);

  EXPECT_THROW(consumer.poll([](const Result&) { throw std::runtime_error("not now"); }, 5s), std::runtime_error);
  std::optional<Result> again;
  EXPECT_TRUE(consumer.poll([&](const Result& r) { again = r; }, 5s));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->to_json(), message);
  EXPECT_FALSE(consumer.poll([](const Result&) {}, 200ms));  // acked: gone
}

}  // namespace
