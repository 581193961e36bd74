"""The schedule helpers build the wire form exactly, and refuse what cannot be a schedule."""

from __future__ import annotations

import datetime as dt

import pytest

from br_sdk.schedule import (
    InvalidArgumentError,
    ScheduleBuilder,
    at,
    between,
    cron,
    crontab,
    daily,
    every,
    monthly,
    schedule_input,
    union,
    weekly,
)

UTC = dt.timezone.utc


def test_the_four_calendars_read_naturally() -> None:
    schedule = union(
        every("P10DT3H"),
        weekly("THU", "17:00"),
        weekly("SAT", "04:00"),
        monthly(3, "15:00"),
    ).in_("Asia/Tehran")
    # The README's JSON.
    assert schedule.to_json() == {
        "timezone": "Asia/Tehran",
        "rules": [{"every": "P10DT3H"}, {"cron": "0 17 * * THU"}, {"cron": "0 4 * * SAT"}, {"cron": "0 15 3 * *"}],
    }


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (every("P10DT3H"), "P10DT3H"),
        (every(dt.timedelta(days=10, hours=3)), "P10DT3H"),
        (every(days=10, hours=3), "P10DT3H"),
        (every(dt.timedelta(seconds=90)), "PT1M30S"),
        (every(months=1), "P1M"),
        (every(weeks=2), "P2W"),
        (every("PT24H"), "PT24H"),
    ],
)
def test_every_takes_a_string_a_timedelta_or_units(rule: dict[str, str], expected: str) -> None:
    assert rule == {"every": expected}


def test_date_times_become_rfc_3339() -> None:
    tehran = dt.timezone(dt.timedelta(hours=3, minutes=30))
    assert at(dt.datetime(2027, 1, 1, 9, tzinfo=tehran)) == {"at": "2027-01-01T05:30:00Z"}
    assert at(dt.datetime(2027, 1, 1, 9, 0, 0, 123456, tzinfo=UTC)) == {"at": "2027-01-01T09:00:00.123Z"}
    assert at(dt.datetime(2027, 1, 1, 9)) == {"at": "2027-01-01T09:00:00"}  # wall time in the schedule's zone
    assert at("2026-11-26T17:00") == {"at": "2026-11-26T17:00"}
    assert every("P1D", from_=dt.datetime(2026, 3, 6, 9)) == {"every": "P1D", "from": "2026-03-06T09:00:00"}
    assert between(dt.date(2026, 12, 24), dt.date(2026, 12, 26)) == {"between": ["2026-12-24", "2026-12-26"]}


def test_times_of_day() -> None:
    assert daily("9:05") == {"cron": "5 9 * * *"}
    assert daily("09:05:07") == {"cron": "7 5 9 * * *"}
    assert daily(dt.time(23, 59)) == {"cron": "59 23 * * *"}
    assert weekly(["sat", "SUN"], "04:00") == {"cron": "0 4 * * SAT,SUN"}
    assert monthly([1, 15], "12:30") == {"cron": "30 12 1,15 * *"}
    assert cron("*/2 * * * * *") == {"cron": "*/2 * * * * *"}


@pytest.mark.parametrize(
    ("build", "path"),
    [
        (lambda: daily("24:00"), "time"),
        (lambda: daily("9am"), "time"),
        (lambda: weekly("THURSDAY", "17:00"), "days"),
        (lambda: monthly("3", "15:00"), "days"),  # type: ignore[arg-type]
        (lambda: crontab(minutes=0), "crontab.minutes"),
        (lambda: every(dt.timedelta(milliseconds=1500)), "every"),
        (lambda: at(dt.date(2026, 1, 1)), "at"),  # type: ignore[arg-type]
    ],
)
def test_helpers_refuse_bad_input_naming_the_argument(build, path: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidArgumentError) as caught:
        build()
    assert caught.value.paths == [path] and path in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_builders_are_immutable_and_chain() -> None:
    base = union(daily("09:00"))
    bounded = (
        base.or_(at("2026-12-25T12:00:00"))
        .except_(crontab(day_of_week="SAT,SUN"), between("2026-12-24", "2026-12-26"))
        .starting_at(dt.datetime(2026, 12, 1, tzinfo=UTC))
        .ending_before("2027-01-01T00:00:00Z")
        .limit(10)
        .in_("Europe/London")
    )
    assert base.to_json() == {"rules": [{"cron": "0 9 * * *"}]}
    assert bounded.to_json() == {
        "timezone": "Europe/London",
        "rules": [{"cron": "0 9 * * *"}, {"at": "2026-12-25T12:00:00"}],
        "except": [{"crontab": {"day_of_week": "SAT,SUN"}}, {"between": ["2026-12-24", "2026-12-26"]}],
        "start": "2026-12-01T00:00:00Z",
        "end": "2027-01-01T00:00:00Z",
        "limit": 10,
    }
    assert bounded == ScheduleBuilder(bounded.to_json())
    json = bounded.to_json()
    json["rules"].clear()
    assert len(bounded.to_json()["rules"]) == 2  # to_json gives a fresh copy


def test_schedule_input_accepts_every_form() -> None:
    assert schedule_input(union(daily("09:00"))) == {"rules": [{"cron": "0 9 * * *"}]}
    assert schedule_input(daily("09:00")) == {"rules": [{"cron": "0 9 * * *"}]}
    assert schedule_input([daily("09:00"), at("2027-01-01T00:00:00Z")]) == {
        "rules": [{"cron": "0 9 * * *"}, {"at": "2027-01-01T00:00:00Z"}]
    }
    contract = [{"minute": "0", "hour": "17", "day_of_week": "THU"}]
    assert schedule_input(contract) == contract
    assert schedule_input(contract[0]) == contract[0]
    full = {"timezone": "UTC", "rules": [{"cron": "0 9 * * *"}]}
    assert schedule_input(full) == full
