"""Requests over AMQP: publish with confirms, receive replies on RabbitMQ's direct reply-to.

Each request goes to the request queue through the default exchange, persistent, with
``reply_to = amq.rabbitmq.reply-to``, a ``correlation_id`` and a ``message_id`` (the scheduler's
idempotency key: the same create sent again finds the task it made). When the connection drops,
requests still waiting for their reply are published again, with the same ids, on the next one.
With a signer, each publish is signed afresh (new timestamp and nonce): the scheduler refuses a
nonce it has seen, so a request published again must not repeat its first signature.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Mapping
from typing import Any

import pika
import pika.exceptions

from .errors import RequestTimeoutError, TransportError
from .http_transport import encode_json
from .signing import RequestSigner

log = logging.getLogger("br_sdk.schedule")

REPLY_TO = "amq.rabbitmq.reply-to"
# What a dropped connection or channel raises; the request is then published again on a new one.
CONNECTION_ERRORS = (
    pika.exceptions.AMQPConnectionError,
    pika.exceptions.AMQPChannelError,
    pika.exceptions.StreamLostError,
    pika.exceptions.ConnectionWrongStateError,
    pika.exceptions.ChannelWrongStateError,
    ConnectionError,
    OSError,
)


def connection_parameters(url: str, name: str) -> pika.URLParameters:
    """Pika's parameters for ``url``, naming the connection (shown in the RabbitMQ management UI)."""
    parameters = pika.URLParameters(url)
    parameters.client_properties = {"connection_name": name}
    return parameters


