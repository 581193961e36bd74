// spec/vectors: results.json parsed into Result, replies.json turned into Error, and every
// requests.json message sent to the real sidecar over HTTP and over AMQP, signed by the vectors'
// requester (its test key of signing.json is one the sidecar trusts).
#include "support/helpers.hpp"
#include "support/sidecar.hpp"

#include <gtest/gtest.h>

#include <typeinfo>

using namespace br_sdk::schedule;
using test_support::Sidecar;

namespace {

std::string name_of(const char* file, int index) { return test_support::case_name(file, index); }

class ResultVector : public ::testing::TestWithParam<int> {};

TEST_P(ResultVector, ParsesEveryField) {
  const Json message = test_support::load_vectors("results.json")["cases"][GetParam()]["message"];
  const Result result = Result::from_json(message);
  EXPECT_EQ(result.to_json(), message);  // nothing lost, nothing added
  EXPECT_EQ(result.run_id, message["run_id"]);
  EXPECT_EQ(result.ok(), message["status"] == "success");
  EXPECT_EQ(result.http_status.has_value(), !message["http_status"].is_null());
  EXPECT_EQ(result.content.has_value(), message["content"].is_string());
  EXPECT_EQ(result.parameters, message["parameters"]);
  EXPECT_TRUE(result.extra.empty());
}

INSTANTIATE_TEST_SUITE_P(Vectors, ResultVector, ::testing::ValuesIn(test_support::case_indices("results.json")),
                         [](const auto& info) { return name_of("results.json", info.param); });

TEST(Result, KeepsFieldsItDoesNotKnow) {
  Json message = test_support::load_vectors("results.json")["cases"][0]["message"];
  message["region"] = "eu";
  EXPECT_EQ(Result::from_json(message).extra, Json({{"region", "eu"}}));
  EXPECT_EQ(Result::from_json(message).to_json(), message);
  message.erase("run_id");
  EXPECT_THROW(Result::from_json(message), TransportError);  // BAD_RESPONSE
}

class ReplyVector : public ::testing::TestWithParam<int> {};

TEST_P(ReplyVector, BecomesTheErrorOfItsFamily) {
  const Json message = test_support::load_vectors("replies.json")["cases"][GetParam()]["message"];
  const Json& body = message["error"];
  try {
    throw_reply_error(message);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), body["code"]);
    EXPECT_EQ(std::string(e.what()), body["message"]);
    ASSERT_EQ(e.issues().size(), body["issues"].size());
    for (size_t i = 0; i < e.issues().size(); ++i) {
      EXPECT_EQ(e.issues()[i].path, body["issues"][i]["path"]);
      EXPECT_EQ(e.issues()[i].message, body["issues"][i]["message"]);
    }
    const std::string code = e.code();
    if (code == "TASK_NOT_FOUND") EXPECT_NE(dynamic_cast<const NotFoundError*>(&e), nullptr);
    else EXPECT_NE(dynamic_cast<const ValidationError*>(&e), nullptr) << typeid(e).name();
    return;
  }
  FAIL() << "no exception";
}

INSTANTIATE_TEST_SUITE_P(Vectors, ReplyVector, ::testing::ValuesIn(test_support::case_indices("replies.json")),
                         [](const auto& info) { return name_of("replies.json", info.param); });

TEST(Errors, CodesMapToFamilies) {
  auto family = [](const char* code) -> std::string {
    try {
      throw_error(code, "m");
    } catch (const TimeoutError&) {
      return "timeout";
    } catch (const TransportError&) {
      return "transport";
    } catch (const ValidationError&) {
      return "validation";
    } catch (const NotFoundError&) {
      return "not found";
    } catch (const ConflictError&) {
      return "conflict";
    } catch (const UnavailableError&) {
      return "unavailable";
    } catch (const Error&) {
      return "error";
    }
  };
  EXPECT_EQ(family("SCHEDULE_SEARCH_LIMIT"), "validation");
  EXPECT_EQ(family("TASK_CONFLICT"), "conflict");
  EXPECT_EQ(family("TASK_NOT_ACTIVE"), "conflict");
  EXPECT_EQ(family("STORE_LOCKED"), "unavailable");
  EXPECT_EQ(family("TIMEOUT"), "timeout");
  EXPECT_EQ(family("UNROUTABLE"), "transport");
  EXPECT_EQ(family("INTERNAL"), "error");
  EXPECT_EQ(family("SOMETHING_NEW"), "error");
}

/// Sends a requests.json case and checks the answer against its `expect`.
void check_request_vector(Transport& transport, int index) {
  const Json vector = test_support::load_vectors("requests.json")["cases"][index];
  const Json& expect = vector["expect"];
  try {
    const Json reply = transport.request(vector["message"]);
    ASSERT_TRUE(expect["ok"].get<bool>()) << "accepted: " << reply.dump();
    EXPECT_EQ(reply["op"], expect["op"]);
    if (expect.contains("fires")) EXPECT_EQ(reply["fires"], expect["fires"]);
  } catch (const Error& e) {
    ASSERT_FALSE(expect["ok"].get<bool>()) << e.code() << ": " << e.what();
    EXPECT_EQ(e.code(), expect["code"]) << e.what();
    auto paths = expect["paths"].get<std::vector<std::string>>();
    std::sort(paths.begin(), paths.end());
    EXPECT_EQ(test_support::paths_of(e), paths) << e.what();
  }
}

class RequestVectorHttp : public ::testing::TestWithParam<int> {};

TEST_P(RequestVectorHttp, GetsTheAnswerTheVectorSays) {
  HttpTransport transport(Sidecar::shared().http(Sidecar::shared().keys().vectors_signer()));
  check_request_vector(transport, GetParam());
}

INSTANTIATE_TEST_SUITE_P(Vectors, RequestVectorHttp, ::testing::ValuesIn(test_support::case_indices("requests.json")),
                         [](const auto& info) { return name_of("requests.json", info.param); });

class RequestVectorAmqp : public ::testing::TestWithParam<int> {};

TEST_P(RequestVectorAmqp, GetsTheAnswerTheVectorSays) {
  AmqpTransport transport(Sidecar::shared().amqp(Sidecar::shared().keys().vectors_signer()));
  check_request_vector(transport, GetParam());
}

INSTANTIATE_TEST_SUITE_P(Vectors, RequestVectorAmqp, ::testing::ValuesIn(test_support::case_indices("requests.json")),
                         [](const auto& info) { return name_of("requests.json", info.param); });

}  // namespace
