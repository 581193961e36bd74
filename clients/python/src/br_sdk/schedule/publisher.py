"""A publisher for many task requests over AMQP: confirmed publishes, task ids from the replies."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from .amqp_channel import ReplyChannel
from .dsl import ScheduleLike
from .errors import RequestTimeoutError, error_from_reply


class PendingTask:
    """A request the broker has confirmed; its reply (and task id) arrives later."""

    def __init__(self, channel: ReplyChannel, correlation_id: str, message_id: str, timeout: float) -> None:
        self._channel = channel
        self.correlation_id = correlation_id
        self.message_id = message_id
        """The request's AMQP ``message_id``: publishing it again with this id finds the same task."""
        self._timeout = timeout
        self._reply: dict[str, Any] | None = None

    def done(self) -> bool:
        """True once the reply has arrived (without waiting)."""
        if self._reply is None:
            self._channel.poll(0)
            if self._channel.has_reply(self.correlation_id):
                self._reply = self._channel.wait(self.correlation_id, 0.1)
        return self._reply is not None

    def reply(self, timeout: float | None = None) -> dict[str, Any]:
        """The scheduler's success reply; raises its :class:`ScheduleError` for an error reply."""
        if self._reply is None:
            self._reply = self._channel.wait(self.correlation_id, self._timeout if timeout is None else timeout)
        if not self._reply.get("ok"):
            raise error_from_reply(self._reply)
        return self._reply

    def task_id(self, timeout: float | None = None) -> str:
        """The id of the task the request created (waits for the reply, ``timeout`` s at most)."""
        return str(self.reply(timeout)["task"]["id"])

    def __repr__(self) -> str:
        return f"PendingTask(message_id={self.message_id!r}, done={self._reply is not None})"


class RequestPublisher:
    """Publishes many create requests on one AMQP connection (publisher confirms).

    ``publish(...)`` returns once the broker holds the request; ``.task_id()`` on what it returns
    waits for the scheduler's reply. Use as a context manager, or call :meth:`close`.
    """

    def __init__(
        self,
        channel: ReplyChannel,
        build: Callable[..., dict[str, Any]],
        *,
        timeout: float = 30.0,
    ) -> None:
        self._channel = channel
        self._build = build
        self.timeout = timeout
        self.pending: list[PendingTask] = []
        """Requests published and not yet collected by :meth:`wait_all`."""

    def publish(self, uri: str, schedule: ScheduleLike, *, message_id: str | None = None, **fields: Any) -> PendingTask:
        """Publishes a create request (the fields of :meth:`Client.task`); returns once confirmed."""
        return self.publish_message(self._build(uri, schedule, **fields), message_id=message_id)

    def publish_message(self, message: Mapping[str, Any], *, message_id: str | None = None) -> PendingTask:
        """Publishes any contract message; returns once the broker confirmed it."""
        message_id = message_id or str(uuid.uuid4())
        correlation_id = self._channel.send(message, message_id=message_id)
        pending = PendingTask(self._channel, correlation_id, message_id, self.timeout)
        self.pending.append(pending)
        return pending

    def wait_all(self, timeout: float | None = None) -> list[str]:
        """The task id of every request published so far, in order (raises the first error reply)."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        pending, self.pending = self.pending, []
        ids: list[str] = []
        for item in pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0 and not item.done():
                raise RequestTimeoutError(f"{len(pending) - len(ids)} replies missing after the timeout")
            ids.append(item.task_id(max(remaining, 0.001)))
        return ids

    def close(self) -> None:
        """Closes the connection; replies not received yet are lost (the tasks are not)."""
        self._channel.close()

    def __enter__(self) -> RequestPublisher:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
