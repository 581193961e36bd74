#include "br_sdk/schedule/dsl.hpp"

#include "br_sdk/schedule/errors.hpp"
#include "br_sdk/schedule/util.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <regex>

namespace br_sdk::schedule {

DateTime::DateTime(TimePoint instant) : text_(to_rfc3339(instant)) {}

Json Crontab::to_json() const {
  Json out = Json::object();
  const std::pair<const char*, const std::optional<CronField>*> fields[] = {
      {"minute", &minute},
      {"hour", &hour},
      {"day_of_month", &day_of_month},
      {"month_of_year", &month_of_year},
      {"day_of_week", &day_of_week}};
  for (const auto& [name, field] : fields) {
    if (field->has_value()) out[name] = (*field)->to_json();
  }
  return out;
}

std::string Duration::iso() const {
  auto unit = [](long long value, char letter) { return value ? std::to_string(value) + letter : std::string(); };
  const std::string date = unit(years, 'Y') + unit(months, 'M') + unit(weeks, 'W') + unit(days, 'D');
  const std::string time = unit(hours, 'H') + unit(minutes, 'M') + unit(seconds, 'S');
  return "P" + date + (time.empty() ? "" : "T" + time);
}

namespace {

/// `HH:MM` or `HH:MM:SS` as cron fields {second, minute, hour}; ValidationError otherwise.
std::array<std::string, 3> time_fields(const std::string& time) {
  static const std::regex pattern(R"(^(\d{1,2}):(\d{2})(?::(\d{2}))?$)");
  std::smatch m;
  if (std::regex_match(time, m, pattern)) {
    const int hour = std::stoi(m[1]), minute = std::stoi(m[2]), second = m[3].matched ? std::stoi(m[3]) : 0;
    if (hour <= 23 && minute <= 59 && second <= 59) {
      return {std::to_string(second), std::to_string(minute), std::to_string(hour)};
    }
  }
  throw_error("INVALID_ARGUMENT", "invalid time of day",
              {{"time", "expected HH:MM or HH:MM:SS between 00:00 and 23:59:59, got '" + time + "'"}});
}

Rule cron_at(const std::string& time, const std::string& day_of_month, const std::string& day_of_week) {
  const auto [second, minute, hour] = time_fields(time);
  const std::string fields = minute + " " + hour + " " + day_of_month + " * " + day_of_week;
  return cron(second == "0" ? fields : second + " " + fields);
}

template <class T>
std::string join(const std::vector<T>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ',';
    if constexpr (std::is_same_v<T, std::string>) out += item;
    else out += std::to_string(item);
  }
  return out;
}

}  // namespace

Rule cron(const std::string& expression) { return Rule(Json{{"cron", expression}}); }

Rule crontab(const Crontab& fields) { return Rule(Json{{"crontab", fields.to_json()}}); }

Rule every(const std::string& duration, const std::optional<DateTime>& from) {
  Json rule = {{"every", duration}};
  if (from) rule["from"] = from->text();
  return Rule(std::move(rule));
}

Rule every(const Duration& duration, const std::optional<DateTime>& from) { return every(duration.iso(), from); }

Rule at(const DateTime& instant) { return Rule(Json{{"at", instant.text()}}); }

Rule daily(const std::string& time) { return cron_at(time, "*", "*"); }

Rule weekly(const std::string& day, const std::string& time) { return weekly(std::vector<std::string>{day}, time); }

Rule weekly(const std::vector<std::string>& days, const std::string& time) {
  static const std::vector<std::string> weekdays = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};
  std::vector<std::string> names;
  for (const auto& day : days) {
    std::string upper = day;
    std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
    if (std::find(weekdays.begin(), weekdays.end(), upper) == weekdays.end()) {
      throw_error("INVALID_ARGUMENT", "invalid weekday",
                  {{"days", "expected one of SUN, MON, TUE, WED, THU, FRI, SAT, got '" + day + "'"}});
    }
    names.push_back(upper);
  }
  return cron_at(time, "*", join(names));
}

Rule monthly(int day, const std::string& time) { return monthly(std::vector<int>{day}, time); }

Rule monthly(const std::vector<int>& days, const std::string& time) { return cron_at(time, join(days), "*"); }

Rule between(const DateTime& first, const DateTime& second) {
  return Rule(Json{{"between", {first.text(), second.text()}}});
}

ScheduleBuilder::ScheduleBuilder(const std::vector<Rule>& rules) : spec_({{"rules", Json::array()}}) {
  for (const auto& rule : rules) spec_["rules"].push_back(rule.to_json());
}

ScheduleBuilder ScheduleBuilder::with(const char* key, Json value) const {
  ScheduleBuilder next = *this;
  next.spec_[key] = std::move(value);
  return next;
}

ScheduleBuilder ScheduleBuilder::with_all(const char* key, const std::vector<Rule>& items) const {
  Json list = spec_.value(key, Json::array());
  for (const auto& item : items) list.push_back(item.to_json());
  return with(key, std::move(list));
}

ScheduleBuilder ScheduleBuilder::in(const std::string& timezone) const { return with("timezone", timezone); }

ScheduleBuilder ScheduleBuilder::starting_at(const DateTime& start) const { return with("start", start.text()); }

ScheduleBuilder ScheduleBuilder::ending_before(const DateTime& end) const { return with("end", end.text()); }

ScheduleBuilder ScheduleBuilder::limit(long long count) const { return with("limit", count); }

}  // namespace br_sdk::schedule
