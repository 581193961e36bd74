// Request signing and result verification with OpenSSL 3's EVP API: Ed25519 (EVP_DigestSign and
// EVP_DigestVerify with no digest), HMAC-SHA256 (EVP_MAC), SHA-256 (EVP_Digest), base64
// (EVP_EncodeBlock / EVP_DecodeBlock) and RAND_bytes. Every OpenSSL object is owned by a
// unique_ptr with its free function; OpenSSL's error queue is cleared after each failure.
#include "br_sdk/schedule/signing.hpp"

#include "br_sdk/schedule/errors.hpp"
#include "br_sdk/schedule/util.hpp"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <optional>
#include <sstream>
#include <vector>

namespace br_sdk::schedule {

namespace {

using Json = nlohmann::json;

const char* const kRequestContext = "br-schedule/request/v1";
const char* const kResultContext = "br-schedule/result/v1";
const char* const kHttpContext = "br-schedule/http/v1";
constexpr size_t kMinHmacSecret = 32;
constexpr size_t kEd25519KeyBytes = 32, kEd25519SignatureBytes = 64;

// RAII for the OpenSSL objects used here.
struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
struct MacFree {
  void operator()(EVP_MAC* mac) const { EVP_MAC_free(mac); }
};
struct MacCtxFree {
  void operator()(EVP_MAC_CTX* ctx) const { EVP_MAC_CTX_free(ctx); }
};
struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
using Mac = std::unique_ptr<EVP_MAC, MacFree>;
using MacCtx = std::unique_ptr<EVP_MAC_CTX, MacCtxFree>;
using Bio = std::unique_ptr<BIO, BioFree>;

/// OpenSSL's last error as text, and the queue emptied.
std::string openssl_error() {
  const unsigned long code = ERR_peek_last_error();
  std::string text = "unknown OpenSSL error";
  if (code != 0) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof buffer);
    text = buffer;
  }
  ERR_clear_error();
  return text;
}

[[noreturn]] void invalid(const std::string& path, const std::string& message) {
  ERR_clear_error();
  throw_error("INVALID_ARGUMENT", path.empty() ? message : path + ": " + message, {{path, message}});
}

/// For PEM reading: never ask for a passphrase (OpenSSL's default would prompt on the terminal);
/// an encrypted key is refused instead.
int no_passphrase(char*, int, int, void*) { return -1; }

[[noreturn]] void crypto_failure(const std::string& what) {
  throw_error("INTERNAL", what + " failed: " + openssl_error());
}

const unsigned char* bytes_of(std::string_view text) { return reinterpret_cast<const unsigned char*>(text.data()); }

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int written =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes_of(bytes), static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(written));
  return out;
}

/// RFC 4648 §4 base64, padded or not; nothing else (no whitespace, no base64url). nullopt if bad.
std::optional<std::string> unbase64(std::string text) {
  if (text.empty()) return std::nullopt;
  size_t padding = 0;
  while (!text.empty() && text.back() == '=') {
    text.pop_back();
    ++padding;
  }
  if (padding > 2 || text.empty()) return std::nullopt;
  const bool alphabet = std::all_of(text.begin(), text.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '+' || c == '/';
  });
  if (!alphabet || text.size() % 4 == 1) return std::nullopt;
  const size_t missing = (4 - text.size() % 4) % 4;
  if (padding != 0 && padding != missing) return std::nullopt;
  text.append(missing, '=');
  std::string out(text.size() / 4 * 3, '\0');
  const int decoded = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes_of(text),
                                      static_cast<int>(text.size()));
  if (decoded < 0) {
    ERR_clear_error();
    return std::nullopt;
  }
  out.resize(static_cast<size_t>(decoded) - missing);  // EVP_DecodeBlock counts the padding as zero bytes
  return out;
}

std::string hex(std::string_view bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (const unsigned char byte : bytes) {
    out += digits[byte >> 4];
    out += digits[byte & 0x0F];
  }
  return out;
}

