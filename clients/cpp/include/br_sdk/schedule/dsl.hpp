#pragma once
// The schedule DSL, mirroring packages/core/src/schedule/builder.ts: every helper returns the wire
// form (docs/schedules.md), so `union_(...).in(zone).to_json()` is exactly what the scheduler reads.
// Only daily/weekly/monthly check their input here (ValidationError, INVALID_ARGUMENT); everything
// else is checked by the scheduler, which names the bad field.

#include <nlohmann/json.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace br_sdk::schedule {

using Json = nlohmann::json;
using TimePoint = std::chrono::system_clock::time_point;

/// A date-time on the wire: a string passes through unchanged (without an offset it is read in the
/// schedule's zone); a time_point becomes RFC 3339 UTC with milliseconds (`2026-11-22T09:00:00.000Z`).
class DateTime {
 public:
  DateTime(std::string text) : text_(std::move(text)) {}  // NOLINT: implicit on purpose
  DateTime(const char* text) : text_(text) {}             // NOLINT
  DateTime(TimePoint instant);                            // NOLINT
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

/// One rule or exclusion in wire form (`{"cron": …}`, `{"every": …}`, `{"between": […]}`, …).
class Rule {
 public:
  explicit Rule(Json value) : value_(std::move(value)) {}
  const Json& to_json() const { return value_; }

 private:
  Json value_;
};

/// A cron field: a string (`"0"`, `"*/15"`, `"MON,THU"`) or a whole number.
class CronField {
 public:
  CronField(std::string value) : value_(std::move(value)) {}  // NOLINT
  CronField(const char* value) : value_(value) {}             // NOLINT
  CronField(int value) : value_(value) {}                     // NOLINT
  const Json& to_json() const { return value_; }

 private:
  Json value_;
};

/// The contract's crontab object (5-field cron, UTC unless inside a schedule object); unset means `*`.
/// `Crontab{"0", "15", "3"}` is minute 0, hour 15, day 3; or set the members by name.
struct Crontab {
  std::optional<CronField> minute, hour, day_of_month, month_of_year, day_of_week;
  /// The bare object, `{"minute": "0", …}`: a whole schedule in the contract's crontab form.
  Json to_json() const;
};

/// An ISO 8601 duration by units; `Duration d; d.days = 10; d.hours = 3;` is `P10DT3H`.
struct Duration {
  long long years = 0, months = 0, weeks = 0, days = 0, hours = 0, minutes = 0, seconds = 0;
  std::string iso() const;
};

/// `{"cron": expression}`: 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first).
Rule cron(const std::string& expression);
/// `{"crontab": {…}}`.
Rule crontab(const Crontab& fields);
/// `{"every": duration, "from"?: from}`; without `from` the series starts at the task's creation.
Rule every(const std::string& duration, const std::optional<DateTime>& from = std::nullopt);
Rule every(const Duration& duration, const std::optional<DateTime>& from = std::nullopt);
/// `{"at": instant}`: once.
Rule at(const DateTime& instant);
/// Every day at `time` (`HH:MM` or `HH:MM:SS`; a non-zero second gives a 6-field cron).
Rule daily(const std::string& time);
/// On the weekday(s) (`SUN`…`SAT`, any case) at `time`: `weekly("THU", "17:00")` is `0 17 * * THU`.
Rule weekly(const std::string& day, const std::string& time);
Rule weekly(const std::vector<std::string>& days, const std::string& time);
/// On the day(s) of each month at `time`: `monthly(3, "15:00")` is `0 15 3 * *`.
Rule monthly(int day, const std::string& time);
Rule monthly(const std::vector<int>& days, const std::string& time);
/// An exclusion: two dates (whole days, inclusive) or two date-times ([first, second)).
Rule between(const DateTime& first, const DateTime& second);

/// An immutable schedule under construction; each method returns a new builder.
class ScheduleBuilder {
 public:
  explicit ScheduleBuilder(const std::vector<Rule>& rules);

  /// Evaluates wall-clock rules in the IANA zone `timezone` (default UTC).
  ScheduleBuilder in(const std::string& timezone) const;
  /// Adds rules to the union (`or` is a C++ keyword).
  template <class... R>
  ScheduleBuilder or_(R&&... rules) const {
    return with_all("rules", {Rule(std::forward<R>(rules))...});
  }
  /// Drops fires matching any exclusion: `between(…)`, or a `cron`/`crontab` on the wall clock.
  template <class... E>
  ScheduleBuilder except(E&&... exclusions) const {
    return with_all("except", {Rule(std::forward<E>(exclusions))...});
  }
  /// Fires at or after `start` only.
  ScheduleBuilder starting_at(const DateTime& start) const;
  /// Fires strictly before `end` only.
  ScheduleBuilder ending_before(const DateTime& end) const;
  /// At most `count` fires in all, counted from the schedule's beginning.
  ScheduleBuilder limit(long long count) const;

  /// The wire form (a ScheduleSpec object).
  const Json& to_json() const { return spec_; }

 private:
  ScheduleBuilder with(const char* key, Json value) const;
  ScheduleBuilder with_all(const char* key, const std::vector<Rule>& items) const;
  Json spec_;
};

/// A schedule firing at the union of `rules` (TypeScript's `union`; `union` is a C++ keyword).
template <class... R>
ScheduleBuilder union_(R&&... rules) {
  return ScheduleBuilder({Rule(std::forward<R>(rules))...});
}

// nlohmann::json conversions, so a builder, rule or crontab can be assigned to a Json.
inline void to_json(Json& out, const Rule& rule) { out = rule.to_json(); }
inline void to_json(Json& out, const Crontab& fields) { out = fields.to_json(); }
inline void to_json(Json& out, const ScheduleBuilder& builder) { out = builder.to_json(); }

}  // namespace br_sdk::schedule