class ReplyChannel:
    """One connection that publishes requests and collects their replies. Thread-safe (one lock)."""

    def __init__(
        self,
        url: str,
        request_queue: str,
        *,
        name: str = "br_sdk.schedule requests",
        signer: RequestSigner | None = None,
    ) -> None:
        self.url = url
        self.request_queue = request_queue
        self.name = name
        self.signer = signer
        """Signs every request (object) sent; None: sent as given."""
        self._lock = threading.RLock()
        self._connection: pika.BlockingConnection | None = None
        self._channel: Any = None
        # correlation id → (body as last published, properties, signer: signs the body again when republished)
        self._pending: dict[str, tuple[bytes, pika.BasicProperties, RequestSigner | None]] = {}
        self._replies: dict[str, dict[str, Any]] = {}

    # -- connection --------------------------------------------------------------------------

    def _connect(self) -> None:
        self._close_quietly()
        try:
            connection = pika.BlockingConnection(connection_parameters(self.url, self.name))
        except CONNECTION_ERRORS as error:
            raise TransportError(f"cannot connect to the AMQP broker: {error!r}") from error
        channel = connection.channel()
        channel.confirm_delivery()
        channel.basic_consume(REPLY_TO, self._on_reply, auto_ack=True)
        self._connection, self._channel = connection, channel
        for correlation_id, (body, properties, signer) in list(self._pending.items()):
            if signer is not None:  # a fresh timestamp and nonce: the first may have reached the scheduler
                body = self._encode(json.loads(body), signer)
                self._pending[correlation_id] = (body, properties, signer)
            self._publish(body, properties)

    def _ensure(self) -> None:
        if self._connection is None or not self._connection.is_open or not self._channel.is_open:
            self._connect()

    def _close_quietly(self) -> None:
        connection, self._connection, self._channel = self._connection, None, None
        if connection is not None and connection.is_open:
            try:
                connection.close()
            except Exception:  # noqa: BLE001 - closing a broken connection may fail in many ways
                pass

    def close(self) -> None:
        """Closes the connection; requests still waiting get no reply."""
        with self._lock:
            self._pending.clear()
            self._close_quietly()

    # -- requests ----------------------------------------------------------------------------

    @staticmethod
    def _encode(message: Any, signer: RequestSigner | None) -> bytes:
        """The body to publish: ``message`` signed now (an object, with a signer), else as given."""
        if signer is not None and isinstance(message, Mapping):
            message = signer.sign_message(message)
        return encode_json(message)

    def _publish(self, body: bytes, properties: pika.BasicProperties) -> None:
        try:
            self._channel.basic_publish("", self.request_queue, body, properties, mandatory=True)
        except pika.exceptions.UnroutableError as error:
            self._pending.pop(properties.correlation_id, None)
            raise TransportError(
                f"no queue {self.request_queue!r} on the broker: is the scheduler running with AMQP on?"
            ) from error
        except pika.exceptions.NackError as error:
            self._pending.pop(properties.correlation_id, None)
            raise TransportError("the broker refused the request (nack)") from error

    def send(
        self, message: Mapping[str, Any], *, message_id: str | None = None, signer: RequestSigner | None = None
    ) -> str:
        """Publishes ``message`` and returns once the broker confirmed it; the correlation id to :meth:`wait` on.

        ``signer`` (default: the channel's) signs it, afresh each time it is published.
        """
        signer = signer or self.signer
        body = self._encode(message, signer)  # refuses what cannot be signed before anything is sent
        correlation_id = str(uuid.uuid4())
        properties = pika.BasicProperties(
            content_type="application/json",
            delivery_mode=2,
            reply_to=REPLY_TO,
            correlation_id=correlation_id,
            message_id=message_id or str(uuid.uuid4()),
        )
        with self._lock:
            self._pending[correlation_id] = (body, properties, signer)
            try:
                if self._connection is not None and self._connection.is_open and self._channel.is_open:
                    try:
                        self._publish(body, properties)
                        return correlation_id
                    except TransportError:
                        raise
                    except CONNECTION_ERRORS as error:
                        log.warning("AMQP connection lost while publishing (%r); reconnecting", error)
                self._connect()  # publishes every pending request, this one included
                return correlation_id
            except TransportError:
                self._pending.pop(correlation_id, None)
                raise
            except CONNECTION_ERRORS as error:
                self._pending.pop(correlation_id, None)
                self._close_quietly()
                raise TransportError(f"cannot publish to the AMQP broker: {error!r}") from error

    def wait(self, correlation_id: str, timeout: float) -> dict[str, Any]:
        """The reply to the request ``correlation_id`` (``ok`` true or false), waiting up to ``timeout`` s.

        A broker that goes away meanwhile is waited for; the request is published again once it is back.
        """
        deadline = time.monotonic() + timeout
        with self._lock:
            try:
                unreachable: TransportError | None = None
                while correlation_id not in self._replies:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        if unreachable is not None:
                            raise unreachable
                        raise RequestTimeoutError(f"no reply from the scheduler within {timeout:g} s")
                    try:
                        self.poll(min(remaining, 1.0))
                        unreachable = None
                    except TransportError as error:
                        unreachable = error
                        time.sleep(min(remaining, 0.5))
            except BaseException:
                self._pending.pop(correlation_id, None)
                raise
            return self._replies.pop(correlation_id)

    def has_reply(self, correlation_id: str) -> bool:
        """True once the reply to ``correlation_id`` has arrived (call :meth:`poll` to receive)."""
        with self._lock:
            return correlation_id in self._replies

    def poll(self, time_limit: float = 0.0) -> None:
        """Receives what has arrived (waiting up to ``time_limit`` s); reconnects when the connection dropped."""
        with self._lock:
            try:
                self._ensure()
                self._connection.process_data_events(time_limit=time_limit)  # type: ignore[union-attr]
            except TransportError:
                raise
            except CONNECTION_ERRORS as error:
                log.warning("AMQP connection lost while waiting for replies (%r); reconnecting", error)
                self._close_quietly()
                time.sleep(min(time_limit, 0.5))

    def _on_reply(self, _channel: Any, _method: Any, properties: pika.BasicProperties, body: bytes) -> None:
        correlation_id = properties.correlation_id
        if correlation_id not in self._pending:
            return  # a reply to a request given up on, or answered already
        del self._pending[correlation_id]
        try:
            reply = json.loads(body)
        except ValueError:
            reply = {"ok": False, "error": {"code": "INTERNAL", "message": "the reply is not JSON", "issues": []}}
        self._replies[correlation_id] = reply if isinstance(reply, dict) else {"ok": False, "error": {}}
