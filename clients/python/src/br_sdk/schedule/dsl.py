"""The schedule DSL: helpers that build the wire form of a schedule (docs/schedules.md).

Every helper returns plain wire-form dicts, as the TypeScript builder does, so a schedule built here
and the same schedule written as JSON are the same value::

    union(every("P10DT3H", from_="2026-11-01T00:00:00"), weekly("THU", "17:00"),
          weekly("SAT", "04:00"), monthly(3, "15:00")).in_("Asia/Tehran").to_json()
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeAlias

from .errors import InvalidArgumentError, Issue

Rule: TypeAlias = dict[str, Any]
"""One rule of the wire form: ``{"cron": …}``, ``{"crontab": {…}}``, ``{"every": …}`` or ``{"at": …}``."""
Exclusion: TypeAlias = dict[str, Any]
"""One exclusion: ``{"cron": …}``, ``{"crontab": {…}}`` or ``{"between": [a, b]}``."""
WEEKDAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
CRONTAB_FIELDS = ("minute", "hour", "day_of_month", "month_of_year", "day_of_week")
RULE_KINDS = ("cron", "crontab", "every", "at")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


def date_time_text(value: dt.datetime | dt.date | str, *, allow_date: bool = False, path: str = "") -> str:
    """A date-time for the wire form.

    A string passes through unchanged; an aware datetime becomes RFC 3339 UTC (``…Z``); a naive
    datetime is a wall time read in the schedule's zone (no offset); a date (``between`` only) is
    ``YYYY-MM-DD``. Milliseconds appear only when non-zero.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None and value.utcoffset() is not None:
            value = value.astimezone(dt.timezone.utc)
            suffix = "Z"
        else:
            suffix = ""
        text = value.strftime("%Y-%m-%dT%H:%M:%S")
        if value.microsecond:
            text += f".{value.microsecond // 1000:03d}"
        return text + suffix
    if isinstance(value, dt.date) and allow_date:
        return value.isoformat()
    expected = "a datetime, a date or a string" if allow_date else "a datetime or an RFC 3339 string"
    raise InvalidArgumentError(
        "invalid date-time", [Issue(path, f"expected {expected}, got {type(value).__name__}")]
    )


def _time_fields(time: str | dt.time) -> tuple[str, str, str]:
    """``HH:MM`` or ``HH:MM:SS`` (or a ``datetime.time``) as cron fields (second, minute, hour)."""
    if isinstance(time, dt.time):
        return str(time.second), str(time.minute), str(time.hour)
    match = _TIME.match(time) if isinstance(time, str) else None
    if match:
        hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
        if hour <= 23 and minute <= 59 and second <= 59:
            return str(second), str(minute), str(hour)
    raise InvalidArgumentError(
        "invalid time of day",
        [Issue("time", f"expected HH:MM or HH:MM:SS between 00:00 and 23:59:59, got {time!r}")],
    )


def _cron_at(time: str | dt.time, day_of_month: str, day_of_week: str) -> Rule:
    second, minute, hour = _time_fields(time)
    fields = [minute, hour, day_of_month, "*", day_of_week]
    return {"cron": " ".join(fields if second == "0" else [second, *fields])}


