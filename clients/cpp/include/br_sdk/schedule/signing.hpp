#pragma once
// Signing (docs/clients/cpp.md#signing, docs/security.md): every request a client sends is signed
// with the requester's Ed25519 private key or an HMAC-SHA256 secret shared with the scheduler, and
// every result the scheduler publishes carries its Ed25519 signature, checked with its public key.
//
// What is signed is fixed by the protocol (spec/vectors/signing.json checks it byte for byte):
//   a JSON message  "br-schedule/request/v1\n" + canonical_json(message without requester_signature)
//   a REST request  "br-schedule/http/v1\nMETHOD\ntarget\nrequester_id\ntimestamp\nnonce\nhex(SHA-256(body))"
//   a result        "br-schedule/result/v1\n" + canonical_json(result without scheduler_signature)
// Signatures are base64 (RFC 4648 §4, padded). Key and signature failures throw ValidationError
// (INVALID_ARGUMENT); the OpenSSL objects behind the keys are owned RAII and never exposed.

#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace br_sdk::schedule {

/// RFC 8785 (JCS) canonical JSON, as JavaScript computes it: no whitespace, object members sorted
/// by their keys' UTF-16 code units, strings escaped as JSON.stringify does, numbers in ECMAScript
/// Number-to-String form (integers beyond ±2^53 as the double JavaScript would read). Throws
/// ValidationError for NaN or infinity, binary values and strings that are not UTF-8.
std::string canonical_json(const nlohmann::json& value);

/// The exact text a request message's signature covers (its `requester_signature` left out).
std::string request_signing_input(const nlohmann::json& message);
/// The exact text a result message's signature covers (its `scheduler_signature` left out).
std::string result_signing_input(const nlohmann::json& message);
/// The exact text a REST request's signature covers; `target` is the path and query as sent on the
/// request line, `body` the body's bytes as sent ("" for none).
std::string http_signing_input(const std::string& method, const std::string& target, const std::string& requester_id,
                               const std::string& timestamp, const std::string& nonce, std::string_view body);

/// 16 random bytes (OpenSSL's RAND_bytes), base64url without padding: a request nonce (22 characters).
std::string new_nonce();

/// The X-Br-* headers of a signed REST request, by name.
using SignatureHeaders = std::map<std::string, std::string>;

/// Signs requests as one requester. Immutable once made: share one between transports and threads.
class Signer {
 public:
  virtual ~Signer() = default;

  /// The requester the signatures are for (a UUID, the name of its key file on the scheduler).
  const std::string& requester_id() const { return requester_id_; }
  /// "ed25519" or "hmac-sha256".
  virtual std::string algorithm() const = 0;
  /// The signature of `input`, base64.
  virtual std::string sign(std::string_view input) const = 0;

  /// Signs a request message in place: sets `requester_id` when it is missing or empty (a different
  /// one is refused: INVALID_ARGUMENT), a fresh `timestamp` (now, RFC 3339 UTC with milliseconds)
  /// and `nonce`, then `requester_signature` over the rest.
  void sign_message(nlohmann::json& message) const;
  /// The same with the given timestamp and nonce (for tests and replays of the vectors).
  void sign_message(nlohmann::json& message, const std::string& timestamp, const std::string& nonce) const;

  /// The headers of a signed REST request: X-Br-Requester-Id, X-Br-Timestamp, X-Br-Nonce and
  /// X-Br-Signature, over the method, the target as sent on the request line and the body's bytes.
  SignatureHeaders sign_http(const std::string& method, const std::string& target, std::string_view body) const;
  SignatureHeaders sign_http(const std::string& method, const std::string& target, std::string_view body,
                             const std::string& timestamp, const std::string& nonce) const;

 protected:
  explicit Signer(std::string requester_id);

 private:
  std::string requester_id_;
};

/// Ed25519 with the requester's private key; the scheduler holds only the public half
/// (`<requester_id>.pem` in its SCHEDULER_AUTH_KEYS directory).
class Ed25519Signer : public Signer {
 public:
  /// From a PKCS #8 PEM private key (`openssl genpkey -algorithm ed25519`). Throws ValidationError
  /// (INVALID_ARGUMENT) for anything else.
  static Ed25519Signer from_pem(const std::string& pem, const std::string& requester_id);
  /// The same, read from a file.
  static Ed25519Signer from_pem_file(const std::string& path, const std::string& requester_id);
  /// A new random key (as `openssl genpkey -algorithm ed25519` makes).
  static Ed25519Signer generate(const std::string& requester_id);

  std::string algorithm() const override { return "ed25519"; }
  std::string sign(std::string_view input) const override;
  /// The public key as SPKI PEM: what the scheduler needs as `<requester_id>.pem`.
  std::string public_key_pem() const;
  /// The private key as PKCS #8 PEM, unencrypted: keep it to the requester (file mode 0600).
  std::string private_key_pem() const;

 private:
  struct Key;
  Ed25519Signer(std::string requester_id, std::shared_ptr<const Key> key);
  std::shared_ptr<const Key> key_;
};

/// HMAC-SHA256 with a secret shared with the scheduler (`<requester_id>.hmac`), at least 32 bytes.
class HmacSigner : public Signer {
 public:
  /// `secret` is the raw bytes. Throws ValidationError (INVALID_ARGUMENT) when shorter than 32 bytes.
  HmacSigner(std::string requester_id, std::string secret);
  /// The secret as the scheduler's `.hmac` files hold it: base64 (`base64:` prefix optional) or `hex:…`.
  static HmacSigner from_text(const std::string& requester_id, const std::string& text);
  /// A new random 32-byte secret (RAND_bytes).
  static HmacSigner generate(const std::string& requester_id);
  /// The secret in base64: what the scheduler's `<requester_id>.hmac` file holds.
  std::string secret_base64() const;

  std::string algorithm() const override { return "hmac-sha256"; }
  std::string sign(std::string_view input) const override;

 private:
  std::string secret_;
};

/// The scheduler's Ed25519 public key, which verifies results. Get it from the operator
/// (`br-schedule public-key`); fetching it from `GET /v1/keys/scheduler` is trust on first use.
class SchedulerKey {
 public:
  /// From SPKI PEM (`-----BEGIN PUBLIC KEY-----`). Throws ValidationError (INVALID_ARGUMENT).
  static SchedulerKey from_pem(const std::string& pem);
  /// From the raw 32 bytes in base64 (the `public_key` of GET /v1/keys/scheduler).
  static SchedulerKey from_raw_base64(const std::string& text);
  /// PEM or raw base64, whichever `text` is (as the scheduler reads keys).
  static SchedulerKey parse(const std::string& text);
  /// parse() of a file's content.
  static SchedulerKey from_file(const std::string& path);

  /// Whether `signature` (base64) is the scheduler's over `input`. Never throws.
  bool verify(std::string_view input, const std::string& signature) const noexcept;
  /// Whether a result message carries the scheduler's valid `scheduler_signature` over all its other
  /// members, as received. False (never throws) for anything else, a message without one included.
  bool verify_result(const nlohmann::json& message) const noexcept;
  /// The raw 32 bytes, base64.
  std::string raw_base64() const;

 private:
  struct Key;
  explicit SchedulerKey(std::shared_ptr<const Key> key);
  std::shared_ptr<const Key> key_;
};

}  // namespace br_sdk::schedule
