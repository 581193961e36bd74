#include "br_sdk/schedule/errors.hpp"
#include "br_sdk/schedule/transport.hpp"

#include <curl/curl.h>

#include <map>
#include <optional>

namespace br_sdk::schedule {

using Json = nlohmann::json;

namespace {

struct EasyCleanup {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
struct ListCleanup {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
struct CurlFree {
  void operator()(char* text) const { curl_free(text); }
};
struct UrlCleanup {
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
};
using Headers = std::unique_ptr<curl_slist, ListCleanup>;

/// The REST route of an operation; `task` routes take the task id in the path.
struct Route {
  const char* method;
  const char* suffix;  // after /v1/tasks/{id}, or the whole path when !task
  bool task;
  bool body;
  const char* answer;  // the reply field the body goes to; "" merges the body into the reply
};

const std::map<std::string, Route>& routes() {
  static const std::map<std::string, Route> table = {
      {"create", {"POST", "/v1/tasks", false, true, "task"}},
      {"list", {"GET", "/v1/tasks", false, false, ""}},
      {"preview", {"POST", "/v1/schedules/preview", false, true, ""}},
      {"get", {"GET", "", true, false, "task"}},
      {"update", {"PATCH", "", true, true, "task"}},
      {"cancel", {"DELETE", "", true, false, "task"}},
      {"pause", {"POST", "/pause", true, false, "task"}},
      {"resume", {"POST", "/resume", true, false, "task"}},
      {"trigger", {"POST", "/trigger", true, false, ""}},
      {"runs", {"GET", "/runs", true, false, ""}},
  };
  return table;
}

/// The request target libcurl puts on the request line for `url`: its path, then `?query` if any.
std::string request_target(CURLU* url) {
  auto part = [url](CURLUPart which) -> std::optional<std::string> {
    char* text = nullptr;
    if (curl_url_get(url, which, &text, 0) != CURLUE_OK || text == nullptr) return std::nullopt;
    std::unique_ptr<char, CurlFree> owned(text);
    return std::string(owned.get());
  };
  std::string target = part(CURLUPART_PATH).value_or("/");
  if (target.empty()) target = "/";
  if (const auto query = part(CURLUPART_QUERY)) target += "?" + *query;
  return target;
}

void init_curl() {
  static std::once_flag global;
  std::call_once(global, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t append(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

struct HttpAnswer {
  long status;
  /** The body parsed; a discarded value when it is not JSON. */
  Json body;
};

/** Runs the transfer set up on `h` (its body written to `answer`); a transport failure throws. */
HttpAnswer perform(CURL* h, const std::string& url, const std::string& answer) {
  const CURLcode code = curl_easy_perform(h);
  if (code == CURLE_OPERATION_TIMEDOUT) {
    throw_error("TIMEOUT", "no answer from " + url + ": " + curl_easy_strerror(code));
  }
  if (code != CURLE_OK) throw_error("CONNECTION_FAILED", url + ": " + curl_easy_strerror(code));
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  return {status, Json::parse(answer, nullptr, false)};
}

/** Throws the scheduler's error from a problem document: {type, title, status, detail, code, issues, instance}. */
[[noreturn]] void throw_problem(const Json& problem, long status) {
  Json error = {{"code", problem["code"]},
                {"message", problem.value("detail", problem.value("title", ""))},
                {"issues", problem.value("issues", Json::array())}};
  if (problem.contains("retry_after_ms")) error["retry_after_ms"] = problem["retry_after_ms"];
  throw_reply_error({{"ok", false}, {"error", error}}, static_cast<int>(status));
}

}  // namespace

struct HttpTransport::Curl {
  std::unique_ptr<CURL, EasyCleanup> handle;

  std::string escape(const std::string& text) const {
    const int length = static_cast<int>(text.size());
    std::unique_ptr<char, CurlFree> escaped(curl_easy_escape(handle.get(), text.c_str(), length));
    return escaped ? std::string(escaped.get()) : std::string();
  }

  /// `?name=value&…` from the message's fields: arrays as comma lists, strings as they are.
  std::string query(const Json& fields) const {
    std::string out;
    for (const auto& [name, value] : fields.items()) {
      std::string text;
      if (value.is_string()) text = value.get<std::string>();
      else if (value.is_array()) {
        for (const auto& item : value) {
          text += (text.empty() ? "" : ",") + (item.is_string() ? item.get<std::string>() : item.dump());
        }
      } else text = value.dump();
      out += (out.empty() ? "?" : "&") + escape(name) + "=" + escape(text);
    }
    return out;
  }
};

HttpTransport::HttpTransport(HttpOptions options) : options_(std::move(options)), curl_(std::make_unique<Curl>()) {
  init_curl();
  curl_->handle.reset(curl_easy_init());
  if (!curl_->handle) throw_error("CONNECTION_FAILED", "curl_easy_init failed");
  while (!options_.base_url.empty() && options_.base_url.back() == '/') options_.base_url.pop_back();
}

HttpTransport::~HttpTransport() = default;

Json HttpTransport::request(const Json& message) {
  if (!message.is_object()) {
    throw_error("MALFORMED_MESSAGE", "a request message must be a JSON object", {{"", "expected an object"}});
  }
  const Json op = message.value("op", Json("create"));
  const auto found = op.is_string() ? routes().find(op.get<std::string>()) : routes().end();
  if (found == routes().end()) {
    throw_error("UNKNOWN_OPERATION", "unknown operation " + op.dump(),
                {{"op", "expected one of create, update, get, cancel, pause, resume, trigger, list, runs, preview"}});
  }
  const Route& route = found->second;
  Json fields = message;
  fields.erase("op");
  fields.erase("request_id");  // REST matches answers to requests itself
  if (options_.signer && op == "create") {
    // As over AMQP, a signed create with no requester is the signer's.
    const auto named = fields.find("requester_id");
    if (named == fields.end() || named->is_null() || *named == "") {
      fields["requester_id"] = options_.signer->requester_id();
    }
  }

  std::lock_guard<std::mutex> lock(mutex_);
  CURL* h = curl_->handle.get();
  std::string url = options_.base_url;
  if (route.task) {
    const auto id = fields.find("task_id");
    if (id == fields.end() || !id->is_string() || id->get<std::string>().empty()) {
      throw_error("INVALID_ARGUMENT", "invalid request: task_id: expected a task id",
                  {{"task_id", "expected a task id"}});
    }
    url += "/v1/tasks/" + curl_->escape(id->get<std::string>()) + route.suffix;
    fields.erase("task_id");
  } else {
    url += route.suffix;
  }
  std::string body;
  if (route.body) body = fields.dump();
  else url += curl_->query(fields);

  // libcurl sends the URL as its URL API parses it (dot segments removed, an empty path as "/"), so
  // the signed target is read back from the same parsed handle curl is given.
  std::unique_ptr<CURLU, UrlCleanup> parsed_url(curl_url());
  if (!parsed_url || curl_url_set(parsed_url.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
    throw_error("INVALID_ARGUMENT", "not a URL: " + url, {{"base_url", "expected http(s)://host:port"}});
  }
  Headers headers(curl_slist_append(nullptr, "Accept: application/json"));
  if (route.body) headers.reset(curl_slist_append(headers.release(), "Content-Type: application/json"));
  if (options_.signer) {
    const std::string target = request_target(parsed_url.get());
    for (const auto& [name, value] : options_.signer->sign_http(route.method, target, body)) {
      headers.reset(curl_slist_append(headers.release(), (name + ": " + value).c_str()));
    }
  }
  std::string answer;
  curl_easy_reset(h);
  curl_easy_setopt(h, CURLOPT_CURLU, parsed_url.get());
  curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, route.method);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, append);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &answer);
  if (route.body) {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  } else if (std::string(route.method) == "GET") {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  }
  const auto [status, parsed] = perform(h, url, answer);
  if (status >= 400) {
    if (!parsed.is_object() || !parsed.contains("code")) {
      throw_error("BAD_RESPONSE", "HTTP " + std::to_string(status) + " from " + url, {}, static_cast<int>(status));
    }
    throw_problem(parsed, status);
  }
  if (!parsed.is_object()) throw_error("BAD_RESPONSE", "not a JSON object from " + url, {}, static_cast<int>(status));
  Json reply = {{"ok", true}, {"op", op}};
  if (*route.answer != '\0') reply[route.answer] = parsed;
  else reply.update(parsed);
  return reply;
}

SchedulerKey fetch_scheduler_key(const HttpOptions& options) {
  std::string base = options.base_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  const std::string url = base + "/v1/keys/scheduler";
  init_curl();
  std::unique_ptr<CURL, EasyCleanup> handle(curl_easy_init());
  if (!handle) throw_error("CONNECTION_FAILED", "curl_easy_init failed");
  CURL* h = handle.get();
  Headers headers(curl_slist_append(nullptr, "Accept: application/json"));
  std::string answer;
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout.count()));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, append);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &answer);
  const auto [status, parsed] = perform(h, url, answer);
  if (status >= 400 && parsed.is_object() && parsed.contains("code")) throw_problem(parsed, status);
  const Json pem = parsed.is_object() ? parsed.value("public_key_pem", Json()) : Json();
  const Json raw = parsed.is_object() ? parsed.value("public_key", Json()) : Json();
  if (status != 200 || !parsed.is_object() || parsed.value("algorithm", Json()) != "ed25519" || !pem.is_string()) {
    throw_error("BAD_RESPONSE", "HTTP " + std::to_string(status) + " from " + url + ": not the scheduler's key", {},
                static_cast<int>(status));
  }
  try {
    SchedulerKey key = SchedulerKey::from_pem(pem.get<std::string>());
    if (raw.is_string() && SchedulerKey::from_raw_base64(raw.get<std::string>()).raw_base64() != key.raw_base64()) {
      throw_error("BAD_RESPONSE", url + ": public_key and public_key_pem are different keys");
    }
    return key;
  } catch (const ValidationError& e) {
    throw_error("BAD_RESPONSE", url + ": " + e.what(), {}, static_cast<int>(status));
  }
}

}  // namespace br_sdk::schedule
