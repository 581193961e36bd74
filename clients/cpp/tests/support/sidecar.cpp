#include "sidecar.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace test_support {

namespace {

std::unique_ptr<Sidecar> instance;
std::mutex instance_mutex;

/// `node` from /usr/local/bin first (Node 24), then the PATH.
std::string find_node(const std::string& path) {
  std::stringstream dirs(path);
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const std::string candidate = dir + "/node";
    if (!dir.empty() && access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  throw std::runtime_error("node not found on " + path);
}

}  // namespace

Sidecar& Sidecar::shared() {
  std::lock_guard<std::mutex> lock(instance_mutex);
  if (!instance) instance.reset(new Sidecar());
  return *instance;
}

void Sidecar::stop_shared() {
  std::lock_guard<std::mutex> lock(instance_mutex);
  instance.reset();
}

Sidecar::Sidecar() {
  prefix_ = "br.cpp.test." + std::to_string(getpid()) + "." + br_sdk::schedule::new_uuid().substr(0, 8);
  char dir_template[] = "/tmp/br-cpp-sidecar-XXXXXX";
  if (mkdtemp(dir_template) == nullptr) throw std::runtime_error("mkdtemp failed");
  data_dir_ = dir_template;

  const char* parent_path = std::getenv("PATH");
  const std::string path = "/usr/local/bin:" + std::string(parent_path ? parent_path : "/usr/bin:/bin");
  std::vector<std::string> env = {
      "PATH=" + path,
      "SCHEDULER_ENV_FILE=/dev/null",
      "SCHEDULER_HTTP_PORT=0",
      "SCHEDULER_DATA_DIR=" + data_dir_,
      "SCHEDULER_AMQP_URL=" + amqp_url(),
      "SCHEDULER_AMQP_REQUEST_QUEUE=" + prefix_ + ".requests",
      "SCHEDULER_AMQP_RESULT_EXCHANGE=" + prefix_ + ".results",
  };
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string text = *entry;
    if (text.rfind("SCHEDULER_", 0) != 0 && text.rfind("PATH=", 0) != 0) env.push_back(text);
  }
  const std::string node = find_node(path);
  const std::string cli = std::string(BR_SDK_REPO_DIR) + "/packages/sidecar/src/cli.ts";
  std::vector<std::string> args = {node, "--conditions=source", cli, "serve"};

  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDERR_FILENO);
  auto pointers = [](std::vector<std::string>& items) {
    std::vector<char*> out;
    for (auto& item : items) out.push_back(item.data());
    out.push_back(nullptr);
    return out;
  };
  auto argv = pointers(args);
  auto envp = pointers(env);
  const int spawned = posix_spawn(&pid_, node.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[1]);
  if (spawned != 0) {
    close(pipe_fds[0]);
    throw std::runtime_error(std::string("posix_spawn node failed: ") + std::strerror(spawned));
  }
  output_fd_ = pipe_fds[0];
  reader_ = std::thread([this] { read_output(); });

  std::unique_lock<std::mutex> lock(mutex_);
  const bool ready = changed_.wait_for(lock, std::chrono::seconds(30), [this] { return !url_.empty() || exited_; });
  if (!ready || url_.empty()) {
    const std::string output = log_;
    lock.unlock();
    stop();
    throw std::runtime_error("the sidecar did not start:\n" + output);
  }
}

void Sidecar::read_output() {
  std::string pending;
  char buffer[4096];
  for (;;) {
    const ssize_t n = read(output_fd_, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    pending.append(buffer, static_cast<size_t>(n));
    for (size_t end; (end = pending.find('\n')) != std::string::npos; pending.erase(0, end + 1)) {
      const std::string line = pending.substr(0, end);
      const auto json = nlohmann::json::parse(line, nullptr, false);
      std::lock_guard<std::mutex> lock(mutex_);
      log_ += line + "\n";
      if (url_.empty() && json.is_object() && json.value("msg", "") == "br-schedule serving") {
        url_ = json.value("url", "");
        changed_.notify_all();
      }
    }
  }
  std::lock_guard<std::mutex> lock(mutex_);
  exited_ = true;
  changed_.notify_all();
}

br_sdk::schedule::AmqpOptions Sidecar::amqp() const {
  auto options = br_sdk::schedule::AmqpOptions::from_url(amqp_url());
  options.request_queue = prefix_ + ".requests";
  options.result_exchange = prefix_ + ".results";
  return options;
}

void Sidecar::delete_at_end(const std::string& queue) {
  std::lock_guard<std::mutex> lock(mutex_);
  queues_.push_back(queue);
}

std::string Sidecar::log() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return log_;
}

void Sidecar::stop() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    pid_ = -1;
  }
  if (reader_.joinable()) reader_.join();
  if (output_fd_ >= 0) close(output_fd_);
  output_fd_ = -1;
}

Sidecar::~Sidecar() {
  stop();
  // What the sidecar and the tests declared on the broker; each deletion on its own connection,
  // since a failed one closes the channel.
  const std::string requests = prefix_ + ".requests";
  auto attempt = [this](const std::string& what, const std::function<void(br_sdk::schedule::AmqpConnection&)>& work) {
    try {
      br_sdk::schedule::AmqpConnection connection(amqp());
      work(connection);
    } catch (const std::exception& e) {
      std::cerr << "cleanup of " << what << " failed: " << e.what() << "\n";
    }
  };
  std::vector<std::string> queues = {requests, requests + ".dead"};
  queues.insert(queues.end(), queues_.begin(), queues_.end());
  for (const auto& queue : queues) attempt(queue, [&](auto& c) { c.delete_queue(queue); });
  for (const auto& exchange : {requests + ".dlx", prefix_ + ".results"}) {
    attempt(exchange, [&](auto& c) { c.delete_exchange(exchange); });
  }
  std::error_code ignored;
  std::filesystem::remove_all(data_dir_, ignored);
}

}  // namespace test_support
