#include "sidecar.hpp"

#include "helpers.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
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

std::unique_ptr<Sidecar> instance, unsigned_instance;
std::mutex instance_mutex;

void write_file(const std::string& path, const std::string& text, mode_t mode) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) throw std::runtime_error("cannot write " + path);
  const bool written = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  close(fd);
  if (!written) throw std::runtime_error("cannot write " + path);
}

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

KeyRing::KeyRing(const std::string& root, int ed25519, int hmac) {
  namespace bs = br_sdk::schedule;
  directory_ = root + "/keys";
  std::filesystem::create_directory(directory_);
  for (int i = 0; i < ed25519; ++i) {
    auto signer = std::make_shared<bs::Ed25519Signer>(bs::Ed25519Signer::generate(bs::new_uuid()));
    pool_.push_back(add(signer, signer->requester_id() + ".pem", signer->public_key_pem()));
  }
  for (int i = 0; i < hmac; ++i) {
    auto signer = std::make_shared<bs::HmacSigner>(bs::HmacSigner::generate(bs::new_uuid()));
    hmac_pool_.push_back(add(signer, signer->requester_id() + ".hmac", signer->secret_base64() + "\n"));
  }
  const auto vector_keys = load_vectors("signing.json")["keys"];
  auto vectors = std::make_shared<bs::Ed25519Signer>(bs::Ed25519Signer::from_pem(
      vector_keys["requester_ed25519_private_pem"], vector_keys["requester_id"]));
  vectors_ = add(vectors, vectors->requester_id() + ".pem", vector_keys["requester_ed25519_public_pem"]);
  scheduler_.emplace(bs::Ed25519Signer::generate("scheduler"));
  scheduler_key_file_ = root + "/scheduler-signing-key.pem";
  write_file(scheduler_key_file_, scheduler_->private_key_pem(), 0600);
  scheduler_key_.emplace(bs::SchedulerKey::from_pem(scheduler_->public_key_pem()));
}

KeyRing::SignerPtr KeyRing::add(SignerPtr signer, const std::string& file, const std::string& text) {
  write_file(directory_ + "/" + file, text, 0644);
  return signer;
}

KeyRing::SignerPtr KeyRing::take() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (pool_.empty()) throw std::runtime_error("the key ring ran out of Ed25519 requesters: raise KeyRing's ed25519");
  auto signer = pool_.back();
  pool_.pop_back();
  return signer;
}

KeyRing::SignerPtr KeyRing::take_hmac() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (hmac_pool_.empty()) throw std::runtime_error("the key ring ran out of HMAC requesters: raise KeyRing's hmac");
  auto signer = hmac_pool_.back();
  hmac_pool_.pop_back();
  return signer;
}

Sidecar& Sidecar::shared() {
  std::lock_guard<std::mutex> lock(instance_mutex);
  if (!instance) instance.reset(new Sidecar(Auth::Signed));
  return *instance;
}

Sidecar& Sidecar::shared_unsigned() {
  std::lock_guard<std::mutex> lock(instance_mutex);
  if (!unsigned_instance) unsigned_instance.reset(new Sidecar(Auth::Off));
  return *unsigned_instance;
}

void Sidecar::stop_shared() {
  std::lock_guard<std::mutex> lock(instance_mutex);
  instance.reset();
  unsigned_instance.reset();
}

Sidecar::Sidecar(Auth auth, const std::vector<std::string>& extra_env) : auth_(auth) {
  prefix_ = "br.cpp.test." + std::to_string(getpid()) + "." + br_sdk::schedule::new_uuid().substr(0, 8);
  char dir_template[] = "/tmp/br-cpp-sidecar-XXXXXX";
  if (mkdtemp(dir_template) == nullptr) throw std::runtime_error("mkdtemp failed");
  root_dir_ = dir_template;
  data_dir_ = root_dir_ + "/data";
  std::filesystem::create_directory(data_dir_);
  keys_ = std::make_unique<KeyRing>(root_dir_);
  if (signing()) default_signer_ = keys_->take();

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
      "SCHEDULER_SIGNING_KEY=" + keys_->scheduler_key_file(),
  };
  if (signing()) {
    env.push_back("SCHEDULER_AUTH=signed");
    env.push_back("SCHEDULER_AUTH_KEYS=" + keys_->directory());
  } else {
    env.push_back("SCHEDULER_AUTH=off");
  }
  for (const auto& entry : extra_env) {  // a test's own value replaces the one above
    const std::string name = entry.substr(0, entry.find('=') + 1);
    env.erase(std::remove_if(env.begin(), env.end(), [&](const std::string& e) { return e.rfind(name, 0) == 0; }),
              env.end());
    env.push_back(entry);
  }
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
    std::error_code ignored;
    std::filesystem::remove_all(root_dir_, ignored);
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

br_sdk::schedule::AmqpOptions Sidecar::amqp() const { return amqp(default_signer_); }

br_sdk::schedule::AmqpOptions Sidecar::amqp(KeyRing::SignerPtr signer) const {
  auto options = br_sdk::schedule::AmqpOptions::from_url(amqp_url());
  options.request_queue = prefix_ + ".requests";
  options.result_exchange = prefix_ + ".results";
  options.signer = std::move(signer);
  options.scheduler_key = keys_->scheduler_key();
  return options;
}

br_sdk::schedule::HttpOptions Sidecar::http() const { return http(default_signer_); }

br_sdk::schedule::HttpOptions Sidecar::http(KeyRing::SignerPtr signer) const {
  br_sdk::schedule::HttpOptions options;
  options.base_url = url_;
  options.signer = std::move(signer);
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
  std::filesystem::remove_all(root_dir_, ignored);
}

}  // namespace test_support