def _listed(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def cron(expression: str) -> Rule:
    """A cron expression: 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first)."""
    return {"cron": expression}


def crontab(fields: Mapping[str, str | int] | None = None, /, **named: str | int) -> Rule:
    """The contract's crontab object as a rule; missing fields mean ``*``.

    ``crontab(minute=0, hour=15, day_of_month=3)`` gives
    ``{"crontab": {"minute": "0", "hour": "15", "day_of_month": "3"}}`` (numbers become strings).
    """
    merged = {**(fields or {}), **named}
    unknown = [name for name in merged if name not in CRONTAB_FIELDS]
    if unknown:
        raise InvalidArgumentError(
            "invalid crontab",
            [Issue(f"crontab.{name}", f"unknown field; expected {', '.join(CRONTAB_FIELDS)}") for name in unknown],
        )
    return {"crontab": {name: str(merged[name]) for name in CRONTAB_FIELDS if name in merged}}


def duration_text(
    duration: str | dt.timedelta | None = None,
    *,
    years: int = 0,
    months: int = 0,
    weeks: int = 0,
    days: int = 0,
    hours: int = 0,
    minutes: int = 0,
    seconds: int = 0,
) -> str:
    """An ISO 8601 duration: a string as is, a timedelta, or whole units (as ``{days: 10, hours: 3}``).

    A timedelta's days become calendar days (``D``) and the rest elapsed ``H``/``M``/``S``:
    ``timedelta(days=10, hours=3)`` is ``P10DT3H``. Write ``"PT24H"`` for exactly 24 elapsed hours.
    """
    if isinstance(duration, str):
        return duration
    if isinstance(duration, dt.timedelta):
        if duration.microseconds or duration < dt.timedelta(0):
            raise InvalidArgumentError(
                "invalid duration", [Issue("every", f"expected whole, positive seconds, got {duration!r}")]
            )
        days, rest = duration.days, duration.seconds
        hours, minutes, seconds = rest // 3600, rest // 60 % 60, rest % 60
    elif duration is not None:
        raise InvalidArgumentError(
            "invalid duration", [Issue("every", f"expected a string or a timedelta, got {type(duration).__name__}")]
        )

    def unit(value: int, letter: str) -> str:
        return f"{value}{letter}" if value else ""

    date = unit(years, "Y") + unit(months, "M") + unit(weeks, "W") + unit(days, "D")
    time = unit(hours, "H") + unit(minutes, "M") + unit(seconds, "S")
    return f"P{date}{'T' + time if time else ''}"


def every(
    duration: str | dt.timedelta | None = None,
    *,
    from_: dt.datetime | str | None = None,
    **units: int,
) -> Rule:
    """Every ``duration`` from ``from_`` (default: the task's creation time).

    ``every("P10DT3H")``, ``every(timedelta(days=10, hours=3))`` and ``every(days=10, hours=3)`` are
    the same rule. Days and larger units follow the wall clock; hours and smaller are elapsed time.
    """
    rule: Rule = {"every": duration_text(duration, **units)}
    if from_ is not None:
        rule["from"] = date_time_text(from_, path="from")
    return rule


def at(instant: dt.datetime | str) -> Rule:
    """Once, at ``instant`` (a naive datetime or a string without offset is read in the schedule's zone)."""
    return {"at": date_time_text(instant, path="at")}


def daily(time: str | dt.time) -> Rule:
    """Every day at ``time`` (``HH:MM`` or ``HH:MM:SS``)."""
    return _cron_at(time, "*", "*")


def weekly(days: str | Sequence[str], time: str | dt.time) -> Rule:
    """On the given weekday(s) at ``time``, e.g. ``weekly("THU", "17:00")`` or ``weekly(["SAT", "SUN"], "04:00")``."""
    names = []
    for day in _listed(days):
        upper = day.upper() if isinstance(day, str) else day
        if upper not in WEEKDAYS:
            raise InvalidArgumentError(
                "invalid weekday", [Issue("days", f"expected one of {', '.join(WEEKDAYS)}, got {day!r}")]
            )
        names.append(upper)
    return _cron_at(time, "*", ",".join(names))


def monthly(days: int | Sequence[int], time: str | dt.time) -> Rule:
    """On the given day(s) of each month at ``time``, e.g. ``monthly(3, "15:00")``. Months without the day skip it."""
    listed = _listed(days)
    if not listed or not all(isinstance(day, int) and not isinstance(day, bool) for day in listed):
        raise InvalidArgumentError("invalid day of month", [Issue("days", f"expected whole numbers, got {days!r}")])
    return _cron_at(time, ",".join(str(day) for day in listed), "*")


def between(first: dt.datetime | dt.date | str, second: dt.datetime | dt.date | str) -> Exclusion:
    """An exclusion: two dates (whole days, inclusive) or two date-times (``[first, second)``)."""
    return {
        "between": [
            date_time_text(first, allow_date=True, path="between[0]"),
            date_time_text(second, allow_date=True, path="between[1]"),
        ]
    }


class ScheduleBuilder:
    """An immutable schedule under construction; each method returns a new builder."""

    __slots__ = ("_spec",)

    def __init__(self, spec: Mapping[str, Any]) -> None:
        self._spec: dict[str, Any] = dict(spec)

    def _with(self, **changes: Any) -> ScheduleBuilder:
        return ScheduleBuilder({**self._spec, **changes})

    def in_(self, timezone: str) -> ScheduleBuilder:
        """Evaluates every wall-clock rule in the IANA zone ``timezone`` (default UTC)."""
        return self._with(timezone=timezone)

    def or_(self, *rules: Rule) -> ScheduleBuilder:
        """Adds more rules to the union."""
        return self._with(rules=[*self._spec["rules"], *rules])

    def except_(self, *exclusions: Exclusion) -> ScheduleBuilder:
        """Drops fires matching any exclusion (a cron/crontab on the wall clock, or :func:`between`)."""
        return self._with(**{"except": [*self._spec.get("except", []), *exclusions]})

    def starting_at(self, start: dt.datetime | str) -> ScheduleBuilder:
        """Fires at or after ``start`` only."""
        return self._with(start=date_time_text(start, path="start"))

    def ending_before(self, end: dt.datetime | str) -> ScheduleBuilder:
        """Fires strictly before ``end`` only."""
        return self._with(end=date_time_text(end, path="end"))

    def limit(self, count: int) -> ScheduleBuilder:
        """At most ``count`` fires in all, counted from the schedule's beginning; then the task completes."""
        return self._with(limit=count)

    def to_json(self) -> dict[str, Any]:
        """The wire form (a fresh dict): ``timezone``, ``rules``, ``except``, ``start``, ``end``, ``limit``."""
        order = ("timezone", "rules", "except", "start", "end", "limit")
        return {key: _copy(self._spec[key]) for key in order if key in self._spec}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ScheduleBuilder) and self.to_json() == other.to_json()

    def __hash__(self) -> int:
        return hash(repr(self))

    def __repr__(self) -> str:
        return f"ScheduleBuilder({self.to_json()!r})"


def union(*rules: Rule) -> ScheduleBuilder:
    """A schedule firing at the union of ``rules``."""
    return ScheduleBuilder({"rules": list(rules)})


def _copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_copy(item) for item in value]
    return value


def _is_rule(value: Any) -> bool:
    return isinstance(value, Mapping) and len(value) >= 1 and any(kind in value for kind in RULE_KINDS)


ScheduleLike: TypeAlias = "ScheduleBuilder | Mapping[str, Any] | Iterable[Mapping[str, Any]]"


def schedule_input(schedule: Any) -> Any:
    """What a request's ``schedule`` field carries, from anything the helpers accept.

    A builder gives its wire form; one rule or a list of rules becomes ``{"rules": [...]}``; the
    contract's forms (a crontab dict, a list of them, a full schedule object) pass through.
    """
    if isinstance(schedule, ScheduleBuilder):
        return schedule.to_json()
    if _is_rule(schedule) and "rules" not in schedule:
        return {"rules": [_copy(schedule)]}
    if isinstance(schedule, (list, tuple)) and schedule and all(_is_rule(item) for item in schedule):
        return {"rules": _copy(schedule)}
    return _copy(schedule)
