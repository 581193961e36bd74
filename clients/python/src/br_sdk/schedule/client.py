"""The client: hands tasks to the scheduler over AMQP or HTTP and manages them.

With a signer every request it sends is signed (AMQP bodies, REST headers); with the scheduler's
key every result it receives is checked (see :mod:`br_sdk.schedule.signing`).
"""

from __future__ import annotations

import builtins
import os
import threading
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from .amqp_channel import ReplyChannel
from .consumer import ErrorCallback, ResultCallback, ResultConsumer
from .dsl import ScheduleLike, date_time_text, schedule_input
from .errors import ConfigurationError, InvalidArgumentError, Issue, ScheduleError, error_from_reply
from .http_transport import HttpTransport, check_message
from .models import RunPage, Task, TaskPage
from .publisher import RequestPublisher
from .signing import Ed25519Signer, HmacSigner, RequestSigner, SchedulerKey

Transport = Literal["amqp", "http"]
DEFAULT_REQUEST_QUEUE = "br.schedule.requests"
DEFAULT_RESULT_EXCHANGE = "br.schedule.results"
ENV_AMQP_URL = "BR_SCHEDULE_AMQP_URL"
ENV_HTTP_URL = "BR_SCHEDULE_URL"
ENV_REQUESTER_ID = "BR_SCHEDULE_REQUESTER_ID"
ENV_REQUESTER_KEY = "BR_SCHEDULE_REQUESTER_KEY"
ENV_HMAC_SECRET = "BR_SCHEDULE_HMAC_SECRET"
ENV_SCHEDULER_KEY = "BR_SCHEDULE_SCHEDULER_KEY"


