"""Errors: every refusal of the scheduler (AMQP/WebSocket error reply, REST problem+json) as an exception.

Branch on the class (a family of codes) or on ``.code``; ``.issues`` lists ``(path, message)`` for
each bad field, with paths as the request wrote them (``schedule[0].minute``, ``uri``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, NamedTuple


class Issue(NamedTuple):
    """One bad field: its path in the request (``schedule[0].minute``; ``""`` is the message itself) and why."""

    path: str
    message: str


def _issue(value: Issue | tuple[str, str] | Mapping[str, Any]) -> Issue:
    if isinstance(value, Mapping):
        return Issue(str(value.get("path", "")), str(value.get("message", "")))
    path, message = value
    return Issue(str(path), str(message))


class ScheduleError(Exception):
    """A request the scheduler (or this client, before sending) refused or could not carry out."""

    default_code: ClassVar[str] = "INTERNAL"

    def __init__(
        self,
        message: str,
        issues: Iterable[Issue | tuple[str, str] | Mapping[str, Any]] = (),
        *,
        code: str | None = None,
        status: int | None = None,
        op: str | None = None,
        request_id: str | None = None,
    ) -> None:
        self.code: str = code or self.default_code
        self.message: str = message
        self.issues: list[Issue] = [_issue(issue) for issue in issues]
        self.status: int | None = status
        """The HTTP status of a REST problem; None for AMQP replies and errors found locally."""
        self.op = op
        self.request_id = request_id
        super().__init__(str(self))

    @property
    def paths(self) -> list[str]:
        """The path of each issue."""
        return [issue.path for issue in self.issues]

    def __str__(self) -> str:
        missing = [issue for issue in self.issues if f"{issue.path}: " not in self.message]
        listed = "; ".join(f"{issue.path or '(message)'}: {issue.message}" for issue in missing)
        return f"{self.code}: {self.message}" + (f" [{listed}]" if listed else "")

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.message, self.issues, self.code, self.status, self.op, self.request_id))


def _rebuild(cls: type[ScheduleError], message: str, issues: list[Issue], code: str, *rest: Any) -> ScheduleError:
    status, op, request_id = rest
    return cls(message, issues, code=code, status=status, op=op, request_id=request_id)


class InvalidRequestError(ScheduleError, ValueError):
    """The request must be fixed before it is sent again (400-class codes)."""

    default_code = "INVALID_ARGUMENT"


class InvalidArgumentError(InvalidRequestError):
    """A field is missing, unknown or wrong (``INVALID_ARGUMENT``)."""


class InvalidScheduleError(InvalidRequestError):
    """The schedule does not compile, has no fire left (``SCHEDULE_INVALID``), or cannot be searched (``SCHEDULE_SEARCH_LIMIT``)."""

    default_code = "SCHEDULE_INVALID"


class MalformedMessageError(InvalidRequestError):
    """The message is not a JSON object, or cannot be encoded or routed (``MALFORMED_MESSAGE``, ``UNKNOWN_OPERATION``, …)."""

    default_code = "MALFORMED_MESSAGE"


class TaskNotFoundError(ScheduleError, LookupError):
    """No such task, or not the named requester's (``TASK_NOT_FOUND``)."""

    default_code = "TASK_NOT_FOUND"


class TaskConflictError(ScheduleError):
    """The task id names a different task (``TASK_CONFLICT``), or the task is over (``TASK_NOT_ACTIVE``)."""

    default_code = "TASK_CONFLICT"


class UnavailableError(ScheduleError):
    """The scheduler is not running, not ready, or its store failed: retry later."""

    default_code = "SCHEDULER_NOT_RUNNING"


class TransportError(ScheduleError, ConnectionError):
    """The broker or the HTTP server could not be reached, or a message could not be delivered (``TRANSPORT``)."""

    default_code = "TRANSPORT"


class RequestTimeoutError(TransportError, TimeoutError):
    """No reply within the timeout (``TIMEOUT``). A create sent again with the same message id is safe."""

    default_code = "TIMEOUT"


class ConfigurationError(ScheduleError):
    """The client is not configured for what was asked (``CLIENT_CONFIG``)."""

    default_code = "CLIENT_CONFIG"


class AuthenticationError(ScheduleError, PermissionError):
    """The scheduler could not tie the request to a trusted requester (``UNAUTHENTICATED``: not signed,
    or no key is configured for the requester). Its subclasses name the other reasons."""

    default_code = "UNAUTHENTICATED"


class SignatureInvalidError(AuthenticationError):
    """A signature does not verify (``SIGNATURE_INVALID``): the scheduler's answer to a request signed
    with the wrong key, or this client's verdict on a result whose ``scheduler_signature`` is not the
    scheduler's (then ``unverified`` holds the refused message, for logs only: never act on it)."""

    default_code = "SIGNATURE_INVALID"
    unverified: Mapping[str, Any] | None = None


class RequestExpiredError(AuthenticationError):
    """The request's ``timestamp`` is outside the scheduler's window (``REQUEST_EXPIRED``): check the clock."""

    default_code = "REQUEST_EXPIRED"


class RequestReplayedError(AuthenticationError):
    """The request's ``nonce`` was used before (``REQUEST_REPLAYED``): the same signed request sent twice."""

    default_code = "REQUEST_REPLAYED"


