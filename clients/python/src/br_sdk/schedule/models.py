"""What the scheduler sends back, as dataclasses: results, tasks and pages of them.

Each one also reads like the JSON it came from (``result["status"]``, ``result.get("content")``),
and :meth:`to_dict` gives that JSON back, fields the client does not know included (``extra``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from typing import Any, Literal, TypeVar

Status = Literal["success", "failed"]
TaskStatus = Literal["active", "paused", "completed", "cancelled"]
_T = TypeVar("_T", bound="_Wire")


@dataclasses.dataclass(frozen=True, kw_only=True)
class _Wire:
    """A wire message as a dataclass that also reads as a mapping of its JSON fields."""

    extra: dict[str, Any] = dataclasses.field(default_factory=dict)
    """Fields of the message this client does not know (a newer server), kept as they came."""

    @classmethod
    def _nested(cls) -> dict[str, Any]:
        return {}

    @classmethod
    def from_dict(cls: type[_T], message: Mapping[str, Any]) -> _T:
        """Reads a message; a known field missing from it is None (or empty)."""
        names = {field.name: field for field in dataclasses.fields(cls) if field.name != "extra"}
        nested = cls._nested()
        values: dict[str, Any] = {}
        for name, field in names.items():
            value = message.get(name, _default(field))
            if name in nested and isinstance(value, Mapping):
                value = nested[name].from_dict(value)
            elif name in nested and isinstance(value, list):
                value = [nested[name].from_dict(item) if isinstance(item, Mapping) else item for item in value]
            values[name] = value
        extra = {key: value for key, value in message.items() if key not in names}
        return cls(**values, extra=extra)

    def to_dict(self) -> dict[str, Any]:
        """The message as JSON-ready dicts, with every field it came with."""
        out: dict[str, Any] = {}
        for field in dataclasses.fields(self):
            if field.name != "extra":
                out[field.name] = _plain(getattr(self, field.name))
        out.update(self.extra)
        return out

    def __getitem__(self, key: str) -> Any:
        if key != "extra" and key in self.__dataclass_fields__:
            return getattr(self, key)
        return self.extra[key]

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key, _MISSING) is not _MISSING

    def keys(self) -> Iterator[str]:
        return iter(self.to_dict())


_MISSING = object()


def _default(field: dataclasses.Field[Any]) -> Any:
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    return None if field.default is dataclasses.MISSING else field.default


def _plain(value: Any) -> Any:
    if isinstance(value, _Wire):
        return value.to_dict()
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


@dataclasses.dataclass(frozen=True, kw_only=True)
class RunResult(_Wire):
    """The outcome of one occurrence of a task, after its last attempt."""

    task_id: str
    requester_id: str
    run_id: str
    """Unique per occurrence; de-duplicate results by it (delivery is at least once)."""
    trigger: Literal["schedule", "manual"]
    scheduled_at: str
    fired_at: str
    finished_at: str
    attempts: int
    status: Status
    http_status: int | None
    content: str | None
    """The target's response body as text (cut at 64 KiB, see ``truncated``), or None."""
    truncated: bool
    error: str | None

    @property
    def ok(self) -> bool:
        """True when ``status`` is ``success``."""
        return self.status == "success"


@dataclasses.dataclass(frozen=True, kw_only=True)
class TaskResult(RunResult):
    """A run's result as its requester receives it (AMQP body, WebSocket ``result``): the run plus the call it made."""

    uri: str | None
    method: str | None
    parameters: dict[str, Any] | str | None
    scheduler_signature: str | None


@dataclasses.dataclass(frozen=True, kw_only=True)
class Task(_Wire):
    """A task: its state, what it calls, its next fires and how its last run went."""

    id: str
    requester_id: str
    status: TaskStatus
    schedule: dict[str, Any]
    target: dict[str, Any]
    policies: dict[str, Any]
    created_at: str
    updated_at: str
    next_fire_at: str | None
    next_fires: list[str] = dataclasses.field(default_factory=list)
    fire_count: int = 0
    last_run: RunResult | None = None
    in_flight: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    deliver_to: list[str] = dataclasses.field(default_factory=list)

    @classmethod
    def _nested(cls) -> dict[str, Any]:
        return {"last_run": RunResult}


@dataclasses.dataclass(frozen=True, kw_only=True)
class TaskPage(_Wire):
    """A page of tasks; pass ``next_cursor`` back as ``cursor`` until it is None."""

    tasks: list[Task] = dataclasses.field(default_factory=list)
    next_cursor: str | None = None

    @classmethod
    def _nested(cls) -> dict[str, Any]:
        return {"tasks": Task}


@dataclasses.dataclass(frozen=True, kw_only=True)
class RunPage(_Wire):
    """A page of a task's finished runs, newest first."""

    runs: list[RunResult] = dataclasses.field(default_factory=list)
    next_cursor: str | None = None

    @classmethod
    def _nested(cls) -> dict[str, Any]:
        return {"runs": RunResult}