class Client:
    """A connection to the scheduler sidecar: over AMQP (``amqp_url``), HTTP (``http_url``), or both.

    Requests go over ``transport`` (default: AMQP when ``amqp_url`` is set, else HTTP); results are
    received over AMQP. ``requester_id`` (a UUID) is the default requester of every call (default:
    the signer's). ``signer`` (an :class:`Ed25519Signer` or :class:`HmacSigner`) signs every request;
    ``scheduler_key`` (a :class:`SchedulerKey`, or its PEM or raw base64 text) checks every result.
    Thread-safe.
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
        signer: RequestSigner | None = None,
        scheduler_key: SchedulerKey | str | bytes | None = None,
    ) -> None:
        if not amqp_url and not http_url:
            raise ConfigurationError(
                "no scheduler to talk to: give amqp_url or http_url",
                [Issue("amqp_url", "not set"), Issue("http_url", "not set")],
            )
        self.amqp_url = amqp_url or None
        self.http_url = http_url or None
        if signer is not None and requester_id and requester_id.lower() != signer.requester_id.lower():
            raise ConfigurationError(
                "the signer signs for another requester",
                [Issue("signer", f"signs for {signer.requester_id}, not requester_id {requester_id}")],
            )
        self.signer = signer
        """Signs every request; None: requests go unsigned (refused by a scheduler with signing on)."""
        self.scheduler_key = _scheduler_key(scheduler_key)
        """Checks every result's signature; None: results are not checked."""
        self.requester_id = requester_id or (signer.requester_id if signer is not None else None)
        self.transport: Transport = transport or ("amqp" if self.amqp_url else "http")
        self._url_of(self.transport)  # checks the transport is configured
        self.request_queue = request_queue
        self.result_exchange = result_exchange
        self.timeout = timeout
        self._lock = threading.Lock()
        self._reply_channel: ReplyChannel | None = None
        self._http: HttpTransport | None = (
            HttpTransport(self.http_url, timeout=timeout, signer=signer) if self.http_url else None
        )
        self._closeables: list[ResultConsumer | RequestPublisher] = []

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Client:
        """A client from ``BR_SCHEDULE_AMQP_URL``, ``BR_SCHEDULE_URL``, ``BR_SCHEDULE_REQUESTER_ID``,
        ``BR_SCHEDULE_TRANSPORT``, ``BR_SCHEDULE_REQUEST_QUEUE``, ``BR_SCHEDULE_RESULT_EXCHANGE``,
        ``BR_SCHEDULE_TIMEOUT`` (seconds); and for signing ``BR_SCHEDULE_REQUESTER_KEY`` (an Ed25519
        private key: a PEM file's path, or the PEM itself) or ``BR_SCHEDULE_HMAC_SECRET`` (base64 or
        ``hex:…``), and ``BR_SCHEDULE_SCHEDULER_KEY`` (the scheduler's public key: a PEM file's
        path, the PEM, or its raw 32 bytes in base64)."""
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
            requester_id=env.get(ENV_REQUESTER_ID),
            transport=transport,  # type: ignore[arg-type]
            request_queue=env.get("BR_SCHEDULE_REQUEST_QUEUE") or DEFAULT_REQUEST_QUEUE,
            result_exchange=env.get("BR_SCHEDULE_RESULT_EXCHANGE") or DEFAULT_RESULT_EXCHANGE,
            timeout=timeout,
            signer=_signer_from_env(env),
            scheduler_key=_scheduler_key_from_env(env),
        )

    # -- any message -------------------------------------------------------------------------

    def request(
        self,
        message: Mapping[str, Any],
        *,
        message_id: str | None = None,
        timeout: float | None = None,
        transport: Transport | None = None,
        signer: RequestSigner | None = None,
    ) -> dict[str, Any]:
        """Sends any contract message (``op`` selects the operation) and returns the success reply.

        Raises the :class:`ScheduleError` of an error reply. ``message_id`` is the AMQP message id
        (the ``Idempotency-Key`` of an HTTP create): sending a create again with it finds the same task.
        ``signer`` (default: the client's) signs it: over AMQP the message gets ``requester_id`` (when
        missing; naming another requester is refused), ``timestamp``, ``nonce`` and
        ``requester_signature``; over REST the request gets the ``X-Br-*`` headers.
        """
        check_message(message)
        kind = transport or self.transport
        self._url_of(kind)
        wait = self.timeout if timeout is None else timeout
        signer = signer or self.signer
        if kind == "http":
            assert self._http is not None
            return self._http.call(message, idempotency_key=message_id, timeout=wait, signer=signer)
        channel = self._requests()
        reply = channel.wait(channel.send(message, message_id=message_id, signer=signer), wait)
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
        signer: RequestSigner | None = None,
        **fields: Any,
    ) -> Task:
        """Schedules a call of ``uri`` and returns the task once the scheduler stored it."""
        if signer is not None and not fields.get("requester_id"):
            fields["requester_id"] = signer.requester_id
        message = self.create_message(uri, schedule, **fields)
        reply = self.request(
            message, message_id=message_id or str(uuid.uuid4()), timeout=timeout, transport=transport, signer=signer
        )
        return Task.from_dict(reply["task"])

    def task(self, uri: str, schedule: ScheduleLike, **fields: Any) -> str:
        """Schedules a call of ``uri`` on ``schedule`` and returns the task id once acknowledged.

        Fields: ``parameters`` (dict or JSON string), ``method``, ``requester_id``,
        ``requester_signature`` (sent as given without a signer; a signer replaces it), ``task_id``,
        ``policies``, ``headers``, ``timeout_ms``; and ``message_id``, ``timeout`` (s, waiting for the
        reply), ``transport``, ``signer`` (default: the client's).
        """
        return self.create(uri, schedule, **fields).id

    def get(self, task_id: str, *, requester_id: str | None = None, signer: RequestSigner | None = None) -> Task:
        """The task: status, next fires, last run (404 ``TaskNotFoundError`` if not this requester's)."""
        return Task.from_dict(self._on_task("get", task_id, requester_id, signer)["task"])

    def cancel(self, task_id: str, *, requester_id: str | None = None, signer: RequestSigner | None = None) -> Task:
        """Stops the task for good (cancelling again is a no-op); returns the cancelled task."""
        return Task.from_dict(self._on_task("cancel", task_id, requester_id, signer)["task"])

    def pause(self, task_id: str, *, requester_id: str | None = None, signer: RequestSigner | None = None) -> Task:
        """Keeps the task without firing it."""
        return Task.from_dict(self._on_task("pause", task_id, requester_id, signer)["task"])

    def resume(self, task_id: str, *, requester_id: str | None = None, signer: RequestSigner | None = None) -> Task:
        """Fires a paused task again from now on."""
        return Task.from_dict(self._on_task("resume", task_id, requester_id, signer)["task"])

    def trigger(self, task_id: str, *, requester_id: str | None = None, signer: RequestSigner | None = None) -> str:
        """Runs the task once now, outside its schedule; returns the run id (its result arrives as usual)."""
        return str(self._on_task("trigger", task_id, requester_id, signer)["run_id"])

    def update(self, task_id: str, *, signer: RequestSigner | None = None, **changes: Any) -> Task:
        """Changes ``schedule``, ``uri``, ``method``, ``parameters``, ``headers``, ``timeout_ms`` or ``policies``."""
        if "schedule" in changes:
            changes["schedule"] = schedule_input(changes["schedule"])
        reply = self.request({"op": "update", "task_id": task_id, **changes}, signer=signer)
        return Task.from_dict(reply["task"])

    def list(
        self,
        *,
        requester_id: str | None = None,
        status: str | Sequence[str] | None = None,
        limit: int | None = None,
        cursor: str | None = None,
        signer: RequestSigner | None = None,
    ) -> TaskPage:
        """A page of tasks of ``requester_id`` (default: the client's), optionally by status.

        With signing on, a requester sees only its own tasks: naming another gives an empty page
        over REST, and is refused over AMQP (a signed message names its signer)."""
        message: dict[str, Any] = {"op": "list"}
        named = requester_id or (signer.requester_id if signer is not None else self.requester_id)
        fields: dict[str, Any] = {"requester_id": named, "limit": limit, "cursor": cursor}
        fields["status"] = [status] if isinstance(status, str) else (list(status) if status else None)
        message.update({key: value for key, value in fields.items() if value is not None})
        return TaskPage.from_dict(_page(self.request(message, signer=signer), "tasks"))

    def runs(
        self,
        task_id: str,
        *,
        requester_id: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
        signer: RequestSigner | None = None,
    ) -> RunPage:
        """A page of the task's finished runs, newest first."""
        extra = {key: value for key, value in {"limit": limit, "cursor": cursor}.items() if value is not None}
        return RunPage.from_dict(_page(self._on_task("runs", task_id, requester_id, signer, **extra), "runs"))

    def preview(
        self, schedule: ScheduleLike, *, from_: Any = None, count: int | None = None, signer: RequestSigner | None = None
    ) -> builtins.list[str]:
        """The next ``count`` fires of ``schedule`` strictly after ``from_`` (default now), RFC 3339 UTC."""
        message: dict[str, Any] = {"op": "preview", "schedule": schedule_input(schedule)}
        if from_ is not None:
            message["from"] = date_time_text(from_, path="from")
        if count is not None:
            message["count"] = count
        return [str(fire) for fire in self.request(message, signer=signer)["fires"]]

    def fetch_scheduler_key(self, *, timeout: float | None = None) -> SchedulerKey:
        """The scheduler's public key from ``GET /v1/keys/scheduler`` (not installed on the client).

        Trust on first use: it is whatever key the server at ``http_url`` answers with. Prefer the
        key the operator gives out (``br-schedule public-key``); compare the two if you fetch it.
        """
        self._url_of("http")
        assert self._http is not None
        return self._http.scheduler_key(timeout=timeout)

    # -- AMQP: many requests, results --------------------------------------------------------

    def task_request_publisher(
        self, *, timeout: float | None = None, signer: RequestSigner | None = None
    ) -> RequestPublisher:
        """A publisher for many requests on its own AMQP connection (see :class:`RequestPublisher`).

        ``signer`` (default: the client's) signs each request, afresh whenever it is published."""
        url = self._url_of("amqp")
        signer = signer or self.signer
        requester = signer.requester_id if signer is not None else self.requester_id
        name = f"br_sdk.schedule publisher {requester or ''}".rstrip()
        channel = ReplyChannel(url, self.request_queue, name=name, signer=signer)

        def build(uri: str, schedule: ScheduleLike, **fields: Any) -> dict[str, Any]:
            if signer is not None and not fields.get("requester_id"):
                fields["requester_id"] = signer.requester_id
            return self.create_message(uri, schedule, **fields)

        publisher = RequestPublisher(channel, build, timeout=self.timeout if timeout is None else timeout)
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
        scheduler_key: SchedulerKey | str | bytes | None = None,
    ) -> ResultConsumer:
        """Calls ``callback(result)`` for each result of the requester, on a background thread.

        Results wait in a durable queue (default ``br.schedule.results.<requester_id>``) while no
        consumer runs. Returns the running consumer once its queue is bound; ``.stop()`` ends it.
        With ``scheduler_key`` (default: the client's) a result whose signature does not verify
        never reaches ``callback``: ``on_error`` gets a :class:`SignatureInvalidError` (and None for
        the result) and the message goes to the dead-letter queue.
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
            scheduler_key=_scheduler_key(scheduler_key) or self.scheduler_key,
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
                self._reply_channel = ReplyChannel(
                    self._url_of("amqp"), self.request_queue, name=name, signer=self.signer
                )
            return self._reply_channel

    def _requester(self, requester_id: str | None) -> str:
        value = requester_id or self.requester_id
        if not value:
            raise InvalidArgumentError(
                "invalid request",
                [Issue("requester_id", "required: pass requester_id or set it on the client (BR_SCHEDULE_REQUESTER_ID)")],
            )
        return value

    def _on_task(
        self, op: str, task_id: str, requester_id: str | None, signer: RequestSigner | None = None, **extra: Any
    ) -> dict[str, Any]:
        message: dict[str, Any] = {"op": op, "task_id": task_id, **extra}
        named = requester_id or (signer.requester_id if signer is not None else self.requester_id)
        if named:
            message["requester_id"] = named
        return self.request(message, signer=signer)


def _page(reply: Mapping[str, Any], items: str) -> dict[str, Any]:
    return {items: reply.get(items, []), "next_cursor": reply.get("next_cursor")}


def _scheduler_key(value: SchedulerKey | str | bytes | None) -> SchedulerKey | None:
    if value is None or isinstance(value, SchedulerKey):
        return value
    return SchedulerKey.from_text(value)


def _config_error(variable: str, error: BaseException | str) -> ConfigurationError:
    reason = error.message if isinstance(error, ScheduleError) else str(error)
    if isinstance(error, ScheduleError) and error.issues:
        reason = "; ".join(issue.message for issue in error.issues)
    return ConfigurationError("invalid configuration", [Issue(variable, reason)])


def _key_text(variable: str, value: str) -> str:
    """The key itself when ``value`` is one (PEM), else the contents of the file it names."""
    if value.lstrip().startswith("-----BEGIN"):
        return value
    try:
        return Path(value).read_text()
    except OSError as error:
        raise _config_error(variable, f"cannot read the key file: {error}") from None


def _signer_from_env(env: Mapping[str, str]) -> RequestSigner | None:
    key, secret = env.get(ENV_REQUESTER_KEY), env.get(ENV_HMAC_SECRET)
    if not key and not secret:
        return None
    if key and secret:
        raise ConfigurationError(
            "set one way of signing",
            [Issue(ENV_REQUESTER_KEY, "set together with BR_SCHEDULE_HMAC_SECRET"), Issue(ENV_HMAC_SECRET, "set too")],
        )
    requester_id = env.get(ENV_REQUESTER_ID)
    if not requester_id:
        raise ConfigurationError(
            "invalid configuration", [Issue(ENV_REQUESTER_ID, "required: the requester the key signs for")]
        )
    try:
        if key:
            return Ed25519Signer.from_pem(_key_text(ENV_REQUESTER_KEY, key), requester_id)
        return HmacSigner.from_text(requester_id, secret or "")
    except InvalidArgumentError as error:
        raise _config_error(ENV_REQUESTER_KEY if key else ENV_HMAC_SECRET, error) from None


def _scheduler_key_from_env(env: Mapping[str, str]) -> SchedulerKey | None:
    value = (env.get(ENV_SCHEDULER_KEY) or "").strip()
    if not value:
        return None
    if not value.startswith("-----BEGIN") and (value.endswith(".pem") or _is_file(value)):
        value = _key_text(ENV_SCHEDULER_KEY, value)
    try:
        return SchedulerKey.from_text(value)
    except InvalidArgumentError as error:
        raise _config_error(ENV_SCHEDULER_KEY, error) from None


def _is_file(value: str) -> bool:
    try:
        return Path(value).is_file()
    except (OSError, ValueError):
        return False
