// The schedule DSL: spec/vectors/schedules.json built with the C++ helpers (and previewed by the
// real sidecar), then each helper's own rules.
#include "support/helpers.hpp"
#include "support/sidecar.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <regex>

using namespace br_sdk::schedule;
using test_support::Sidecar;

namespace {

// The four calendars of docs/schedules.md, as the vectors build them.
const Rule every_10d3h = every("P10DT3H", "2026-11-01T00:00:00");
const Rule thursdays = weekly("THU", "17:00");
const Rule saturdays = weekly("SAT", "04:00");
const Rule third_of_month = monthly(3, "15:00");

const std::map<std::string, std::function<ScheduleBuilder()>> builds = {
    {"every 10 days and 3 hours", [] { return union_(every_10d3h).in("Asia/Tehran"); }},
    {"Thursdays 17:00", [] { return union_(thursdays).in("Asia/Tehran"); }},
    {"Saturdays 04:00", [] { return union_(saturdays).in("Asia/Tehran"); }},
    {"the 3rd of each month at 15:00", [] { return union_(third_of_month).in("Asia/Tehran"); }},
    {"the union of the four, without the new-year week, until 2028",
     [] {
       return union_(every_10d3h, thursdays, saturdays, third_of_month)
           .except(between("2026-12-28T00:00:00", "2027-01-04T00:00:00"))
           .ending_before("2028-01-01T00:00:00Z")
           .in("Asia/Tehran");
     }},
    {"a crontab in the contract's object form", [] { return union_(crontab({"0", "15", "3"})); }},
    {"a one-shot a year ahead", [] { return union_(at("2027-11-22T09:00:00Z")); }},
};

class ScheduleVector : public ::testing::TestWithParam<int> {};

TEST_P(ScheduleVector, BuildsTheWireFormAndTheSidecarAgreesOnItsFires) {
  const Json vectors = test_support::load_vectors("schedules.json");
  const Json& vector = vectors["cases"][GetParam()];
  const auto build = builds.find(vector["name"].get<std::string>());
  ASSERT_NE(build, builds.end()) << "no C++ build for " << vector["name"];
  const Json built = build->second();
  EXPECT_EQ(built, vector["schedule"]) << built.dump();

  Client client = Client::http(Sidecar::shared().http());
  const auto fires = client.preview(built, vectors["from"].get<std::string>(), vector["fires"].size());
  EXPECT_EQ(Json(fires), vector["fires"]);
}

INSTANTIATE_TEST_SUITE_P(Vectors, ScheduleVector, ::testing::ValuesIn(test_support::case_indices("schedules.json")),
                         [](const auto& info) { return test_support::case_name("schedules.json", info.param); });

TEST(Dsl, DailyWeeklyMonthlyMakeCronRules) {
  EXPECT_EQ(daily("09:30").to_json(), Json({{"cron", "30 9 * * *"}}));
  EXPECT_EQ(daily("9:30:15").to_json(), Json({{"cron", "15 30 9 * * *"}}));
  EXPECT_EQ(weekly(std::vector<std::string>{"mon", "Thu"}, "08:00").to_json(), Json({{"cron", "0 8 * * MON,THU"}}));
  EXPECT_EQ(monthly(std::vector<int>{1, 15}, "00:00").to_json(), Json({{"cron", "0 0 1,15 * *"}}));
  EXPECT_EQ(cron("0 17 * * THU").to_json(), Json({{"cron", "0 17 * * THU"}}));
}

TEST(Dsl, BadTimesAndWeekdaysThrowNamingTheArgument) {
  try {
    weekly("THURSDAY", "17:00");
    FAIL() << "accepted THURSDAY";
  } catch (const ValidationError& e) {
    EXPECT_EQ(e.code(), "INVALID_ARGUMENT");
    ASSERT_EQ(e.issues().size(), 1u);
    EXPECT_EQ(e.issues()[0].path, "days");
  }
  for (const char* time : {"24:00", "12:60", "noon", "12:00:60"}) {
    try {
      daily(time);
      FAIL() << "accepted " << time;
    } catch (const ValidationError& e) {
      EXPECT_EQ(e.issues().at(0).path, "time");
    }
  }
}

TEST(Dsl, EveryTakesDurationsAndInstants) {
  Duration duration;
  duration.days = 10;
  duration.hours = 3;
  EXPECT_EQ(duration.iso(), "P10DT3H");
  Duration months;
  months.months = 1;
  EXPECT_EQ(months.iso(), "P1M");
  const auto instant = std::chrono::system_clock::time_point(std::chrono::milliseconds(1795305600123));
  EXPECT_EQ(every(duration, instant).to_json(), Json({{"every", "P10DT3H"}, {"from", "2026-11-22T00:00:00.123Z"}}));
  EXPECT_EQ(every("PT90S").to_json(), Json({{"every", "PT90S"}}));
  EXPECT_EQ(at(instant).to_json(), Json({{"at", "2026-11-22T00:00:00.123Z"}}));
}

TEST(Dsl, BuildersAreImmutableAndAccumulate) {
  const ScheduleBuilder base = union_(daily("09:00"));
  const ScheduleBuilder more = base.or_(weekly("SAT", "04:00"))
                                   .except(between("2026-12-24", "2026-12-26"))
                                   .except(crontab({std::nullopt, std::nullopt, std::nullopt, std::nullopt, "SUN"}))
                                   .starting_at("2026-12-01T00:00:00Z")
                                   .limit(3)
                                   .in("Europe/London");
  EXPECT_EQ(base.to_json(), Json({{"rules", {{{"cron", "0 9 * * *"}}}}}));
  EXPECT_EQ(more.to_json(), Json::parse(R"({
    "timezone": "Europe/London", "start": "2026-12-01T00:00:00Z", "limit": 3,
    "rules": [{"cron": "0 9 * * *"}, {"cron": "0 4 * * SAT"}],
    "except": [{"between": ["2026-12-24", "2026-12-26"]}, {"crontab": {"day_of_week": "SUN"}}]})"));
}

TEST(Dsl, CrontabsTakeStringsOrNumbersAndConvertToJson) {
  Crontab fields{0, 17};
  fields.day_of_week = "THU";
  const Json bare = fields;  // the contract's crontab form, a whole schedule in UTC
  EXPECT_EQ(bare, Json({{"minute", 0}, {"hour", 17}, {"day_of_week", "THU"}}));
  const Json schedule = union_(crontab(fields));
  EXPECT_EQ(schedule["rules"][0]["crontab"], bare);
}

TEST(Util, UuidsAndInstantsHaveTheWireForms) {
  const std::regex uuid("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  EXPECT_TRUE(std::regex_match(new_uuid(), uuid));
  EXPECT_NE(new_uuid(), new_uuid());
  EXPECT_EQ(to_rfc3339(std::chrono::system_clock::time_point{}), "1970-01-01T00:00:00.000Z");
}

TEST(Messages, TaskRequestSendsOnlyWhatIsSet) {
  TaskRequest request;
  request.requester_id = "0f8c2a4e-3b1d-4c5e-9a7b-1c2d3e4f5a6b";
  request.uri = "http://127.0.0.1:9/x";
  request.schedule = Json::array({Crontab{"0", "17", std::nullopt, std::nullopt, "THU"}});
  EXPECT_EQ(request.to_json(), Json::parse(R"({"requester_id": "0f8c2a4e-3b1d-4c5e-9a7b-1c2d3e4f5a6b",
    "uri": "http://127.0.0.1:9/x", "schedule": [{"minute": "0", "hour": "17", "day_of_week": "THU"}]})"));
  request.method = "POST";
  request.parameters = R"({"team":"ops"})";
  request.task_id = "weekly-report";
  request.requester_signature = "unsigned";
  request.policies = {{"overlap", "skip"}};
  request.headers["X-Team"] = "ops";
  request.timeout_ms = 5000;
  const Json message = request.to_json();
  EXPECT_EQ(message["parameters"], R"({"team":"ops"})");
  EXPECT_EQ(message["task_id"], "weekly-report");
  EXPECT_EQ(message["requester_signature"], "unsigned");
  EXPECT_EQ(message["policies"], Json({{"overlap", "skip"}}));
  EXPECT_EQ(message["headers"], Json({{"X-Team", "ops"}}));
  EXPECT_EQ(message["timeout_ms"], 5000);
}

}  // namespace
