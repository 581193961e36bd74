#pragma once
// The real sidecar (`br-schedule serve`) as a child process, on a fresh data directory and AMQP
// names of its own; shared by every test of the run and stopped (and its broker objects deleted) at
// the end. The shared one runs with SCHEDULER_AUTH=signed and trusts the requesters of its KeyRing;
// a second one, with SCHEDULER_AUTH=off, is there for what unsigned clients still do.

#include "br_sdk/schedule.hpp"

#include <sys/types.h>

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace test_support {

/// The requesters a sidecar trusts, made before it starts (it reads its keys once), and the
/// scheduler's result-signing key, made here too so the tests know its public half out of band, as
/// an operator would hand it out. `directory()` is SCHEDULER_AUTH_KEYS: `<id>.pem` (Ed25519 public
/// key) or `<id>.hmac` (base64 secret) per requester, including the vectors' requester with the
/// public test key of spec/vectors/signing.json.
class KeyRing {
 public:
  using SignerPtr = std::shared_ptr<const br_sdk::schedule::Signer>;

  /// Writes the keys under `root` (which must exist).
  KeyRing(const std::string& root, int ed25519 = 64, int hmac = 8);

  /// A requester no test took yet, with an Ed25519 key.
  SignerPtr take();
  /// A requester no test took yet, with an HMAC secret.
  SignerPtr take_hmac();
  /// The requester of spec/vectors (signing.json's keys; requests.json's requester_id).
  SignerPtr vectors_signer() const { return vectors_; }

  const std::string& directory() const { return directory_; }
  /// SCHEDULER_SIGNING_KEY: the scheduler's private key (PKCS #8 PEM).
  const std::string& scheduler_key_file() const { return scheduler_key_file_; }
  /// The scheduler's public key, known out of band.
  const br_sdk::schedule::SchedulerKey& scheduler_key() const { return *scheduler_key_; }
  /// The scheduler's private key as a signer: signs results as the scheduler would.
  const br_sdk::schedule::Ed25519Signer& scheduler_signer() const { return *scheduler_; }

 private:
  SignerPtr add(SignerPtr signer, const std::string& file, const std::string& text);
  std::string directory_, scheduler_key_file_;
  std::mutex mutex_;
  std::vector<SignerPtr> pool_, hmac_pool_;
  SignerPtr vectors_;
  std::optional<br_sdk::schedule::Ed25519Signer> scheduler_;
  std::optional<br_sdk::schedule::SchedulerKey> scheduler_key_;
};

class Sidecar {
 public:
  enum class Auth { Signed, Off };

  /// The run's sidecar with SCHEDULER_AUTH=signed, started on first use.
  static Sidecar& shared();
  /// The run's sidecar with SCHEDULER_AUTH=off, started on first use.
  static Sidecar& shared_unsigned();
  /// Stops the shared sidecars that were started (from the test environment's TearDown).
  static void stop_shared();

  /// A sidecar of a test's own; `env` adds SCHEDULER_* variables (`NAME=value`).
  explicit Sidecar(Auth auth, const std::vector<std::string>& env = {});
  ~Sidecar();
  Sidecar(const Sidecar&) = delete;
  Sidecar& operator=(const Sidecar&) = delete;

  bool signing() const { return auth_ == Auth::Signed; }
  KeyRing& keys() { return *keys_; }
  const std::string& url() const { return url_; }
  /// Broker options pointing at this sidecar's request queue and result exchange; when it is
  /// signing, with the run's default requester as signer and the scheduler's key to verify results.
  br_sdk::schedule::AmqpOptions amqp() const;
  /// The same with `signer` (null: unsigned) and the scheduler's key.
  br_sdk::schedule::AmqpOptions amqp(KeyRing::SignerPtr signer) const;
  /// REST options; when it is signing, with the default requester as signer.
  br_sdk::schedule::HttpOptions http() const;
  br_sdk::schedule::HttpOptions http(KeyRing::SignerPtr signer) const;
  /// The requester the options above sign as by default (null when not signing).
  KeyRing::SignerPtr default_signer() const { return default_signer_; }
  std::string amqp_url() const { return "amqp://guest:guest@127.0.0.1:5672"; }
  /// A name unique to this run (for task ids and queues).
  std::string unique(const std::string& what) const { return prefix_ + "." + what; }
  /// Deletes `queue` from the broker when the run ends.
  void delete_at_end(const std::string& queue);
  /// The sidecar's output so far (its JSON log lines).
  std::string log() const;

 private:
  void read_output();
  void stop();

  Auth auth_;
  std::string prefix_, root_dir_, data_dir_, url_;
  std::unique_ptr<KeyRing> keys_;
  KeyRing::SignerPtr default_signer_;
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
