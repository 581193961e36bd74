// examples/cpp run with --once against the signed test sidecar: it schedules the four calendars
// and a near-term one-shot with a requester's key (--key), checks each result with the scheduler's
// key (--scheduler-key), gets the one-shot's result and exits 0.
#include "support/sidecar.hpp"
#include "support/target_server.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

using namespace std::chrono_literals;
using test_support::Received;
using test_support::Sidecar;

namespace {

TEST(Example, RunsOnceAgainstTheSidecar) {
  test_support::TargetServer target;
  Sidecar& sidecar = Sidecar::shared();
  const auto amqp = sidecar.amqp();
  // A requester the sidecar trusts: its private key and the scheduler's public key as files, as an
  // operator would hand them to the example.
  const auto signer = std::dynamic_pointer_cast<const br_sdk::schedule::Ed25519Signer>(sidecar.keys().take());
  ASSERT_TRUE(signer);
  const std::string requester = signer->requester_id();
  const std::string key_file = "/tmp/br-cpp-example-" + requester + ".key";
  const std::string scheduler_key_file = "/tmp/br-cpp-example-" + requester + ".scheduler";
  std::ofstream(key_file) << signer->private_key_pem();
  std::ofstream(scheduler_key_file) << sidecar.keys().scheduler_key().raw_base64();
  const std::string output = "/tmp/br-cpp-example-" + requester + ".log";
  std::vector<std::string> args = {BR_SDK_EXAMPLE_BIN, "--amqp", sidecar.amqp_url(), "--http", sidecar.url(),
                                   "--request-queue", amqp.request_queue, "--result-exchange", amqp.result_exchange,
                                   "--target", target.url("/example"), "--requester-id", requester,
                                   "--key", key_file, "--scheduler-key", scheduler_key_file,
                                   "--once", "--timeout", "30"};
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  pid_t pid = -1;
  ASSERT_EQ(posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);

  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      ADD_FAILURE() << "the example did not finish within 60 s";
      break;
    }
    std::this_thread::sleep_for(50ms);
  }
  std::stringstream printed;
  printed << std::ifstream(output).rdbuf();
  std::remove(output.c_str());
  std::remove(key_file.c_str());
  std::remove(scheduler_key_file.c_str());
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << printed.str();
  EXPECT_NE(printed.str().find("scheduled example-cpp-thursdays-"), std::string::npos) << printed.str();
  EXPECT_NE(printed.str().find(" success http=200"), std::string::npos) << printed.str();
  EXPECT_TRUE(target.wait_for([](const Received& r) { return r.path() == "/example"; }, 1s));
}

}  // namespace
