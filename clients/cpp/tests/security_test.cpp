// Signing end to end, against the real sidecar with SCHEDULER_AUTH=signed and the real broker:
// signed requests (Ed25519 and HMAC, over AMQP and REST) are taken; unsigned, unknown, forged,
// replayed, expired and other-owner requests are refused with their codes; real results verify
// with the key the scheduler publishes, and a tampered result is refused and never delivered.
#include "support/helpers.hpp"
#include "support/raw_http.hpp"
#include "support/sidecar.hpp"
#include "support/target_server.hpp"

#include <gtest/gtest.h>

#include <functional>

using namespace br_sdk::schedule;
using namespace std::chrono_literals;
using test_support::Inbox;
using test_support::Sidecar;

namespace {

using SignerPtr = std::shared_ptr<const Signer>;

Sidecar& sidecar() { return Sidecar::shared(); }

/// The Error `call` throws (a failure if it throws none).
std::optional<Error> error_of(const std::function<void()>& call) {
  try {
    call();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "no error";
  return std::nullopt;
}

/// Expects `call` to throw an Error with `code` (of family E), and returns its HTTP status.
template <class E>
int expect_refused(const std::function<void()>& call, const std::string& code) {
  try {
    call();
  } catch (const E& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    return e.http_status();
  } catch (const Error& e) {
    ADD_FAILURE() << "expected " << code << ", got " << e.code() << ": " << e.what();
    return -1;
  }
  ADD_FAILURE() << "expected " << code << ", got no error";
  return -1;
}

/// The code of a problem document.
std::string problem_code(const test_support::RawAnswer& answer) {
  const Json body = Json::parse(answer.body, nullptr, false);
  return body.is_object() ? body.value("code", "") : "";
}

TaskRequest hourly(const SignerPtr& signer, const std::string& task_id) {
  TaskRequest request;
  request.requester_id = signer->requester_id();
  request.task_id = sidecar().unique(task_id);
  request.uri = "http://127.0.0.1:9/never";
  request.schedule = union_(cron("0 * * * *"));
  return request;
}

bool listed(const TaskPage& page, const std::string& id) {
  return std::any_of(page.tasks.begin(), page.tasks.end(), [&](const Task& t) { return t.id == id; });
}

/// Every task operation, signed, over one channel.
void every_operation_signed(Client& client, const SignerPtr& signer, const std::string& name) {
  TaskRequest request = hourly(signer, name + ":ops");  // ':' travels escaped in REST paths
  const Task task = client.schedule(request);
  EXPECT_EQ(task.requester_id, signer->requester_id());
  EXPECT_EQ(client.schedule(request).id, task.id);  // the same again: a new nonce, the same task
  EXPECT_EQ(client.get(task.id).id, task.id);
  EXPECT_EQ(client.get(task.id, signer->requester_id()).id, task.id);
  EXPECT_TRUE(listed(client.list({std::nullopt, {"active", "paused"}, 100, std::nullopt}), task.id));
  EXPECT_EQ(client.pause(task.id).status, "paused");
  EXPECT_EQ(client.resume(task.id).status, "active");
  EXPECT_FALSE(client.trigger(task.id).run_id.empty());
  EXPECT_NO_THROW(client.runs(task.id, 5));
  EXPECT_EQ(client.cancel(task.id).status, "cancelled");
}

TEST(Signed, Ed25519AndHmacRequestsAreTakenOverAmqp) {
  for (const SignerPtr& signer : {sidecar().keys().take(), sidecar().keys().take_hmac()}) {
    SCOPED_TRACE(signer->algorithm());
    Client client = Client::amqp(sidecar().amqp(signer));
    every_operation_signed(client, signer, "amqp-" + signer->algorithm());
  }
}

TEST(Signed, Ed25519AndHmacRequestsAreTakenOverHttp) {
  for (const SignerPtr& signer : {sidecar().keys().take(), sidecar().keys().take_hmac()}) {
    SCOPED_TRACE(signer->algorithm());
    Client client = Client::http(sidecar().http(signer));
    every_operation_signed(client, signer, "http-" + signer->algorithm());
  }
}

TEST(Signed, AnHmacRequestersResultsArriveVerified) {
  test_support::TargetServer target;
  const SignerPtr signer = sidecar().keys().take_hmac();
  Inbox inbox;
  ResultConsumer consumer(sidecar().amqp(signer), signer->requester_id(), sidecar().unique("hmac-results"));
  sidecar().delete_at_end(consumer.queue());
  consumer.start([&](const Result& r) { inbox.push(r); });
  Client client = Client::http(sidecar().http(signer));
  TaskRequest request = hourly(signer, "hmac-trigger");
  request.uri = target.url("/hmac");
  const Task task = client.schedule(request);
  const Triggered run = client.trigger(task.id);
  const auto result = inbox.wait_for([&](const Result& r) { return r.run_id == run.run_id; }, 20s);
  ASSERT_TRUE(result) << sidecar().log();
  EXPECT_TRUE(result->ok());
  EXPECT_TRUE(sidecar().keys().scheduler_key().verify_result(result->to_json()));
  client.cancel(task.id);
}

TEST(Signed, RestHeadersCoverTheTargetAndBodyAsSentOnTheWire) {
  // A plain HTTP server records each request as it arrived; its signature must verify over that.
  test_support::TargetServer wire;
  const auto signer = std::make_shared<Ed25519Signer>(Ed25519Signer::generate(new_uuid()));
  const SchedulerKey public_key = SchedulerKey::from_pem(signer->public_key_pem());
  HttpOptions options;
  options.base_url = wire.url("/behind/a/prefix/");
  options.signer = signer;
  HttpTransport transport(options);
  transport.request({{"op", "create"}, {"uri", "http://127.0.0.1:9/é?x=1 2"}, {"schedule", {{"cron", "0 * * * *"}}},
                     {"parameters", {{"note", "😀 \u2028"}}}});
  transport.request({{"op", "list"}, {"status", {"active", "paused"}}, {"cursor", "a b/c?d&e=f"}, {"limit", 5}});
  transport.request({{"op", "get"}, {"task_id", "team:report.1"}});
  transport.request({{"op", "cancel"}, {"task_id", "team:report.1"}});
  transport.request({{"op", "pause"}, {"task_id", "x"}});
  for (const std::string path : {"/behind/a/prefix/v1/tasks", "/behind/a/prefix/v1/tasks/team%3Areport.1",
                                 "/behind/a/prefix/v1/tasks/x/pause"}) {
    const auto seen = wire.wait_for([&](const test_support::Received& r) { return r.path() == path; }, 5s);
    ASSERT_TRUE(seen) << path;
  }
  const auto all = wire.received();
  ASSERT_EQ(all.size(), 5u);
  for (const auto& r : all) {
    SCOPED_TRACE(r.method + " " + r.target);
    EXPECT_EQ(r.headers.at("x-br-requester-id"), signer->requester_id());
    const std::string input = http_signing_input(r.method, r.target, r.headers.at("x-br-requester-id"),
                                                 r.headers.at("x-br-timestamp"), r.headers.at("x-br-nonce"), r.body);
    EXPECT_TRUE(public_key.verify(input, r.headers.at("x-br-signature")));
  }
  EXPECT_EQ(Json::parse(all[0].body)["requester_id"], signer->requester_id());  // filled in for a create
  EXPECT_NE(all[1].target.find("status=active%2Cpaused"), std::string::npos) << all[1].target;
}

// ---- refused: not signed, or by nobody the scheduler knows ----

TEST(Refused, UnsignedRequests) {
  Client amqp = Client::amqp(sidecar().amqp(nullptr));
  expect_refused<AuthenticationError>([&] { amqp.list(); }, "UNAUTHENTICATED");
  Client http = Client::http(sidecar().http(nullptr));
  EXPECT_EQ(expect_refused<AuthenticationError>([&] { http.list(); }, "UNAUTHENTICATED"), 401);
  // Headers missing one: the missing one is named.
  auto headers = sidecar().default_signer()->sign_http("GET", "/v1/tasks", "");
  headers.erase("X-Br-Signature");
  const auto answer = test_support::raw_http("GET", sidecar().url(), "/v1/tasks", headers);
  EXPECT_EQ(answer.status, 401);
  EXPECT_EQ(problem_code(answer), "UNAUTHENTICATED");
  EXPECT_NE(answer.body.find("X-Br-Signature"), std::string::npos) << answer.body;
}

TEST(Refused, RequestersWithoutAKey) {
  const SignerPtr stranger = std::make_shared<Ed25519Signer>(Ed25519Signer::generate(new_uuid()));
  expect_refused<AuthenticationError>([&] { Client::amqp(sidecar().amqp(stranger)).list(); }, "UNAUTHENTICATED");
  expect_refused<AuthenticationError>([&] { Client::http(sidecar().http(stranger)).list(); }, "UNAUTHENTICATED");
}

// ---- refused: forged ----

TEST(Refused, ForgedSignatures) {
  const SignerPtr owner = sidecar().keys().take();
  // The requester's id with another key, Ed25519 and HMAC.
  const SignerPtr impostor = std::make_shared<Ed25519Signer>(Ed25519Signer::generate(owner->requester_id()));
  const SignerPtr hmac_owner = sidecar().keys().take_hmac();
  const SignerPtr hmac_impostor = std::make_shared<HmacSigner>(HmacSigner::generate(hmac_owner->requester_id()));
  for (const SignerPtr& forger : {impostor, hmac_impostor}) {
    expect_refused<AuthenticationError>([&] { Client::amqp(sidecar().amqp(forger)).list(); }, "SIGNATURE_INVALID");
    EXPECT_EQ(expect_refused<AuthenticationError>([&] { Client::http(sidecar().http(forger)).list(); },
                                                  "SIGNATURE_INVALID"),
              401);
  }

  // A message changed after it was signed, sent as it is (no signer on the transport).
  AmqpTransport as_is(sidecar().amqp(nullptr));
  Json changed = {{"op", "list"}, {"limit", 1}};
  owner->sign_message(changed);
  changed["limit"] = 2;
  expect_refused<AuthenticationError>([&] { as_is.request(changed); }, "SIGNATURE_INVALID");
  // Signed by one requester, claiming another.
  Json claimed = {{"op", "list"}};
  owner->sign_message(claimed);
  claimed["requester_id"] = sidecar().default_signer()->requester_id();
  expect_refused<AuthenticationError>([&] { as_is.request(claimed); }, "SIGNATURE_INVALID");

  // REST: another target or another body than the one signed.
  const auto for_limit_1 = owner->sign_http("GET", "/v1/tasks?limit=1", "");
  auto answer = test_support::raw_http("GET", sidecar().url(), "/v1/tasks?limit=2", for_limit_1);
  EXPECT_EQ(answer.status, 401);
  EXPECT_EQ(problem_code(answer), "SIGNATURE_INVALID");
  Json body = {{"requester_id", owner->requester_id()}, {"uri", "http://127.0.0.1:9/x"},
               {"schedule", {{"cron", "0 * * * *"}}}};
  const auto for_body = owner->sign_http("POST", "/v1/tasks", body.dump());
  body["uri"] = "http://127.0.0.1:9/elsewhere";
  answer = test_support::raw_http("POST", sidecar().url(), "/v1/tasks", for_body, body.dump());
  EXPECT_EQ(answer.status, 401);
  EXPECT_EQ(problem_code(answer), "SIGNATURE_INVALID");
  // Signed for DELETE (cancel), sent as GET to the same target.
  const auto for_delete = owner->sign_http("DELETE", "/v1/tasks/x", "");
  answer = test_support::raw_http("GET", sidecar().url(), "/v1/tasks/x", for_delete);
  EXPECT_EQ(answer.status, 401);
  EXPECT_EQ(problem_code(answer), "SIGNATURE_INVALID");
}

// ---- refused: replayed, expired ----

TEST(Refused, ReplayedRequests) {
  const SignerPtr signer = sidecar().keys().take();
  AmqpTransport as_is(sidecar().amqp(nullptr));
  Json message = {{"op", "list"}};
  signer->sign_message(message);
  EXPECT_NO_THROW(as_is.request(message));
  expect_refused<AuthenticationError>([&] { as_is.request(message); }, "REQUEST_REPLAYED");

  const auto headers = signer->sign_http("GET", "/v1/tasks?limit=1", "");
  EXPECT_EQ(test_support::raw_http("GET", sidecar().url(), "/v1/tasks?limit=1", headers).status, 200);
  const auto again = test_support::raw_http("GET", sidecar().url(), "/v1/tasks?limit=1", headers);
  EXPECT_EQ(again.status, 401);
  EXPECT_EQ(problem_code(again), "REQUEST_REPLAYED");

  // A nonce spent over AMQP is spent over REST too (one authenticator for every channel).
  const auto reused = signer->sign_http("GET", "/v1/tasks", "", to_rfc3339(std::chrono::system_clock::now()),
                                        message["nonce"].get<std::string>());
  EXPECT_EQ(problem_code(test_support::raw_http("GET", sidecar().url(), "/v1/tasks", reused)), "REQUEST_REPLAYED");

  // The client itself never replays: each send is signed afresh.
  Client client = Client::amqp(sidecar().amqp(signer));
  EXPECT_NO_THROW(client.list());
  EXPECT_NO_THROW(client.list());
}

TEST(Refused, ExpiredRequests) {
  const SignerPtr signer = sidecar().keys().take();
  AmqpTransport as_is(sidecar().amqp(nullptr));
  const auto now = std::chrono::system_clock::now();
  for (const auto when : {now - 10min, now + 10min}) {
    Json message = {{"op", "list"}};
    signer->sign_message(message, to_rfc3339(when), new_nonce());
    expect_refused<AuthenticationError>([&] { as_is.request(message); }, "REQUEST_EXPIRED");
    const auto headers = signer->sign_http("GET", "/v1/tasks", "", to_rfc3339(when), new_nonce());
    const auto answer = test_support::raw_http("GET", sidecar().url(), "/v1/tasks", headers);
    EXPECT_EQ(answer.status, 401);
    EXPECT_EQ(problem_code(answer), "REQUEST_EXPIRED");
  }
}

// ---- refused: another requester's tasks ----

TEST(Refused, AnotherRequestersTasks) {
  const SignerPtr owner = sidecar().keys().take();
  const SignerPtr other = sidecar().keys().take();
  Client mine = Client::amqp(sidecar().amqp(owner));
  const Task task = mine.schedule(hourly(owner, "owned"));

  for (Client theirs : {Client::amqp(sidecar().amqp(other)), Client::http(sidecar().http(other))}) {
    expect_refused<NotFoundError>([&] { theirs.get(task.id); }, "TASK_NOT_FOUND");
    expect_refused<NotFoundError>([&] { theirs.pause(task.id); }, "TASK_NOT_FOUND");
    expect_refused<NotFoundError>([&] { theirs.trigger(task.id); }, "TASK_NOT_FOUND");
    expect_refused<NotFoundError>([&] { theirs.runs(task.id); }, "TASK_NOT_FOUND");
    expect_refused<NotFoundError>([&] { theirs.cancel(task.id); }, "TASK_NOT_FOUND");
    EXPECT_FALSE(listed(theirs.list({std::nullopt, {}, 1000, std::nullopt}), task.id));
    // A task id that is theirs (to the owner) looks just like one that does not exist.
    expect_refused<NotFoundError>([&] { theirs.get(sidecar().unique("no-such-task")); }, "TASK_NOT_FOUND");
  }
  // REST: naming the owner gets nothing of theirs; creating for them is forbidden.
  Client rest = Client::http(sidecar().http(other));
  expect_refused<NotFoundError>([&] { rest.get(task.id, owner->requester_id()); }, "TASK_NOT_FOUND");
  EXPECT_TRUE(rest.list({owner->requester_id(), {}, 100, std::nullopt}).tasks.empty());
  EXPECT_EQ(expect_refused<ForbiddenError>([&] { rest.schedule(hourly(owner, "forged-owner")); }, "FORBIDDEN"), 403);
  // AMQP: a signed message names its signer, so the client refuses before sending.
  const auto refused = error_of([&] { Client::amqp(sidecar().amqp(other)).schedule(hourly(owner, "x")); });
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->code(), "INVALID_ARGUMENT");
  EXPECT_EQ(test_support::paths_of(*refused), std::vector<std::string>{"requester_id"});

  EXPECT_EQ(mine.get(task.id).status, "active");  // untouched
  mine.cancel(task.id);
}

TEST(Refused, TooManyRequestsSayWhenToRetry) {
  Sidecar limited(Sidecar::Auth::Signed,
                  {"SCHEDULER_RATE_REQUESTER_PER_SECOND=1", "SCHEDULER_RATE_REQUESTER_BURST=1"});
  const SignerPtr signer = limited.keys().take();
  // A bucket of one, refilled once a second: of a few requests in a row, one is refused.
  auto first_refusal = [](Client client) -> std::optional<RateLimitedError> {
    for (int i = 0; i < 5; ++i) {
      try {
        client.list();
      } catch (const RateLimitedError& e) {
        return e;
      }
    }
    return std::nullopt;
  };
  const auto over_amqp = first_refusal(Client::amqp(limited.amqp(signer)));
  ASSERT_TRUE(over_amqp) << "never limited";
  EXPECT_EQ(over_amqp->code(), "RATE_LIMITED");
  EXPECT_GT(over_amqp->retry_after_ms(), 0);
  const auto over_http = first_refusal(Client::http(limited.http(signer)));
  ASSERT_TRUE(over_http) << "never limited";
  EXPECT_EQ(over_http->http_status(), 429);
  EXPECT_GT(over_http->retry_after_ms(), 0);
}

// ---- results ----

/// Waits for the requester's next result on `consumer`, polling on this thread.
std::optional<Result> next_result(ResultConsumer& consumer, std::chrono::milliseconds timeout = 20s) {
  std::optional<Result> got;
  consumer.poll([&](const Result& r) { got = r; }, timeout);
  return got;
}

void publish_result(const std::string& requester_id, const Json& message) {
  Publish publish;
  publish.exchange = sidecar().amqp().result_exchange;
  publish.routing_key = requester_id;
  publish.body = message.dump();
  AmqpConnection(sidecar().amqp()).publish(publish);
}

TEST(Results, ARealResultVerifiesWithThePublishedKey) {
  const SchedulerKey published = fetch_scheduler_key(sidecar().http(nullptr));  // no signature needed
  EXPECT_EQ(published.raw_base64(), sidecar().keys().scheduler_key().raw_base64());  // as handed out

  test_support::TargetServer target;
  const SignerPtr signer = sidecar().keys().take();
  AmqpOptions options = sidecar().amqp(signer);
  options.scheduler_key = published;
  ResultConsumer consumer(options, signer->requester_id(), sidecar().unique("published-key"));
  sidecar().delete_at_end(consumer.queue());
  TaskRequest request = hourly(signer, "published-key");
  request.uri = target.url("/published");
  request.schedule = union_(at(std::chrono::system_clock::now() + 1s));
  Client::amqp(options).schedule(request);

  const auto result = next_result(consumer);
  ASSERT_TRUE(result) << sidecar().log();
  EXPECT_EQ(result->task_id, *request.task_id);
  ASSERT_TRUE(result->scheduler_signature);
  EXPECT_TRUE(published.verify_result(result->to_json()));
  EXPECT_EQ(result_signing_input(result->to_json()).rfind("br-schedule/result/v1\n", 0), 0u);
}

TEST(Results, ATamperedResultIsRefusedAndNeverDelivered) {
  test_support::TargetServer target;
  const SignerPtr signer = sidecar().keys().take();
  const std::string me = signer->requester_id();
  ResultConsumer consumer(sidecar().amqp(signer), me, sidecar().unique("tampered"));
  sidecar().delete_at_end(consumer.queue());
  TaskRequest request = hourly(signer, "tampered");
  request.uri = target.url("/tampered");
  request.schedule = union_(at(std::chrono::system_clock::now() + 1s));
  Client::http(sidecar().http(signer)).schedule(request);
  const auto genuine = next_result(consumer);
  ASSERT_TRUE(genuine) << sidecar().log();
  ASSERT_TRUE(genuine->ok());
  const Json real = genuine->to_json();

  Json failed = real;
  failed["status"] = "failed";  // what a man in the middle would like us to believe
  Json unsigned_result = real;
  unsigned_result["scheduler_signature"] = nullptr;
  Json other_key = real;
  other_key["scheduler_signature"] = Ed25519Signer::generate("someone").sign(result_signing_input(real));
  Json added = real;
  added["note"] = "added on the way";

  for (const Json& forged : {failed, unsigned_result, other_key, added}) {
    publish_result(me, forged);
    bool handed_over = false;
    try {
      consumer.poll([&](const Result&) { handed_over = true; }, 10s);
      ADD_FAILURE() << "delivered: " << forged.dump();
    } catch (const AuthenticationError& e) {
      EXPECT_EQ(e.code(), "SIGNATURE_INVALID");
    }
    EXPECT_FALSE(handed_over);
    // Rejected without requeue: it does not come back.
    EXPECT_FALSE(consumer.poll([&](const Result&) { handed_over = true; }, 300ms));
  }

  // On the background thread: the forged one goes to the error handler, the genuine one (sent
  // again: at least once) to the handler, and the consumer carries on.
  Inbox inbox;
  std::mutex mutex;
  std::vector<std::string> errors;
  consumer.start([&](const Result& r) { inbox.push(r); },
                 [&](const std::exception& e) {
                   std::lock_guard<std::mutex> lock(mutex);
                   const auto* error = dynamic_cast<const Error*>(&e);
                   errors.push_back(error ? error->code() : e.what());
                 });
  publish_result(me, failed);
  publish_result(me, real);
  const auto delivered = inbox.wait_for([&](const Result& r) { return r.run_id == genuine->run_id; }, 10s);
  consumer.stop();
  ASSERT_TRUE(delivered);
  EXPECT_EQ(delivered->status, "success");
  EXPECT_FALSE(inbox.wait_for([](const Result& r) { return r.status == "failed"; }, 0ms));
  std::lock_guard<std::mutex> lock(mutex);
  EXPECT_EQ(errors, std::vector<std::string>{"SIGNATURE_INVALID"});
}

TEST(Results, WhileTheKeyIsRotatedEitherKeyVerifies) {
  const SchedulerKey unrelated = SchedulerKey::from_pem(Ed25519Signer::generate("old").public_key_pem());
  Json message = test_support::load_vectors("results.json")["cases"][0]["message"];
  auto signed_for = [&](const std::string& requester) {
    message["requester_id"] = requester;
    message["scheduler_signature"] =
        sidecar().keys().scheduler_signer().sign(result_signing_input(message));  // as the scheduler signs
    return message;
  };
  const std::string rotating = new_uuid(), stale = new_uuid();
  AmqpOptions both = sidecar().amqp();
  both.scheduler_key = unrelated;
  both.extra_scheduler_keys = {sidecar().keys().scheduler_key()};
  ResultConsumer accepting(both, rotating, sidecar().unique("rotating"));
  sidecar().delete_at_end(accepting.queue());
  AmqpOptions old_only = sidecar().amqp();
  old_only.scheduler_key = unrelated;
  ResultConsumer refusing(old_only, stale, sidecar().unique("stale"));
  sidecar().delete_at_end(refusing.queue());

  publish_result(rotating, signed_for(rotating));
  const auto got = next_result(accepting, 10s);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->requester_id, rotating);
  publish_result(stale, signed_for(stale));
  EXPECT_THROW(next_result(refusing, 10s), AuthenticationError);
}