std::string sha256_hex(std::string_view body) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(body.data(), body.size(), digest, &length, EVP_sha256(), nullptr) != 1) crypto_failure("SHA-256");
  return hex(std::string_view(reinterpret_cast<const char*>(digest), length));
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) invalid("path", "cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

Bio memory_bio(const std::string& text) {
  Bio bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  if (!bio) crypto_failure("BIO_new_mem_buf");
  return bio;
}

bool is_ed25519(const EVP_PKEY* key) { return EVP_PKEY_get_id(key) == EVP_PKEY_ED25519; }

std::string message_input(const char* context, const Json& message, const char* signature_field) {
  if (!message.is_object()) invalid("", "a signed message must be a JSON object");
  Json signed_part = message;
  signed_part.erase(signature_field);
  return std::string(context) + "\n" + canonical_json(signed_part);
}

bool same_requester(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

}  // namespace

// ---- signing inputs ----

std::string request_signing_input(const nlohmann::json& message) {
  return message_input(kRequestContext, message, "requester_signature");
}

std::string result_signing_input(const nlohmann::json& message) {
  return message_input(kResultContext, message, "scheduler_signature");
}

std::string http_signing_input(const std::string& method, const std::string& target, const std::string& requester_id,
                               const std::string& timestamp, const std::string& nonce, std::string_view body) {
  std::string upper = method;
  std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
  return std::string(kHttpContext) + "\n" + upper + "\n" + target + "\n" + requester_id + "\n" + timestamp + "\n" +
         nonce + "\n" + sha256_hex(body);
}

std::string new_nonce() {
  unsigned char random[16];
  if (RAND_bytes(random, sizeof random) != 1) crypto_failure("RAND_bytes");
  std::string text = base64(std::string_view(reinterpret_cast<const char*>(random), sizeof random));
  for (char& c : text) {
    if (c == '+') c = '-';
    else if (c == '/') c = '_';
  }
  text.erase(text.find_last_not_of('=') + 1);
  return text;
}

// ---- Signer ----

Signer::Signer(std::string requester_id) : requester_id_(std::move(requester_id)) {
  if (requester_id_.empty()) invalid("requester_id", "a signer needs the requester id");
}

void Signer::sign_message(nlohmann::json& message) const {
  sign_message(message, to_rfc3339(std::chrono::system_clock::now()), new_nonce());
}

void Signer::sign_message(nlohmann::json& message, const std::string& timestamp, const std::string& nonce) const {
  if (!message.is_object()) invalid("", "a signed message must be a JSON object");
  const auto named = message.find("requester_id");
  if (named == message.end() || named->is_null() || (named->is_string() && named->get<std::string>().empty())) {
    message["requester_id"] = requester_id_;
  } else if (!named->is_string() || !same_requester(named->get<std::string>(), requester_id_)) {
    // A signed message's requester_id names its signer: another's would never verify.
    invalid("requester_id", "a signed message is the signer's: requester_id must be " + requester_id_ +
                                " (or left out), not " + named->dump());
  }
  message["timestamp"] = timestamp;
  message["nonce"] = nonce;
  message["requester_signature"] = sign(request_signing_input(message));
}

SignatureHeaders Signer::sign_http(const std::string& method, const std::string& target, std::string_view body) const {
  return sign_http(method, target, body, to_rfc3339(std::chrono::system_clock::now()), new_nonce());
}

SignatureHeaders Signer::sign_http(const std::string& method, const std::string& target, std::string_view body,
                                   const std::string& timestamp, const std::string& nonce) const {
  return {{"X-Br-Requester-Id", requester_id_},
          {"X-Br-Timestamp", timestamp},
          {"X-Br-Nonce", nonce},
          {"X-Br-Signature", sign(http_signing_input(method, target, requester_id_, timestamp, nonce, body))}};
}

// ---- Ed25519Signer ----

struct Ed25519Signer::Key {
  Pkey pkey;
};

Ed25519Signer::Ed25519Signer(std::string requester_id, std::shared_ptr<const Key> key)
    : Signer(std::move(requester_id)), key_(std::move(key)) {}

Ed25519Signer Ed25519Signer::from_pem(const std::string& pem, const std::string& requester_id) {
  Bio bio = memory_bio(pem);
  Pkey pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
  if (!pkey) invalid("private_key", "not an unencrypted PEM private key (" + openssl_error() + ")");
  if (!is_ed25519(pkey.get())) invalid("private_key", "expected an Ed25519 key");
  auto key = std::make_shared<Key>();
  key->pkey = std::move(pkey);
  return Ed25519Signer(requester_id, std::move(key));
}

Ed25519Signer Ed25519Signer::from_pem_file(const std::string& path, const std::string& requester_id) {
  return from_pem(read_file(path), requester_id);
}

Ed25519Signer Ed25519Signer::generate(const std::string& requester_id) {
  Pkey pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!pkey) crypto_failure("Ed25519 key generation");
  auto key = std::make_shared<Key>();
  key->pkey = std::move(pkey);
  return Ed25519Signer(requester_id, std::move(key));
}

