#pragma once
// A real HTTP target for the scheduler to call: an HTTP/1.1 server on 127.0.0.1 (an ephemeral
// port) in a thread of its own. It records each request and answers 200 with a small JSON body.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace test_support {

struct Received {
  std::string method, target, body;  // target: the path with its query string
  std::map<std::string, std::string> headers;  // names in lower case
  std::string path() const { return target.substr(0, target.find('?')); }
};

class TargetServer {
 public:
  static constexpr const char* kAnswer = R"({"received":true})";

  TargetServer();
  ~TargetServer();
  TargetServer(const TargetServer&) = delete;
  TargetServer& operator=(const TargetServer&) = delete;

  std::string url(const std::string& path) const;
  /// The first request matching `match`, waiting up to `timeout` for it.
  std::optional<Received> wait_for(const std::function<bool(const Received&)>& match,
                                   std::chrono::milliseconds timeout);
  /// Every request received so far, in order.
  std::vector<Received> received();

 private:
  void serve();
  void answer(int client);

  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<Received> received_;
};

}  // namespace test_support
