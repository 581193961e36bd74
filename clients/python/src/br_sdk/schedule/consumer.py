"""Receiving a requester's results over AMQP, on a durable queue of its own.

The queue (default ``br.schedule.results.<requester_id>``) is bound to the result exchange with the
requester id as routing key, so results published while the consumer is down wait in it. Each
result is acknowledged after the callback returns. A callback that raises gets the result once
more; if it raises again, the result goes to ``<queue>.dead`` to be looked at.

With the scheduler's key, each result's ``scheduler_signature`` is checked before anything else: a
result that does not verify never reaches the callback; ``on_error`` gets a
:class:`SignatureInvalidError` (and no result), and the message is rejected without requeue, so it
goes to ``<queue>.dead`` at once instead of coming back.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import pika

from .amqp_channel import CONNECTION_ERRORS, connection_parameters
from .errors import Issue, RequestTimeoutError, SignatureInvalidError, TransportError
from .models import TaskResult
from .signing import SchedulerKey

log = logging.getLogger("br_sdk.schedule")

ResultCallback = Callable[[TaskResult], object]
ErrorCallback = Callable[[BaseException, "TaskResult | None"], object]
_SEEN = 10_000  # run ids remembered to drop a result delivered twice


def result_queue_name(requester_id: str) -> str:
    """The default durable queue of a requester's results."""
    return f"br.schedule.results.{requester_id}"


def _log_error(error: BaseException, result: TaskResult | None) -> None:
    if result is None:
        log.error("%s", error)  # a result refused before the callback (a bad signature)
        return
    log.error("result callback failed for run %s: %r", result.run_id, error)


class ResultConsumer:
    """Calls ``callback(result)`` for each result of one requester, on a background thread."""

    def __init__(
        self,
        url: str,
        exchange: str,
        requester_id: str,
        callback: ResultCallback,
        *,
        queue: str | None = None,
        prefetch: int = 10,
        on_error: ErrorCallback | None = None,
        scheduler_key: SchedulerKey | None = None,
    ) -> None:
        self.url = url
        self.scheduler_key = scheduler_key
        """Every result must carry this key's signature; None: results are not checked."""
        self.exchange = exchange
        self.requester_id = requester_id
        self.queue = queue or result_queue_name(requester_id)
        self.dead_letter_queue = f"{self.queue}.dead"
        self._callback = callback
        self._on_error = on_error or _log_error
        self._prefetch = prefetch
        self._stopping = threading.Event()
        self._ready = threading.Event()
        self._lock = threading.Lock()
        self._connection: pika.BlockingConnection | None = None
        self._channel: Any = None
        self._start_error: BaseException | None = None
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._thread = threading.Thread(target=self._run, name=f"br-schedule results {requester_id}", daemon=True)

    def start(self, timeout: float = 30.0) -> ResultConsumer:
        """Declares and binds the queue and starts consuming; returns once the queue is bound."""
        self._thread.start()
        if not self._ready.wait(timeout):
            self.stop()
            raise RequestTimeoutError(f"the result queue {self.queue!r} was not ready within {timeout:g} s")
        if self._start_error is not None:
            raise TransportError(f"cannot consume results: {self._start_error!r}") from self._start_error
        return self

    @property
    def running(self) -> bool:
        """True while the consumer thread runs (it reconnects by itself after a broker outage)."""
        return self._thread.is_alive()

    def stop(self, timeout: float = 10.0) -> None:
        """Stops consuming (a callback in progress finishes and is acknowledged) and closes the connection."""
        self._stopping.set()
        with self._lock:
            connection, channel = self._connection, self._channel
        if connection is not None:
            try:
                connection.add_callback_threadsafe(channel.stop_consuming)
            except CONNECTION_ERRORS:
                pass
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def __enter__(self) -> ResultConsumer:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    # -- the consumer thread -----------------------------------------------------------------

    def _run(self) -> None:
        backoff = 0.5
        while not self._stopping.is_set():
            try:
                self._consume()
                backoff = 0.5
            except Exception as error:  # noqa: BLE001 - any failure: report the first, else reconnect
                if not self._ready.is_set():
                    self._start_error = error
                    self._ready.set()
                    return
                log.warning("result consumer for %s lost its connection (%r); reconnecting", self.queue, error)
            finally:
                self._disconnect()
            self._stopping.wait(backoff)
            backoff = min(backoff * 2, 30.0)

    def _consume(self) -> None:
        connection = pika.BlockingConnection(connection_parameters(self.url, f"br_sdk.schedule results {self.queue}"))
        channel = connection.channel()
        with self._lock:
            self._connection, self._channel = connection, channel
        channel.exchange_declare(self.exchange, "topic", durable=True)
        channel.queue_declare(self.dead_letter_queue, durable=True)
        channel.queue_declare(
            self.queue,
            durable=True,
            arguments={"x-dead-letter-exchange": "", "x-dead-letter-routing-key": self.dead_letter_queue},
        )
        channel.queue_bind(self.queue, self.exchange, routing_key=self.requester_id)
        channel.basic_qos(prefetch_count=self._prefetch)
        channel.basic_consume(self.queue, self._on_message)
        self._ready.set()
        if not self._stopping.is_set():
            channel.start_consuming()

    def _disconnect(self) -> None:
        with self._lock:
            connection, self._connection, self._channel = self._connection, None, None
        if connection is not None and connection.is_open:
            try:
                connection.close()
            except Exception:  # noqa: BLE001 - the connection may already be broken
                pass

    def _on_message(self, channel: Any, method: Any, _properties: Any, body: bytes) -> None:
        try:
            message = json.loads(body)
            if not isinstance(message, dict):
                raise ValueError(f"expected a JSON object, got {type(message).__name__}")
        except (ValueError, RecursionError) as error:
            log.error("unreadable result message on %s, dead-lettered: %r", self.queue, error)
            channel.basic_nack(method.delivery_tag, requeue=False)
            return
        if self.scheduler_key is not None and not self.scheduler_key.verify_result(message):
            self._refuse_unverified(channel, method, message)
            return
        try:
            result = TaskResult.from_dict(message)
        except (TypeError, ValueError) as error:
            log.error("unreadable result message on %s, dead-lettered: %r", self.queue, error)
            channel.basic_nack(method.delivery_tag, requeue=False)
            return
        if result.run_id in self._seen:
            channel.basic_ack(method.delivery_tag)  # delivered twice (at least once): seen already
            return
        try:
            self._callback(result)
        except Exception as error:  # noqa: BLE001 - the callback's failure is reported, not raised
            try:
                self._on_error(error, result)
            except Exception:  # noqa: BLE001 - a failing error hook must not stop the consumer
                log.exception("the on_error hook failed")
            channel.basic_nack(method.delivery_tag, requeue=not method.redelivered)
            return
        channel.basic_ack(method.delivery_tag)
        self._seen[result.run_id] = None
        if len(self._seen) > _SEEN:
            self._seen.popitem(last=False)

    def _refuse_unverified(self, channel: Any, method: Any, message: dict[str, Any]) -> None:
        """A result without the scheduler's signature: reported, rejected for good, never delivered."""
        error = SignatureInvalidError(
            f"a result on {self.queue} does not carry the scheduler's signature; rejected (dead-lettered)",
            [Issue("scheduler_signature", "does not verify with the scheduler's key")],
        )
        error.unverified = message
        try:
            self._on_error(error, None)
        except Exception:  # noqa: BLE001 - a failing error hook must not stop the consumer
            log.exception("the on_error hook failed")
        channel.basic_nack(method.delivery_tag, requeue=False)