std::string Ed25519Signer::sign(std::string_view input) const {
  MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx) crypto_failure("EVP_MD_CTX_new");
  // Ed25519 hashes internally: no digest, one shot.
  if (EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_->pkey.get()) != 1) crypto_failure("Ed25519 init");
  unsigned char signature[kEd25519SignatureBytes];
  size_t length = sizeof signature;
  if (EVP_DigestSign(ctx.get(), signature, &length, bytes_of(input), input.size()) != 1) crypto_failure("Ed25519");
  return base64(std::string_view(reinterpret_cast<const char*>(signature), length));
}

namespace {
template <class Write>
std::string pem_text(Write write, const char* what) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || write(bio.get()) != 1) crypto_failure(what);
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(length));
}
}  // namespace

std::string Ed25519Signer::public_key_pem() const {
  return pem_text([this](BIO* bio) { return PEM_write_bio_PUBKEY(bio, key_->pkey.get()); }, "PEM_write_bio_PUBKEY");
}

std::string Ed25519Signer::private_key_pem() const {
  return pem_text(
      [this](BIO* bio) {
        return PEM_write_bio_PrivateKey(bio, key_->pkey.get(), nullptr, nullptr, 0, nullptr, nullptr);
      },
      "PEM_write_bio_PrivateKey");
}

// ---- HmacSigner ----

HmacSigner::HmacSigner(std::string requester_id, std::string secret)
    : Signer(std::move(requester_id)), secret_(std::move(secret)) {
  if (secret_.size() < kMinHmacSecret) {
    invalid("hmac_secret", "expected at least 32 bytes of secret, got " + std::to_string(secret_.size()));
  }
}

HmacSigner HmacSigner::from_text(const std::string& requester_id, const std::string& text) {
  const std::string trimmed = trim(text);
  if (trimmed.rfind("hex:", 0) == 0) {
    const std::string digits = trimmed.substr(4);
    if (digits.size() % 2 != 0 || !std::all_of(digits.begin(), digits.end(), [](unsigned char c) {
          return std::isxdigit(c) != 0;
        })) {
      invalid("hmac_secret", "expected hex digits after hex:");
    }
    std::string secret;
    for (size_t i = 0; i < digits.size(); i += 2) {
      secret += static_cast<char>(std::stoi(digits.substr(i, 2), nullptr, 16));
    }
    return HmacSigner(requester_id, secret);
  }
  const auto secret = unbase64(trimmed.rfind("base64:", 0) == 0 ? trimmed.substr(7) : trimmed);
  if (!secret) invalid("hmac_secret", "expected base64 (or hex:…)");
  return HmacSigner(requester_id, *secret);
}

HmacSigner HmacSigner::generate(const std::string& requester_id) {
  std::string secret(kMinHmacSecret, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(secret.data()), static_cast<int>(secret.size())) != 1) {
    crypto_failure("RAND_bytes");
  }
  return HmacSigner(requester_id, secret);
}

std::string HmacSigner::secret_base64() const { return base64(secret_); }