TEST(Results, UnreadableOrAbsurdlyDeepResultsAreDropped) {
  const std::string me = new_uuid();
  ResultConsumer consumer(sidecar().amqp(), me, sidecar().unique("unreadable"));
  sidecar().delete_at_end(consumer.queue());
  Json message = test_support::load_vectors("results.json")["cases"][0]["message"];
  message["requester_id"] = me;
  message["parameters"] = "PARAMETERS";
  // parameters nested 100000 deep, made as text (building it as a Json would itself recurse).
  std::string deep = message.dump();
  deep.replace(deep.find("\"PARAMETERS\""), 12, std::string(100000, '[') + std::string(100000, ']'));
  Publish publish;
  publish.exchange = sidecar().amqp().result_exchange;
  publish.routing_key = me;
  for (const std::string& body : {deep, std::string("{not json")}) {
    publish.body = body;
    AmqpConnection(sidecar().amqp()).publish(publish);
    try {
      consumer.poll([](const Result&) { ADD_FAILURE() << "delivered"; }, 10s);
      ADD_FAILURE() << "no error";
    } catch (const TransportError& e) {
      EXPECT_EQ(e.code(), "BAD_RESPONSE");
    }
  }
  EXPECT_FALSE(consumer.poll([](const Result&) {}, 300ms));  // both gone
}

TEST(Results, AConsumerWithoutTheKeyTakesResultsAsTheyCome) {
  const std::string me = new_uuid();
  AmqpOptions options = sidecar().amqp();
  options.scheduler_key.reset();
  ResultConsumer consumer(options, me, sidecar().unique("no-key"));
  sidecar().delete_at_end(consumer.queue());
  Json message = test_support::load_vectors("results.json")["cases"][0]["message"];
  message["requester_id"] = me;
  message["scheduler_signature"] = nullptr;
  publish_result(me, message);
  const auto got = next_result(consumer, 10s);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->to_json(), message);
}

// ---- the sidecar with authentication off ----

TEST(Unsigned, ASidecarWithAuthenticationOffTakesSignedAndUnsignedRequests) {
  Sidecar& open = Sidecar::shared_unsigned();
  const SignerPtr signer = open.keys().take();
  for (Client client : {Client::amqp(open.amqp(nullptr)), Client::http(open.http(nullptr)),
                        Client::amqp(open.amqp(signer)), Client::http(open.http(signer))}) {
    TaskRequest request = hourly(signer, "open");
    request.task_id = open.unique("open");
    const Task task = client.schedule(request);
    EXPECT_EQ(client.get(task.id).id, task.id);
  }
}

}  // namespace
