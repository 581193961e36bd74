#include "br_sdk/schedule/errors.hpp"
#include "br_sdk/schedule/transport.hpp"

#include <curl/curl.h>

#include <map>

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

size_t append(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
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
  static std::once_flag global;
  std::call_once(global, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
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

  Headers headers(curl_slist_append(nullptr, "Accept: application/json"));
  if (route.body) headers.reset(curl_slist_append(headers.release(), "Content-Type: application/json"));
  std::string answer;
  curl_easy_reset(h);
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
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
  const CURLcode code = curl_easy_perform(h);
  if (code == CURLE_OPERATION_TIMEDOUT) {
    throw_error("TIMEOUT", "no answer from " + url + ": " + curl_easy_strerror(code));
  }
  if (code != CURLE_OK) throw_error("CONNECTION_FAILED", url + ": " + curl_easy_strerror(code));
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);

  const Json parsed = Json::parse(answer, nullptr, false);
  if (status >= 400) {
    // A problem document: {type, title, status, detail, code, issues, instance}.
    if (!parsed.is_object() || !parsed.contains("code")) {
      throw_error("BAD_RESPONSE", "HTTP " + std::to_string(status) + " from " + url, {}, static_cast<int>(status));
    }
    throw_reply_error({{"ok", false}, {"error", {{"code", parsed["code"]},
                                                 {"message", parsed.value("detail", parsed.value("title", ""))},
                                                 {"issues", parsed.value("issues", Json::array())}}}},
                      static_cast<int>(status));
  }
  if (!parsed.is_object()) throw_error("BAD_RESPONSE", "not a JSON object from " + url, {}, static_cast<int>(status));
  Json reply = {{"ok", true}, {"op", op}};
  if (*route.answer != '\0') reply[route.answer] = parsed;
  else reply.update(parsed);
  return reply;
}

}  // namespace br_sdk::schedule