class ForbiddenError(ScheduleError, PermissionError):
    """The signer may not do this (``FORBIDDEN``), e.g. create a task for another requester."""

    default_code = "FORBIDDEN"


class TargetForbiddenError(ForbiddenError):
    """The task's target is not one the scheduler may call (``TARGET_FORBIDDEN``: its guard against
    requests to internal hosts: cloud metadata addresses always, others outside its allow-list)."""

    default_code = "TARGET_FORBIDDEN"


class RateLimitedError(UnavailableError):
    """Too many requests from this requester or address (``RATE_LIMITED``): retry after ``retry_after_ms``."""

    default_code = "RATE_LIMITED"

    def __init__(self, *args: Any, retry_after_ms: int | None = None, **kwargs: Any) -> None:
        self.retry_after_ms: int | None = retry_after_ms
        """How long until the scheduler would take the request (None: not said)."""
        super().__init__(*args, **kwargs)

    def __reduce__(self) -> tuple[Any, ...]:
        _, (cls, *args) = super().__reduce__()
        return (_rebuild_rate_limited, (self.retry_after_ms, cls, *args))


def _rebuild_rate_limited(retry_after_ms: int | None, *args: Any) -> ScheduleError:
    error = _rebuild(*args)
    if isinstance(error, RateLimitedError):
        error.retry_after_ms = retry_after_ms
    return error


_CLASSES: dict[str, type[ScheduleError]] = {
    "INVALID_ARGUMENT": InvalidArgumentError,
    "SCHEDULE_INVALID": InvalidScheduleError,
    "SCHEDULE_SEARCH_LIMIT": InvalidScheduleError,
    "MALFORMED_MESSAGE": MalformedMessageError,
    "UNKNOWN_OPERATION": MalformedMessageError,
    "PAYLOAD_TOO_LARGE": MalformedMessageError,
    "UNSUPPORTED_MEDIA_TYPE": MalformedMessageError,
    "ROUTE_NOT_FOUND": MalformedMessageError,
    "METHOD_NOT_ALLOWED": MalformedMessageError,
    "UPGRADE_REQUIRED": MalformedMessageError,
    "TASK_NOT_FOUND": TaskNotFoundError,
    "TASK_CONFLICT": TaskConflictError,
    "TASK_NOT_ACTIVE": TaskConflictError,
    "SCHEDULER_NOT_RUNNING": UnavailableError,
    "STORE_FAILURE": UnavailableError,
    "STORE_LOCKED": UnavailableError,
    "STORE_SCHEMA_UNSUPPORTED": UnavailableError,
    "NOT_READY": UnavailableError,
    "TRANSPORT": TransportError,
    "TIMEOUT": RequestTimeoutError,
    "CLIENT_CONFIG": ConfigurationError,
    "UNAUTHENTICATED": AuthenticationError,
    "SIGNATURE_INVALID": SignatureInvalidError,
    "REQUEST_EXPIRED": RequestExpiredError,
    "REQUEST_REPLAYED": RequestReplayedError,
    "FORBIDDEN": ForbiddenError,
    "TARGET_FORBIDDEN": TargetForbiddenError,
    "RATE_LIMITED": RateLimitedError,
    "MESSAGE_TOO_LARGE": MalformedMessageError,
}


def error_for(code: str, message: str, issues: Iterable[Any] = (), **context: Any) -> ScheduleError:
    """The exception for ``code`` (unknown codes give a plain :class:`ScheduleError`)."""
    return _CLASSES.get(code, ScheduleError)(message, issues, code=code, **context)


def error_from_reply(reply: Mapping[str, Any]) -> ScheduleError:
    """The exception an error reply (``{"ok": false, "error": {code, message, issues}}``) stands for."""
    body = reply.get("error")
    body = body if isinstance(body, Mapping) else {}
    error = error_for(
        str(body.get("code", "INTERNAL")),
        str(body.get("message", "the scheduler refused the request")),
        body.get("issues") or (),
        op=reply.get("op"),
        request_id=reply.get("request_id"),
    )
    return _with_retry_after(error, body.get("retry_after_ms"))


def error_from_problem(
    problem: Mapping[str, Any], status: int | None = None, *, retry_after: str | None = None
) -> ScheduleError:
    """The exception a REST problem document (RFC 9457 with ``code`` and ``issues``) stands for.

    ``retry_after`` is the response's ``Retry-After`` header (seconds), used when the document has
    no ``retry_after_ms``."""
    error = error_for(
        str(problem.get("code", "INTERNAL")),
        str(problem.get("detail") or problem.get("title") or f"HTTP {status}"),
        problem.get("issues") or (),
        status=status if status is not None else problem.get("status"),
    )
    wait = problem.get("retry_after_ms")
    if wait is None and retry_after is not None and retry_after.strip().isdigit():
        wait = int(retry_after.strip()) * 1000
    return _with_retry_after(error, wait)


def _with_retry_after(error: ScheduleError, wait: Any) -> ScheduleError:
    if isinstance(error, RateLimitedError) and isinstance(wait, (int, float)) and not isinstance(wait, bool):
        error.retry_after_ms = int(wait)
    return error
