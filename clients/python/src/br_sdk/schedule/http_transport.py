"""Contract messages over the REST API (docs/api.md), with the standard library only.

Each message becomes the REST call it stands for (``create`` is ``POST /v1/tasks``, ``get`` is
``GET /v1/tasks/{task_id}`` …) and each answer the reply the AMQP channel would give, so callers
see one shape whatever the transport. A problem+json answer raises its :class:`ScheduleError`.

With a signer, each request carries the ``X-Br-*`` signature headers, made over the method, the
target exactly as ``urllib`` sends it on the request line (``Request.selector``: path and query),
and the body's exact bytes; a request sent once more after a connection failure is signed afresh.
"""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Any

from .errors import (
    InvalidArgumentError,
    Issue,
    MalformedMessageError,
    RequestTimeoutError,
    ScheduleError,
    TransportError,
    error_for,
    error_from_problem,
)
from .signing import RequestSigner, SchedulerKey

# op → (HTTP method, path after /v1/tasks/{id} or None for a route without an id, query fields)
_TASK_ROUTES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "get": ("GET", "", ("requester_id",)),
    "cancel": ("DELETE", "", ("requester_id",)),
    "pause": ("POST", "/pause", ("requester_id",)),
    "resume": ("POST", "/resume", ("requester_id",)),
    "trigger": ("POST", "/trigger", ("requester_id",)),
    "runs": ("GET", "/runs", ("requester_id", "limit", "cursor")),
    "update": ("PATCH", "", ()),
}
_BODY_ROUTES = {"create": ("POST", "/v1/tasks"), "preview": ("POST", "/v1/schedules/preview")}
_LIST_QUERY = ("requester_id", "status", "limit", "cursor")
# Fields REST carries elsewhere (the reply echoes request_id).
_DROPPED = ("op", "request_id")
# A JSON message's own signature members: REST signs the request in headers instead.
_MESSAGE_SIGNATURE = ("timestamp", "nonce", "requester_signature")
_OPS = ("create", "update", "get", "cancel", "pause", "resume", "trigger", "list", "runs", "preview")


