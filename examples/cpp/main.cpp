// The four calendars of docs/schedules.md, handed to the scheduler from C++, with each run's
// result printed as it arrives. Requests go over AMQP (or REST with --http); results come back
// over AMQP. See docs/clients/cpp.md.
//
//   br_schedule_example [--amqp URL] [--http URL] [--request-queue Q] [--result-exchange X]
//                       [--target URL] [--requester-id UUID] [--once] [--timeout SECONDS]
//                       [--key FILE | --hmac-secret FILE] [--scheduler-key FILE]
//
// --key (the requester's Ed25519 private key, PKCS #8 PEM) or --hmac-secret (its HMAC secret, as
// the scheduler's .hmac file holds it) signs every request; --scheduler-key (the scheduler's public
// key, PEM or raw base64) verifies every result. Without them, requests go unsigned: only a
// sidecar with SCHEDULER_AUTH=off takes them. See docs/clients/cpp.md#signing.
//
// --once also schedules a one-shot two seconds ahead, waits for its result, cancels the four
// tasks, deletes its result queue and exits: 0 when the one-shot succeeded.
#include <br_sdk/schedule.hpp>

#include <atomic>
#include <csignal>
#include <fstream>
#include <iterator>
#include <condition_variable>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

namespace bs = br_sdk::schedule;
using namespace std::chrono_literals;

namespace {

std::atomic<bool> interrupted{false};

struct Options {
  std::string amqp = "amqp://guest:guest@127.0.0.1:5672";
  std::string http;  // empty: requests over AMQP
  std::string request_queue = "br.schedule.requests", result_exchange = "br.schedule.results";
  std::string target = "http://127.0.0.1:8081/report";  // node examples/echo-target/src/main.ts
  std::string requester_id = "6f1c2b1e-4d0a-4c47-9a7e-3b1d2f0c9a11";
  std::string key, hmac_secret, scheduler_key;  // files; empty: not used
  bool once = false;
  int timeout_s = 30;
};

Options parse(int argc, char** argv) {
  Options o;
  const std::map<std::string, std::string*> values = {
      {"--amqp", &o.amqp},         {"--http", &o.http},     {"--request-queue", &o.request_queue},
      {"--result-exchange", &o.result_exchange}, {"--target", &o.target}, {"--requester-id", &o.requester_id},
      {"--key", &o.key},           {"--hmac-secret", &o.hmac_secret}, {"--scheduler-key", &o.scheduler_key}};
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--once") o.once = true;
    else if (arg == "--timeout" && i + 1 < argc) o.timeout_s = std::stoi(argv[++i]);
    else if (values.count(arg) && i + 1 < argc) *values.at(arg) = argv[++i];
    else throw std::invalid_argument("unknown argument " + arg + " (see the comment at the top of main.cpp)");
  }
  return o;
}

void print(const bs::Result& r) {
  std::cout << "result " << r.task_id << " scheduled_at=" << r.scheduled_at << " " << r.status
            << " http=" << (r.http_status ? std::to_string(*r.http_status) : "-")
            << " content=" << r.content.value_or(r.error.value_or("")) << std::endl;
}

int run(const Options& o) {
  bs::AmqpOptions amqp = bs::AmqpOptions::from_url(o.amqp);
  amqp.request_queue = o.request_queue;
  amqp.result_exchange = o.result_exchange;
  if (!o.key.empty()) {
    amqp.signer = std::make_shared<bs::Ed25519Signer>(bs::Ed25519Signer::from_pem_file(o.key, o.requester_id));
  } else if (!o.hmac_secret.empty()) {
    std::ifstream in(o.hmac_secret);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    amqp.signer = std::make_shared<bs::HmacSigner>(bs::HmacSigner::from_text(o.requester_id, text));
  }
  if (!o.scheduler_key.empty()) amqp.scheduler_key = bs::SchedulerKey::from_file(o.scheduler_key);
  bs::HttpOptions http;
  http.base_url = o.http;
  http.signer = amqp.signer;
  bs::Client client = o.http.empty() ? bs::Client::amqp(amqp) : bs::Client::http(http);

  // Results first: a result is routed only to queues bound when it is published.
  std::mutex mutex;
  std::condition_variable arrived;
  std::map<std::string, bs::Result> results;
  bs::ResultConsumer consumer(amqp, o.requester_id);
  consumer.start([&](const bs::Result& r) {
    print(r);
    std::lock_guard<std::mutex> lock(mutex);
    results.emplace(r.task_id, r);
    arrived.notify_all();
  });

  const std::map<std::string, bs::ScheduleBuilder> calendars = {
      {"every-10d3h", bs::union_(bs::every("P10DT3H", "2026-11-01T00:00:00")).in("Asia/Tehran")},
      {"thursdays", bs::union_(bs::weekly("THU", "17:00")).in("Asia/Tehran")},
      {"saturdays", bs::union_(bs::weekly("SAT", "04:00")).in("Asia/Tehran")},
      {"monthly-3rd", bs::union_(bs::monthly(3, "15:00")).in("Asia/Tehran")},
  };
  std::vector<std::string> task_ids;
  for (const auto& [name, schedule] : calendars) {
    bs::TaskRequest request;
    request.requester_id = o.requester_id;
    request.task_id = "example-cpp-" + name + "-" + o.requester_id.substr(0, 8);  // re-running finds it
    request.uri = o.target;
    request.method = "POST";
    request.parameters = {{"calendar", name}};
    request.schedule = schedule;
    const bs::Task task = client.schedule(request);
    task_ids.push_back(task.id);
    std::cout << "scheduled " << task.id << " next:";
    for (size_t i = 0; i < task.next_fires.size() && i < 3; ++i) std::cout << " " << task.next_fires[i];
    std::cout << std::endl;
  }

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(o.timeout_s);
  if (!o.once) {
    std::cout << "waiting for results (Ctrl-C to stop; the tasks stay scheduled)" << std::endl;
    while (!interrupted) std::this_thread::sleep_for(200ms);
    return 0;
  }

  bs::TaskRequest one_shot;
  one_shot.requester_id = o.requester_id;
  one_shot.uri = o.target;
  one_shot.method = "POST";
  one_shot.parameters = {{"calendar", "one-shot"}};
  one_shot.schedule = bs::union_(bs::at(std::chrono::system_clock::now() + 2s));
  const bs::Task task = client.schedule(one_shot);
  std::cout << "scheduled one-shot " << task.id << " at " << task.next_fires.at(0) << std::endl;
  std::optional<bs::Result> result;
  {
    std::unique_lock<std::mutex> lock(mutex);
    arrived.wait_until(lock, deadline, [&] { return results.count(task.id) > 0 || interrupted; });
    if (results.count(task.id) > 0) result = results.at(task.id);
  }
  const bool ok = result && result->ok();
  if (!result) std::cerr << "no result for " << task.id << " within " << o.timeout_s << " s" << std::endl;
  for (const auto& id : task_ids) client.cancel(id);
  consumer.delete_queue();
  std::cout << (ok ? "done" : "failed") << std::endl;
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGINT, [](int) { interrupted = true; });
  std::signal(SIGTERM, [](int) { interrupted = true; });
  try {
    return run(parse(argc, argv));
  } catch (const bs::Error& e) {
    std::cerr << "error " << e.code() << ": " << e.what() << std::endl;
    for (const auto& issue : e.issues()) std::cerr << "  " << issue.path << ": " << issue.message << std::endl;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << std::endl;
  }
  return 2;
}
