// spec/vectors/signing.json: canonical JSON, signing inputs and signatures byte for byte as the
// scheduler makes them, result verification, and the ECMAScript forms of numbers and strings.
#include "support/helpers.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <regex>
#include <set>

using namespace br_sdk::schedule;

namespace {

const Json& vectors() {
  static const Json loaded = test_support::load_vectors("signing.json");
  return loaded;
}
const Json& keys() { return vectors()["keys"]; }
std::string requester_id() { return keys()["requester_id"]; }

Ed25519Signer ed25519() { return Ed25519Signer::from_pem(keys()["requester_ed25519_private_pem"], requester_id()); }
HmacSigner hmac() { return HmacSigner::from_text(requester_id(), keys()["requester_hmac_secret_base64"]); }
SchedulerKey scheduler_key() { return SchedulerKey::from_pem(keys()["scheduler_ed25519_public_pem"]); }

std::vector<int> indices(const char* section) {
  std::vector<int> out(vectors()[section].size());
  for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<int>(i);
  return out;
}

std::string test_name(const char* section, int index) {
  std::string name = std::to_string(index) + "_" + vectors()[section][index]["name"].get<std::string>();
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

/// The text after the context line.
std::string canonical_part(const std::string& signing_input) {
  return signing_input.substr(signing_input.find('\n') + 1);
}

// ---- request messages ----

class MessageVector : public ::testing::TestWithParam<int> {
 protected:
  const Json& vector() const { return vectors()["messages"][GetParam()]; }
};

TEST_P(MessageVector, CanonicalJsonIsTheSigningInput) {
  const std::string input = vector()["signing_input"];
  EXPECT_EQ(canonical_json(vector()["message"]), canonical_part(input));
  EXPECT_EQ(request_signing_input(vector()["message"]), input);
}

TEST_P(MessageVector, Ed25519SignatureIsByteForByte) {
  const std::string input = vector()["signing_input"];
  EXPECT_EQ(ed25519().sign(input), vector()["ed25519_signature"]);
  Json message = vector()["message"];
  ed25519().sign_message(message, message["timestamp"], message["nonce"]);
  EXPECT_EQ(message["requester_signature"], vector()["ed25519_signature"]);
  // The requester's public key verifies it (the scheduler's check).
  const auto requester_key = SchedulerKey::from_pem(keys()["requester_ed25519_public_pem"]);
  EXPECT_TRUE(requester_key.verify(input, message["requester_signature"]));
}

TEST_P(MessageVector, HmacSignatureIsByteForByte) {
  EXPECT_EQ(hmac().sign(vector()["signing_input"].get<std::string>()), vector()["hmac_signature"]);
  Json message = vector()["message"];
  hmac().sign_message(message, message["timestamp"], message["nonce"]);
  EXPECT_EQ(message["requester_signature"], vector()["hmac_signature"]);
}

TEST_P(MessageVector, ASignatureAlreadyThereIsNotSigned) {
  Json message = vector()["message"];
  message["requester_signature"] = "an old signature";
  EXPECT_EQ(request_signing_input(message), vector()["signing_input"]);
}

INSTANTIATE_TEST_SUITE_P(Vectors, MessageVector, ::testing::ValuesIn(indices("messages")),
                         [](const auto& info) { return test_name("messages", info.param); });

// ---- REST requests ----

class HttpVector : public ::testing::TestWithParam<int> {
 protected:
  const Json& vector() const { return vectors()["http"][GetParam()]; }
};

TEST_P(HttpVector, SigningInputAndSignaturesAreByteForByte) {
  const Json& v = vector();
  const std::string body = v["body"];
  EXPECT_EQ(http_signing_input(v["method"], v["target"], v["requester_id"], v["timestamp"], v["nonce"], body),
            v["signing_input"]);
  const SignatureHeaders headers = ed25519().sign_http(v["method"], v["target"], body, v["timestamp"], v["nonce"]);
  EXPECT_EQ(headers, (SignatureHeaders{{"X-Br-Requester-Id", v["requester_id"]},
                                       {"X-Br-Timestamp", v["timestamp"]},
                                       {"X-Br-Nonce", v["nonce"]},
                                       {"X-Br-Signature", v["ed25519_signature"]}}));
  EXPECT_EQ(hmac().sign_http(v["method"], v["target"], body, v["timestamp"], v["nonce"]).at("X-Br-Signature"),
            v["hmac_signature"]);
  // The method is signed upper case, however it is given.
  std::string lower = v["method"];
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_EQ(http_signing_input(lower, v["target"], v["requester_id"], v["timestamp"], v["nonce"], body),
            v["signing_input"]);
}

INSTANTIATE_TEST_SUITE_P(Vectors, HttpVector, ::testing::ValuesIn(indices("http")),
                         [](const auto& info) { return test_name("http", info.param); });

// ---- results ----

TEST(ResultSignature, TheSignedResultVerifies) {
  const Json& result = vectors()["result"];
  EXPECT_EQ(result_signing_input(result["signed"]), result["signing_input"]);
  EXPECT_TRUE(scheduler_key().verify_result(result["signed"]));
  // Parsed from the text as the broker carries it, too.
  EXPECT_TRUE(scheduler_key().verify_result(Json::parse(result["signed"].dump())));
  // And with the key given as raw base64.
  const SchedulerKey raw = SchedulerKey::from_raw_base64(scheduler_key().raw_base64());
  EXPECT_TRUE(raw.verify_result(result["signed"]));
}

TEST(ResultSignature, TheTamperedResultFails) {
  EXPECT_FALSE(scheduler_key().verify_result(vectors()["result"]["tampered"]));
}

TEST(ResultSignature, AnotherKeyFails) {
  const auto requester_key = SchedulerKey::from_pem(keys()["requester_ed25519_public_pem"]);
  EXPECT_FALSE(requester_key.verify_result(vectors()["result"]["signed"]));
}

TEST(ResultSignature, AnySingleChangedFieldFails) {
  const Json& signed_result = vectors()["result"]["signed"];
  for (const auto& [key, value] : signed_result.items()) {
    if (key == "scheduler_signature") continue;
    Json changed = signed_result;
    if (value.is_string()) changed[key] = value.get<std::string>() + "x";
    else if (value.is_boolean()) changed[key] = !value.get<bool>();
    else if (value.is_number()) changed[key] = value.get<long long>() + 1;
    else changed[key] = "x";
    EXPECT_FALSE(scheduler_key().verify_result(changed)) << key;
    Json removed = signed_result;
    removed.erase(key);
    EXPECT_FALSE(scheduler_key().verify_result(removed)) << "without " << key;
  }
  Json added = signed_result;
  added["region"] = "eu";
  EXPECT_FALSE(scheduler_key().verify_result(added));
  Json as_float = signed_result;
  as_float["attempts"] = 1.0;  // the same number to JavaScript: still verifies
  EXPECT_TRUE(scheduler_key().verify_result(as_float));
}

TEST(ResultSignature, BadOrMissingSignaturesFail) {
  const Json& signed_result = vectors()["result"]["signed"];
  const std::string good = signed_result["scheduler_signature"];
  auto with = [&](const Json& signature) {
    Json message = signed_result;
    message["scheduler_signature"] = signature;
    return scheduler_key().verify_result(message);
  };
  std::string unpadded = good;
  unpadded.erase(unpadded.find_last_not_of('=') + 1);
  EXPECT_TRUE(with(unpadded));  // the same bytes: as the scheduler reads base64
  std::string url = good;
  for (char& c : url) c = c == '+' ? '-' : c == '/' ? '_' : c;
  if (url != good) EXPECT_FALSE(with(url)) << "base64url is not base64";
  EXPECT_FALSE(with("not base64!"));
  EXPECT_FALSE(with(""));
  EXPECT_FALSE(with(" " + good));
  EXPECT_FALSE(with(good + "\n"));
  EXPECT_FALSE(with(good.substr(0, 84)));  // 63 bytes
  EXPECT_FALSE(with(good.substr(0, 85)));  // not base64 at all (length 1 mod 4)
  EXPECT_FALSE(with(good + "AAAA"));        // 67 bytes
  EXPECT_FALSE(with("===="));
  EXPECT_FALSE(with(nullptr));
  EXPECT_FALSE(with(42));
  std::string flipped = good;
  flipped[10] = flipped[10] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(with(flipped));
  Json without = signed_result;
  without.erase("scheduler_signature");
  EXPECT_FALSE(scheduler_key().verify_result(without));
  EXPECT_FALSE(scheduler_key().verify_result(Json::array()));
  EXPECT_FALSE(scheduler_key().verify_result("text"));
  Json nan = signed_result;
  nan["attempts"] = std::nan("");
  EXPECT_FALSE(scheduler_key().verify_result(nan));  // never throws
  Json deep = signed_result;
  Json nested = deep["parameters"];
  for (int i = 0; i < 1000; ++i) nested = Json::array({std::move(nested)});
  deep["parameters"] = std::move(nested);
  EXPECT_FALSE(scheduler_key().verify_result(deep));
}

// ---- canonical JSON ----

std::string number(double x) { return canonical_json(Json(x)); }

TEST(CanonicalJson, NumbersInTheirEcmaScriptForm) {
  EXPECT_EQ(number(1e21), "1e+21");
  EXPECT_EQ(number(1e20), "100000000000000000000");
  EXPECT_EQ(number(1e-7), "1e-7");
  EXPECT_EQ(number(1e-6), "0.000001");
  EXPECT_EQ(number(1.5e-7), "1.5e-7");
  EXPECT_EQ(number(0.1), "0.1");
  EXPECT_EQ(number(1.5), "1.5");
  EXPECT_EQ(number(-1.5), "-1.5");
  EXPECT_EQ(number(-0.0), "0");
  EXPECT_EQ(number(0.0), "0");
  EXPECT_EQ(number(1.0), "1");
  EXPECT_EQ(number(100.0), "100");
  EXPECT_EQ(number(123.456), "123.456");
  EXPECT_EQ(number(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(number(9007199254740992.0), "9007199254740992");
  EXPECT_EQ(number(123456789012345680000.0), "123456789012345680000");
  EXPECT_EQ(number(-1e21), "-1e+21");
  EXPECT_EQ(number(1.2345e25), "1.2345e+25");
  EXPECT_EQ(number(1e300), "1e+300");
  EXPECT_EQ(number(5e-324), "5e-324");
  EXPECT_EQ(number(std::numeric_limits<double>::max()), "1.7976931348623157e+308");
  EXPECT_EQ(number(123e-20), "1.23e-18");
  EXPECT_EQ(number(0.000123), "0.000123");
  EXPECT_EQ(number(1.7e-7), "1.7e-7");
  EXPECT_EQ(number(4.35), "4.35");
  EXPECT_EQ(number(2e-7), "2e-7");
  // Parsed from text, as a message read off the wire is.
  EXPECT_EQ(canonical_json(Json::parse("[123456789012345680000, 1E21, 1e-7, -0, -0.0, 2.50, 1e2]")),
            "[123456789012345680000,1e+21,1e-7,0,0,2.5,100]");
}

TEST(CanonicalJson, IntegersAsJavaScriptReadsThem) {
  EXPECT_EQ(canonical_json(Json(9007199254740992ULL)), "9007199254740992");  // 2^53
  EXPECT_EQ(canonical_json(Json(-9007199254740992LL)), "-9007199254740992");
  EXPECT_EQ(canonical_json(Json(42)), "42");
  EXPECT_EQ(canonical_json(Json(-7)), "-7");
  EXPECT_EQ(canonical_json(Json(0)), "0");
  // Beyond 2^53, JavaScript holds the nearest double.
  EXPECT_EQ(canonical_json(Json(9007199254740993ULL)), "9007199254740992");
  EXPECT_EQ(canonical_json(Json(-9007199254740993LL)), "-9007199254740992");
  EXPECT_EQ(canonical_json(Json(std::numeric_limits<std::uint64_t>::max())), "18446744073709552000");
  EXPECT_EQ(canonical_json(Json(std::numeric_limits<std::int64_t>::min())), "-9223372036854776000");
  EXPECT_EQ(canonical_json(Json::parse("10000000000000000000")), "10000000000000000000");
}

TEST(CanonicalJson, RefusesWhatJsonCannotHold) {
  EXPECT_THROW(canonical_json(Json(std::nan(""))), ValidationError);
  EXPECT_THROW(canonical_json(Json(std::numeric_limits<double>::infinity())), ValidationError);
  EXPECT_THROW(canonical_json(Json({{"a", -std::numeric_limits<double>::infinity()}})), ValidationError);
  EXPECT_THROW(canonical_json(Json(std::string("\xC3\x28"))), ValidationError);      // bad continuation
  EXPECT_THROW(canonical_json(Json(std::string("\xED\xA0\x80"))), ValidationError);  // a surrogate
  EXPECT_THROW(canonical_json(Json(std::string("\xC0\xAF"))), ValidationError);      // overlong
  EXPECT_THROW(canonical_json(Json({{std::string("\xFF"), 1}})), ValidationError);   // in a key
  EXPECT_THROW(canonical_json(Json::binary({1, 2})), ValidationError);
  // Deep nesting is refused, not recursed into (the scheduler itself takes 64 levels).
  Json deep = Json::array();
  for (int i = 0; i < 600; ++i) deep = Json::array({std::move(deep)});
  EXPECT_THROW(canonical_json(deep), ValidationError);
  Json fine = Json::array();
  for (int i = 0; i < 100; ++i) fine = Json::array({std::move(fine)});
  EXPECT_NO_THROW(canonical_json(fine));
}

TEST(CanonicalJson, KeysSortByUtf16CodeUnits) {
  // U+1F600 is D83D DE00 in UTF-16, before U+FF5E; in UTF-8 (F0… > EF…) it is after.
  const Json object = {{"\xEF\xBD\x9E", 1}, {"\xF0\x9F\x98\x80", 2}, {"\xC3\xA9", 3}, {"z", 4}, {"Z", 5}, {"", 6}};
  EXPECT_EQ(canonical_json(object),
            "{\"\":6,\"Z\":5,\"z\":4,\"\xC3\xA9\":3,\"\xF0\x9F\x98\x80\":2,\"\xEF\xBD\x9E\":1}");
  EXPECT_NE(object.dump(), canonical_json(object));  // nlohmann's own order differs
  EXPECT_EQ(canonical_json(Json({{"b", {{"d", 1}, {"c", 2}}}, {"a", Json::array({3, Json::object()})}})),
            R"({"a":[3,{}],"b":{"c":2,"d":1}})");
}

TEST(CanonicalJson, StringsEscapedAsJsonStringify) {
  EXPECT_EQ(canonical_json(Json("q\"b\\s/")), R"("q\"b\\s/")");
  EXPECT_EQ(canonical_json(Json("\b\f\n\r\t")), R"("\b\f\n\r\t")");
  EXPECT_EQ(canonical_json(Json(std::string("\x00\x01\x1f\x7f", 4))), "\"\\u0000\\u0001\\u001f\x7f\"");
  EXPECT_EQ(canonical_json(Json("\xE2\x80\xA8 \xE2\x80\xA9 \xC3\xA9 \xF0\x9F\x98\x80")),
            "\"\xE2\x80\xA8 \xE2\x80\xA9 \xC3\xA9 \xF0\x9F\x98\x80\"");  // literal, not \u2028
  EXPECT_EQ(canonical_json(Json({{"\n", nullptr}, {"t", true}, {"f", false}})), R"({"\n":null,"f":false,"t":true})");
}

// ---- signers and keys ----

TEST(Signer, SignMessageAddsTimestampNonceAndSignature) {
  const Ed25519Signer signer = ed25519();
  Json message = {{"op", "get"}, {"task_id", "t-1"}};
  signer.sign_message(message);
  EXPECT_EQ(message["requester_id"], requester_id());
  EXPECT_TRUE(std::regex_match(message["timestamp"].get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
  EXPECT_TRUE(std::regex_match(message["nonce"].get<std::string>(), std::regex("[A-Za-z0-9_-]{22}")));
  const auto key = SchedulerKey::from_pem(keys()["requester_ed25519_public_pem"]);
  EXPECT_TRUE(key.verify(request_signing_input(message), message["requester_signature"]));
  Json again = {{"op", "get"}, {"task_id", "t-1"}};
  signer.sign_message(again);
  EXPECT_NE(again["nonce"], message["nonce"]);  // a fresh nonce each time

  Json mine = {{"op", "list"}, {"requester_id", "0F8C2A4E-3B1D-4C5E-9A7B-1C2D3E4F5A6B"}};  // any case
  EXPECT_NO_THROW(signer.sign_message(mine));
  Json other = {{"op", "list"}, {"requester_id", new_uuid()}};
  EXPECT_THROW(signer.sign_message(other), ValidationError);
  Json empty = {{"op", "create"}, {"requester_id", ""}};
  signer.sign_message(empty);
  EXPECT_EQ(empty["requester_id"], requester_id());
  Json not_object = Json::array();
  EXPECT_THROW(signer.sign_message(not_object), ValidationError);
}

TEST(Signer, NoncesAreRandomBase64Url) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    const std::string nonce = new_nonce();
    EXPECT_TRUE(std::regex_match(nonce, std::regex("[A-Za-z0-9_-]{22}"))) << nonce;
    seen.insert(nonce);
  }
  EXPECT_EQ(seen.size(), 200u);
}

TEST(Signer, KeysAreCheckedWhenRead) {
  EXPECT_EQ(ed25519().public_key_pem(), keys()["requester_ed25519_public_pem"]);
  EXPECT_EQ(ed25519().algorithm(), "ed25519");
  EXPECT_EQ(hmac().algorithm(), "hmac-sha256");
  EXPECT_THROW(Ed25519Signer::from_pem(keys()["requester_ed25519_public_pem"], requester_id()), ValidationError);
  EXPECT_THROW(Ed25519Signer::from_pem("not a key", requester_id()), ValidationError);
  // An encrypted key is refused (never a passphrase prompt).
  const std::string encrypted =
      "-----BEGIN ENCRYPTED PRIVATE KEY-----\n"
      "MIGbMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAipsE4ShtKmwQICCAAw\n"
      "DAYIKoZIhvcNAgkFADAdBglghkgBZQMEASoEEP4NM8/qYlZZikVnAfDoaFYEQGgH\n"
      "GzDeO/2TqMEwm1OVjec8x/7TVcIqGN+5AwluJyI4WYUVd5+NwTadlVzs4cdbzD9H\n"
      "Dcx1QgQyF51v7Gv4USc=\n"
      "-----END ENCRYPTED PRIVATE KEY-----\n";
  EXPECT_THROW(Ed25519Signer::from_pem(encrypted, requester_id()), ValidationError);
  // A key the library made reads back.
  const Ed25519Signer made = Ed25519Signer::generate(requester_id());
  EXPECT_EQ(Ed25519Signer::from_pem(made.private_key_pem(), requester_id()).public_key_pem(), made.public_key_pem());
  const HmacSigner secret = HmacSigner::generate(requester_id());
  EXPECT_EQ(HmacSigner::from_text(requester_id(), secret.secret_base64()).sign("x"), secret.sign("x"));
  EXPECT_THROW(Ed25519Signer::from_pem(keys()["requester_ed25519_private_pem"], ""), ValidationError);
  EXPECT_THROW(Ed25519Signer::from_pem_file("/nonexistent/requester.key", requester_id()), ValidationError);
  EXPECT_THROW(HmacSigner(requester_id(), std::string(31, 'k')), ValidationError);
  EXPECT_THROW(HmacSigner::from_text(requester_id(), "c2hvcnQ="), ValidationError);  // "short"
  EXPECT_THROW(HmacSigner::from_text(requester_id(), "not base64 at all!"), ValidationError);
  // The forms of the scheduler's .hmac files give the same secret.
  const std::string input = "br-schedule/request/v1\n{}";
  const std::string base64 = keys()["requester_hmac_secret_base64"];
  EXPECT_EQ(HmacSigner::from_text(requester_id(), "base64:" + base64 + "\n").sign(input), hmac().sign(input));
  const std::string hex_secret =
      "hex:a5facee de9f14edf990bdd631a7318d09aae572b2d0fc9f7fed9885f6051ef62";  // not hex: a space
  EXPECT_THROW(HmacSigner::from_text(requester_id(), hex_secret), ValidationError);
  const std::string hex = "hex:a5faceede9f14edf990bdd631a7318d09aae572b2d0fc9f7fed9885f6051ef62";
  EXPECT_EQ(HmacSigner::from_text(requester_id(), hex).sign(input), hmac().sign(input));
}

TEST(SchedulerKey, ReadsPemAndRawBase64) {
  const std::string raw = keys()["requester_ed25519_public_raw"];
  EXPECT_EQ(SchedulerKey::from_pem(keys()["requester_ed25519_public_pem"]).raw_base64(), raw);
  EXPECT_EQ(SchedulerKey::from_raw_base64(raw).raw_base64(), raw);
  EXPECT_EQ(SchedulerKey::parse("  " + raw + "\n").raw_base64(), raw);
  EXPECT_EQ(SchedulerKey::parse(keys()["requester_ed25519_public_pem"]).raw_base64(), raw);
  EXPECT_THROW(SchedulerKey::from_raw_base64("AAAA"), ValidationError);  // 3 bytes
  EXPECT_THROW(SchedulerKey::from_raw_base64("not base64!"), ValidationError);
  EXPECT_THROW(SchedulerKey::from_pem(keys()["requester_ed25519_private_pem"]), ValidationError);
  EXPECT_THROW(SchedulerKey::from_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"),
               ValidationError);
}

// ---- error families of the security codes ----

TEST(Errors, SecurityCodesMapToFamilies) {
  for (const char* code : {"UNAUTHENTICATED", "SIGNATURE_INVALID", "REQUEST_EXPIRED", "REQUEST_REPLAYED"}) {
    EXPECT_THROW(throw_error(code, "m"), AuthenticationError) << code;
  }
  EXPECT_THROW(throw_error("FORBIDDEN", "m"), ForbiddenError);
  EXPECT_THROW(throw_error("TARGET_FORBIDDEN", "m"), ForbiddenError);
  EXPECT_THROW(throw_error("MESSAGE_TOO_LARGE", "m"), ValidationError);
  EXPECT_THROW(throw_error("RATE_LIMITED", "m"), RateLimitedError);
  try {
    throw_reply_error({{"ok", false},
                       {"error", {{"code", "RATE_LIMITED"}, {"message", "slow down"}, {"issues", Json::array()},
                                  {"retry_after_ms", 1500}}}},
                      429);
  } catch (const UnavailableError& e) {  // retry later, like the others of its family
    const auto* limited = dynamic_cast<const RateLimitedError*>(&e);
    ASSERT_NE(limited, nullptr);
    EXPECT_EQ(limited->retry_after_ms(), 1500);
    EXPECT_EQ(limited->http_status(), 429);
    EXPECT_STREQ(limited->what(), "slow down");
  }
}

}  // namespace