def encode_json(message: Any) -> bytes:
    """UTF-8 JSON, or MALFORMED_MESSAGE naming why it cannot be encoded."""
    try:
        return json.dumps(message, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
    except (TypeError, ValueError) as error:
        raise MalformedMessageError("the message cannot be encoded as JSON", [Issue("", str(error))]) from error


def check_message(message: Any) -> str:
    """The message's op, after the checks every transport makes before sending."""
    if not isinstance(message, Mapping):
        raise MalformedMessageError(
            "expected a JSON object", [Issue("", f"expected a JSON object, got {type(message).__name__}")]
        )
    return str(message.get("op", "create"))


class HttpTransport:
    """Sends contract messages to the REST API at ``base_url`` (e.g. ``http://127.0.0.1:8080``)."""

    def __init__(self, base_url: str, *, timeout: float = 30.0, signer: RequestSigner | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.signer = signer
        """Signs every request (the ``X-Br-*`` headers); None: sent unsigned."""

    def call(
        self,
        message: Mapping[str, Any],
        *,
        idempotency_key: str | None = None,
        timeout: float | None = None,
        signer: RequestSigner | None = None,
    ) -> dict[str, Any]:
        """Carries out ``message``; returns the success reply (``{"ok": True, "op": …, …}``) or raises.

        ``signer`` (default: the transport's) signs the request; a message's own ``timestamp``,
        ``nonce`` and ``requester_signature`` are then left out of the body.
        """
        signer = signer or self.signer
        op = check_message(message)
        if signer is not None:
            message = {key: value for key, value in message.items() if key not in _MESSAGE_SIGNATURE}
        method, path, query, body = _route(op, message)
        headers = {"Accept": "application/json"}
        if op == "create" and idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        url = self.base_url + path + (f"?{urllib.parse.urlencode(query)}" if query else "")
        retryable = op != "trigger" and (op != "create" or idempotency_key is not None or "task_id" in message)
        status, answer = self._send(method, url, headers, body, timeout or self.timeout, retryable, signer)
        reply: dict[str, Any] = {"ok": True, "op": op}
        if "request_id" in message:
            reply["request_id"] = message["request_id"]
        if op in ("list", "runs"):
            reply.update(answer)
        elif op == "trigger":
            reply.update(run_id=answer.get("run_id"), task=answer.get("task"))
        elif op == "preview":
            reply["fires"] = answer.get("fires", [])
        else:
            reply["task"] = answer
        return reply

    def scheduler_key(self, *, timeout: float | None = None) -> SchedulerKey:
        """The key ``GET /v1/keys/scheduler`` publishes. Trust on first use: whoever answers at this
        URL picks the key; prefer the one the operator gives out (``br-schedule public-key``)."""
        _, answer = self._send(
            "GET", self.base_url + "/v1/keys/scheduler", {"Accept": "application/json"}, None,
            timeout or self.timeout, True, self.signer,
        )
        text = answer.get("public_key_pem") or answer.get("public_key")
        if answer.get("algorithm", "ed25519") != "ed25519" or not isinstance(text, str):
            raise ScheduleError("GET /v1/keys/scheduler: expected an Ed25519 key", code="INTERNAL")
        return SchedulerKey.from_text(text)

    def _send(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        body: bytes | None,
        timeout: float,
        retryable: bool,
        signer: RequestSigner | None = None,
    ) -> tuple[int, dict[str, Any]]:
        if body is not None:
            headers = {**headers, "Content-Type": "application/json"}
        for attempt in (1, 2):
            request = urllib.request.Request(url, data=body, headers=headers, method=method)
            if signer is not None:  # over the target urllib puts on the request line, signed per attempt
                for name, value in signer.sign_http(method, request.selector, body or b"").items():
                    request.add_header(name, value)
            try:
                with urllib.request.urlopen(request, timeout=timeout) as response:
                    return response.status, _json(response.read(), response.status)
            except urllib.error.HTTPError as error:
                raise _problem(error) from None
            except (TimeoutError, socket.timeout) as error:
                raise RequestTimeoutError(f"no answer from {url} within {timeout:g} s") from error
            except (urllib.error.URLError, ConnectionError) as error:
                if attempt == 2 or not retryable:
                    reason = getattr(error, "reason", error)
                    if isinstance(reason, (TimeoutError, socket.timeout)):
                        raise RequestTimeoutError(f"no answer from {url} within {timeout:g} s") from error
                    raise TransportError(f"cannot reach the scheduler at {url}: {reason}") from error
        raise AssertionError("unreachable")


def _route(op: str, message: Mapping[str, Any]) -> tuple[str, str, dict[str, str], bytes | None]:
    """(method, path, query, body) of the REST call ``message`` stands for."""
    if op in _BODY_ROUTES:
        method, path = _BODY_ROUTES[op]
        return method, path, {}, encode_json({k: v for k, v in message.items() if k not in _DROPPED})
    if op == "list":
        return "GET", "/v1/tasks", _query(message, _LIST_QUERY), None
    if op not in _TASK_ROUTES:
        raise error_for(
            "UNKNOWN_OPERATION", f"unknown op {op!r}", [Issue("op", f"expected one of {', '.join(_OPS)}")]
        )
    task_id = message.get("task_id")
    if not isinstance(task_id, str) or not task_id:
        raise InvalidArgumentError("invalid request", [Issue("task_id", "required: the id of the task")])
    method, suffix, fields = _TASK_ROUTES[op]
    path = f"/v1/tasks/{urllib.parse.quote(task_id, safe='')}{suffix}"
    if op == "update":
        body = {k: v for k, v in message.items() if k not in (*_DROPPED, "task_id")}
        return method, path, {}, encode_json(body)
    return method, path, _query(message, ("task_id", *fields)), None


def _query(message: Mapping[str, Any], fields: tuple[str, ...]) -> dict[str, str]:
    unknown = [key for key in message if key not in (*fields, *_DROPPED, *_MESSAGE_SIGNATURE)]
    if unknown:
        raise InvalidArgumentError(
            "invalid request", [Issue(key, f'Unrecognized key: "{key}"') for key in unknown]
        )
    query: dict[str, str] = {}
    for key in fields:
        value = message.get(key)
        if key == "task_id" or value is None:
            continue
        if key == "status" and isinstance(value, (list, tuple)):
            value = ",".join(str(item) for item in value)
        query[key] = value if isinstance(value, str) else json.dumps(value)
    return query


def _json(raw: bytes, status: int) -> dict[str, Any]:
    try:
        value = json.loads(raw or b"{}")
    except ValueError as error:
        raise ScheduleError(f"HTTP {status}: the answer is not JSON", status=status) from error
    return value if isinstance(value, dict) else {"value": value}


def _problem(error: urllib.error.HTTPError) -> ScheduleError:
    try:
        problem = json.loads(error.read() or b"{}")
    except ValueError:
        problem = {}
    if isinstance(problem, dict) and "code" in problem:
        return error_from_problem(problem, error.code, retry_after=error.headers.get("Retry-After"))
    return error_for("INTERNAL", f"HTTP {error.code} {error.reason}", status=error.code)