std::string HmacSigner::sign(std::string_view input) const {
  Mac mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  if (!mac) crypto_failure("EVP_MAC_fetch HMAC");
  MacCtx ctx(EVP_MAC_CTX_new(mac.get()));
  if (!ctx) crypto_failure("EVP_MAC_CTX_new");
  char digest_name[] = "SHA256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
                               OSSL_PARAM_construct_end()};
  unsigned char out[EVP_MAX_MD_SIZE];
  size_t length = 0;
  if (EVP_MAC_init(ctx.get(), bytes_of(secret_), secret_.size(), params) != 1 ||
      EVP_MAC_update(ctx.get(), bytes_of(input), input.size()) != 1 ||
      EVP_MAC_final(ctx.get(), out, &length, sizeof out) != 1) {
    crypto_failure("HMAC-SHA256");
  }
  return base64(std::string_view(reinterpret_cast<const char*>(out), length));
}

// ---- SchedulerKey ----

struct SchedulerKey::Key {
  Pkey pkey;
};

SchedulerKey::SchedulerKey(std::shared_ptr<const Key> key) : key_(std::move(key)) {}

SchedulerKey SchedulerKey::from_pem(const std::string& pem) {
  Bio bio = memory_bio(pem);
  Pkey pkey(PEM_read_bio_PUBKEY(bio.get(), nullptr, no_passphrase, nullptr));
  if (!pkey) invalid("scheduler_key", "not a PEM public key (" + openssl_error() + ")");
  if (!is_ed25519(pkey.get())) invalid("scheduler_key", "expected an Ed25519 key");
  auto key = std::make_shared<Key>();
  key->pkey = std::move(pkey);
  return SchedulerKey(std::move(key));
}

SchedulerKey SchedulerKey::from_raw_base64(const std::string& text) {
  const auto raw = unbase64(trim(text));
  if (!raw || raw->size() != kEd25519KeyBytes) invalid("scheduler_key", "expected 32 raw bytes in base64");
  Pkey pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, bytes_of(*raw), raw->size()));
  if (!pkey) invalid("scheduler_key", "not an Ed25519 public key (" + openssl_error() + ")");
  auto key = std::make_shared<Key>();
  key->pkey = std::move(pkey);
  return SchedulerKey(std::move(key));
}

SchedulerKey SchedulerKey::parse(const std::string& text) {
  const std::string trimmed = trim(text);
  return trimmed.rfind("-----BEGIN", 0) == 0 ? from_pem(trimmed) : from_raw_base64(trimmed);
}

SchedulerKey SchedulerKey::from_file(const std::string& path) { return parse(read_file(path)); }

bool SchedulerKey::verify(std::string_view input, const std::string& signature) const noexcept {
  const auto given = unbase64(signature);
  if (!given || given->size() != kEd25519SignatureBytes) return false;
  MdCtx ctx(EVP_MD_CTX_new());
  const bool ok = ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key_->pkey.get()) == 1 &&
                  EVP_DigestVerify(ctx.get(), bytes_of(*given), given->size(), bytes_of(input), input.size()) == 1;
  ERR_clear_error();
  return ok;
}

bool SchedulerKey::verify_result(const nlohmann::json& message) const noexcept {
  try {
    if (!message.is_object()) return false;
    const auto signature = message.find("scheduler_signature");
    if (signature == message.end() || !signature->is_string()) return false;
    return verify(result_signing_input(message), signature->get<std::string>());
  } catch (...) {
    return false;  // not canonicalizable (NaN, not UTF-8, …): not what the scheduler signed
  }
}

std::string SchedulerKey::raw_base64() const {
  unsigned char raw[kEd25519KeyBytes];
  size_t length = sizeof raw;
  if (EVP_PKEY_get_raw_public_key(key_->pkey.get(), raw, &length) != 1) crypto_failure("EVP_PKEY_get_raw_public_key");
  return base64(std::string_view(reinterpret_cast<const char*>(raw), length));
}

}  // namespace br_sdk::schedule
