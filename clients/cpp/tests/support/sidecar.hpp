#pragma once
// The real sidecar (`br-schedule serve`) as a child process, on a fresh data directory and
// AMQP names of its own; shared by every test of the run and stopped (and its broker objects
// deleted) at the end.

#include "br_sdk/schedule.hpp"

#include <sys/types.h>

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace test_support {

class Sidecar {
 public:
  /// The run's sidecar, started on first use.
  static Sidecar& shared();
  /// Stops the shared sidecar if it was started (from the test environment's TearDown).
  static void stop_shared();

  const std::string& url() const { return url_; }
  /// Broker options pointing at this sidecar's request queue and result exchange.
  br_sdk::schedule::AmqpOptions amqp() const;
  std::string amqp_url() const { return "amqp://guest:guest@127.0.0.1:5672"; }
  /// A name unique to this run (for task ids and queues).
  std::string unique(const std::string& what) const { return prefix_ + "." + what; }
  /// Deletes `queue` from the broker when the run ends.
  void delete_at_end(const std::string& queue);
  /// The sidecar's output so far (its JSON log lines).
  std::string log() const;

  ~Sidecar();

 private:
  Sidecar();
  void read_output();
  void stop();

  std::string prefix_, data_dir_, url_;
  pid_t pid_ = -1;
  int output_fd_ = -1;
  std::thread reader_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::string log_;
  bool exited_ = false;
  std::vector<std::string> queues_;
};

}  // namespace test_support
