"""The client: hands tasks to the scheduler over AMQP or HTTP and manages them."""

from __future__ import annotations

import builtins
import os
import threading
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from .amqp_channel import ReplyChannel
from .consumer import ErrorCallback, ResultCallback, ResultConsumer
from .dsl import ScheduleLike, date_time_text, schedule_input
from .errors import ConfigurationError, InvalidArgumentError, Issue, error_from_reply
from .http_transport import HttpTransport, check_message
from .models import RunPage, Task, TaskPage
from .publisher import RequestPublisher

Transport = Literal["amqp", "http"]
DEFAULT_REQUEST_QUEUE = "br.schedule.requests"
DEFAULT_RESULT_EXCHANGE = "br.schedule.results"
ENV_AMQP_URL = "BR_SCHEDULE_AMQP_URL"
ENV_HTTP_URL = "BR_SCHEDULE_URL"


class Client:
    """A connection to the scheduler sidecar: over AMQP (``amqp_url``), HTTP (``http_url``), or both.

    Requests go over ``transport`` (default: AMQP when ``amqp_url`` is set, else HTTP); results are
    received over AMQP. ``requester_id`` (a UUID) is the default requester of every call. Thread-safe.
    """

    def __init__(
        self,
        *,
        amqp_url: str | None = None,
        http_url: str | None = None,
        requester_id: str | None = None,
        transport: Transport | None = None,
        request_queue: str = DEFAULT_REQUEST_QUEUE,
        result_exchange: str = DEFAULT_RESULT_EXCHANGE,
        timeout: float = 30.0,
    ) -> None:
        if not amqp_url and not http_url:
            raise ConfigurationError(
                "no scheduler to talk to: give amqp_url or http_url",
                [Issue("amqp_url", "not set"), Issue("http_url", "not set")],
            )
        self.amqp_url = amqp_url or None
        self.http_url = http_url or None
        self.requester_id = requester_id or None
        self.transport: Transport = transport or ("amqp" if self.amqp_url else "http")
        self._url_of(self.transport)  # checks the transport is configured
        self.request_queue = request_queue
        self.result_exchange = result_exchange
        self.timeout = timeout
        self._lock = threading.Lock()
        self._reply_channel: ReplyChannel | None = None
        self._http: HttpTransport | None = HttpTransport(self.http_url, timeout=timeout) if self.http_url else None
        self._closeables: list[ResultConsumer | RequestPublisher] = []

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Client:
        """A client from ``BR_SCHEDULE_AMQP_URL``, ``BR_SCHEDULE_URL``, ``BR_SCHEDULE_REQUESTER_ID``,
        ``BR_SCHEDULE_TRANSPORT``, ``BR_SCHEDULE_REQUEST_QUEUE``, ``BR_SCHEDULE_RESULT_EXCHANGE`` and
        ``BR_SCHEDULE_TIMEOUT`` (seconds)."""
        env = os.environ if environ is None else environ
        if not env.get(ENV_AMQP_URL) and not env.get(ENV_HTTP_URL):
            raise ConfigurationError(
                f"set {ENV_AMQP_URL} or {ENV_HTTP_URL}", [Issue(ENV_AMQP_URL, "not set"), Issue(ENV_HTTP_URL, "not set")]
            )
        transport = env.get("BR_SCHEDULE_TRANSPORT") or None
        if transport not in (None, "amqp", "http"):
            raise ConfigurationError("invalid configuration", [Issue("BR_SCHEDULE_TRANSPORT", "expected amqp or http")])
        try:
            timeout = float(env.get("BR_SCHEDULE_TIMEOUT") or 30)
        except ValueError:
            raise ConfigurationError(
                "invalid configuration", [Issue("BR_SCHEDULE_TIMEOUT", "expected a number of seconds")]
            ) from None
        return cls(
            amqp_url=env.get(ENV_AMQP_URL),
            http_url=env.get(ENV_HTTP_URL),
            requester_id=env.get("BR_SCHEDULE_REQUESTER_ID"),
            transport=transport,  # type: ignore[arg-type]
            request_queue=env.get("BR_SCHEDULE_REQUEST_QUEUE") or DEFAULT_REQUEST_QUEUE,
            result_exchange=env.get("BR_SCHEDULE_RESULT_EXCHANGE") or DEFAULT_RESULT_EXCHANGE,
            timeout=timeout,
        )

    # -- any message -------------------------------------------------------------------------

    def request(
        self,
        message: Mapping[str, Any],
        *,
        message_id: str | None = None,
        timeout: float | None = None,
        transport: Transport | None = None,
    ) -> dict[str, Any]:
        """Sends any contract message (``op`` selects the operation) and returns the success reply.

        Raises the :class:`ScheduleError` of an error reply. ``message_id`` is the AMQP message id
        (the ``Idempotency-Key`` of an HTTP create): sending a create again with it finds the same task.
        """
        check_message(message)
        kind = transport or self.transport
        self._url_of(kind)
        wait = self.timeout if timeout is None else timeout
        if kind == "http":
            assert self._http is not None
            return self._http.call(message, idempotency_key=message_id, timeout=wait)
        channel = self._requests()
        reply = channel.wait(channel.send(message, message_id=message_id), wait)
        if not reply.get("ok"):
            raise error_from_reply(reply)
        return reply

    # -- tasks -------------------------------------------------------------------------------

    def create_message(
        self,
        uri: str,
        schedule: ScheduleLike,
        *,
        parameters: Mapping[str, Any] | str | None = None,
        method: str | None = None,
        requester_id: str | None = None,
        requester_signature: str | None = None,
        task_id: str | None = None,
        policies: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout_ms: int | None = None,
    ) -> dict[str, Any]:
        """The contract's create message for these fields (``schedule``: a builder, rule(s), crontab(s) or object)."""
        message: dict[str, Any] = {"uri": uri}
        optional: dict[str, Any] = {
            "parameters": dict(parameters) if isinstance(parameters, Mapping) else parameters,
            "method": method.upper() if isinstance(method, str) else method,
        }
        message.update({key: value for key, value in optional.items() if value is not None})
        message["schedule"] = schedule_input(schedule)
        message["requester_id"] = self._requester(requester_id)
        optional = {
            "requester_signature": requester_signature,
            "task_id": task_id,
            "policies": dict(policies) if policies is not None else None,
            "headers": dict(headers) if headers is not None else None,
            "timeout_ms": timeout_ms,
        }
        message.update({key: value for key, value in optional.items() if value is not None})
        return message

    def create(
        self,
        uri: str,
        schedule: ScheduleLike,
        *,
        message_id: str | None = None,
        timeout: float | None = None,
        transport: Transport | None = None,
        **fields: Any,
    ) -> Task:
        """Schedules a call of ``uri`` and returns the task once the scheduler stored it."""
        message = self.create_message(uri, schedule, **fields)
        reply = self.request(
            message, message_id=message_id or str(uuid.uuid4()), timeout=timeout, transport=transport
        )
        return Task.from_dict(reply["task"])

    def task(self, uri: str, schedule: ScheduleLike, **fields: Any) -> str:
        """Schedules a call of ``uri`` on ``schedule`` and returns the task id once acknowledged.

        Fields: ``parameters`` (dict or JSON string), ``method``, ``requester_id``,
        ``requester_signature``, ``task_id``, ``policies``, ``headers``, ``timeout_ms``; and
        ``message_id``, ``timeout`` (s, waiting for the reply), ``transport``.
        """
        return self.create(uri, schedule, **fields).id

    def get(self, task_id: str, *, requester_id: str | None = None) -> Task:
        """The task: status, next fires, last run (404 ``TaskNotFoundError`` if not this requester's)."""
        return Task.from_dict(self._on_task("get", task_id, requester_id)["task"])

    def cancel(self, task_id: str, *, requester_id: str | None = None) -> Task:
        """Stops the task for good (cancelling again is a no-op); returns the cancelled task."""
        return Task.from_dict(self._on_task("cancel", task_id, requester_id)["task"])

    def pause(self, task_id: str, *, requester_id: str | None = None) -> Task:
        """Keeps the task without firing it."""
        return Task.from_dict(self._on_task("pause", task_id, requester_id)["task"])

    def resume(self, task_id: str, *, requester_id: str | None = None) -> Task:
        """Fires a paused task again from now on."""
        return Task.from_dict(self._on_task("resume", task_id, requester_id)["task"])

    def trigger(self, task_id: str, *, requester_id: str | None = None) -> str:
        """Runs the task once now, outside its schedule; returns the run id (its result arrives as usual)."""
        return str(self._on_task("trigger", task_id, requester_id)["run_id"])

    def update(self, task_id: str, **changes: Any) -> Task:
        """Changes ``schedule``, ``uri``, ``method``, ``parameters``, ``headers``, ``timeout_ms`` or ``policies``."""
        if "schedule" in changes:
            changes["schedule"] = schedule_input(changes["schedule"])
        reply = self.request({"op": "update", "task_id": task_id, **changes})
        return Task.from_dict(reply["task"])

    def list(
        self,
        *,
        requester_id: str | None = None,
        status: str | Sequence[str] | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> TaskPage:
        """A page of tasks of ``requester_id`` (default: the client's), optionally by status."""
        message: dict[str, Any] = {"op": "list"}
        fields: dict[str, Any] = {"requester_id": requester_id or self.requester_id, "limit": limit, "cursor": cursor}
        fields["status"] = [status] if isinstance(status, str) else (list(status) if status else None)
        message.update({key: value for key, value in fields.items() if value is not None})
        return TaskPage.from_dict(_page(self.request(message), "tasks"))

    def runs(
        self, task_id: str, *, requester_id: str | None = None, limit: int | None = None, cursor: str | None = None
    ) -> RunPage:
        """A page of the task's finished runs, newest first."""
        extra = {key: value for key, value in {"limit": limit, "cursor": cursor}.items() if value is not None}
        return RunPage.from_dict(_page(self._on_task("runs", task_id, requester_id, **extra), "runs"))

    def preview(self, schedule: ScheduleLike, *, from_: Any = None, count: int | None = None) -> builtins.list[str]:
        """The next ``count`` fires of ``schedule`` strictly after ``from_`` (default now), RFC 3339 UTC."""
        message: dict[str, Any] = {"op": "preview", "schedule": schedule_input(schedule)}
        if from_ is not None:
            message["from"] = date_time_text(from_, path="from")
        if count is not None:
            message["count"] = count
        return [str(fire) for fire in self.request(message)["fires"]]

    # -- AMQP: many requests, results --------------------------------------------------------

    def task_request_publisher(self, *, timeout: float | None = None) -> RequestPublisher:
        """A publisher for many requests on its own AMQP connection (see :class:`RequestPublisher`)."""
        url = self._url_of("amqp")
        name = f"br_sdk.schedule publisher {self.requester_id or ''}".rstrip()
        channel = ReplyChannel(url, self.request_queue, name=name)
        publisher = RequestPublisher(
            channel, self.create_message, timeout=self.timeout if timeout is None else timeout
        )
        self._closeables.append(publisher)
        return publisher

    def register_task_result_consumer(
        self,
        callback: ResultCallback,
        *,
        requester_id: str | None = None,
        queue: str | None = None,
        prefetch: int = 10,
        on_error: ErrorCallback | None = None,
        timeout: float | None = None,
    ) -> ResultConsumer:
        """Calls ``callback(result)`` for each result of the requester, on a background thread.

        Results wait in a durable queue (default ``br.schedule.results.<requester_id>``) while no
        consumer runs. Returns the running consumer once its queue is bound; ``.stop()`` ends it.
        """
        url = self._url_of("amqp")
        consumer = ResultConsumer(
            url,
            self.result_exchange,
            self._requester(requester_id),
            callback,
            queue=queue,
            prefetch=prefetch,
            on_error=on_error,
        )
        consumer.start(self.timeout if timeout is None else timeout)
        self._closeables.append(consumer)
        return consumer

    def close(self) -> None:
        """Stops the consumers and publishers made by this client and closes its connections."""
        closeables, self._closeables = self._closeables, []
        for item in closeables:
            if isinstance(item, ResultConsumer):
                item.stop()
            else:
                item.close()
        with self._lock:
            channel, self._reply_channel = self._reply_channel, None
        if channel is not None:
            channel.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- helpers -----------------------------------------------------------------------------

    def _url_of(self, kind: str) -> str:
        url = {"amqp": self.amqp_url, "http": self.http_url}.get(kind)
        if url is None:
            name = "amqp_url" if kind == "amqp" else "http_url" if kind == "http" else "transport"
            raise ConfigurationError(f"the {kind!r} transport is not configured", [Issue(name, "not set")])
        return url

    def _requests(self) -> ReplyChannel:
        with self._lock:
            if self._reply_channel is None:
                name = f"br_sdk.schedule requests {self.requester_id or ''}".rstrip()
                self._reply_channel = ReplyChannel(self._url_of("amqp"), self.request_queue, name=name)
            return self._reply_channel

    def _requester(self, requester_id: str | None) -> str:
        value = requester_id or self.requester_id
        if not value:
            raise InvalidArgumentError(
                "invalid request",
                [Issue("requester_id", "required: pass requester_id or set it on the client (BR_SCHEDULE_REQUESTER_ID)")],
            )
        return value

    def _on_task(self, op: str, task_id: str, requester_id: str | None, **extra: Any) -> dict[str, Any]:
        message: dict[str, Any] = {"op": op, "task_id": task_id, **extra}
        if requester_id or self.requester_id:
            message["requester_id"] = requester_id or self.requester_id
        return self.request(message)


def _page(reply: Mapping[str, Any], items: str) -> dict[str, Any]:
    return {items: reply.get(items, []), "next_cursor": reply.get("next_cursor")}
