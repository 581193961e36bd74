"""Test support: the real sidecar as a subprocess (signing on, with keys made here), a real HTTP target,
broker clean-up, result collection."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pika

from br_sdk.schedule import Ed25519Signer, HmacSigner, RequestSigner, SchedulerKey

REPO = Path(__file__).resolve().parents[3]
VECTORS = REPO / "spec" / "vectors"
AMQP_URL = os.environ.get("BR_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672")
SIDECAR_CLI = REPO / "packages" / "sidecar" / "src" / "cli.ts"


def nested(depth: int) -> list[Any]:
    """A JSON list nested `depth` levels deep: deeper than a verifier should follow."""
    outer: list[Any] = []
    inner = outer
    for _ in range(depth):
        inner.append([])
        inner = inner[0]
    return outer


def vectors(name: str) -> dict[str, Any]:
    """A file of spec/vectors, parsed."""
    parsed: dict[str, Any] = json.loads((VECTORS / name).read_text())
    return parsed


def node_env(extra: dict[str, str]) -> dict[str, str]:
    """The environment for node: /usr/local/bin (Node 24) first on PATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEDULER_")}
    env["PATH"] = "/usr/local/bin:" + env.get("PATH", "/usr/bin:/bin")
    env.update(extra)
    return env


class KeyRing:
    """The requesters the test sidecar trusts, made before it starts (it reads its keys once).

    ``directory`` is the sidecar's ``SCHEDULER_AUTH_KEYS``: ``<id>.pem`` (an Ed25519 public key) or
    ``<id>.hmac`` (a base64 secret) per requester. Tests take fresh requesters from a pool of
    Ed25519 ones (``take``) or HMAC ones (``take_hmac``); the vectors' requester is there too, with
    the public test key of spec/vectors/signing.json. ``scheduler_key_file`` is the scheduler's
    result-signing key (``SCHEDULER_SIGNING_KEY``), made here so the tests know its public half
    out of band, as an operator would hand it out.
    """

    def __init__(self, root: Path, *, ed25519: int = 300, hmac: int = 20) -> None:
        self.directory = root / "keys"
        self.private = root / "requester-private-keys"  # what each requester keeps to itself
        self.directory.mkdir()
        self.private.mkdir(mode=0o700)
        self._signers: dict[str, RequestSigner] = {}
        self._pool = [self._add(Ed25519Signer.generate(str(uuid.uuid4()))) for _ in range(ed25519)]
        self._hmac_pool = [self._add(HmacSigner.generate(str(uuid.uuid4()))) for _ in range(hmac)]
        keys = vectors("signing.json")["keys"]
        self.vectors_signer = self._add(Ed25519Signer.from_pem(keys["requester_ed25519_private_pem"], keys["requester_id"]))
        scheduler = Ed25519Signer.generate("scheduler")
        self.scheduler_key_file = root / "scheduler-signing-key.pem"
        self.scheduler_key_file.write_text(scheduler.private_key_pem())
        self.scheduler_key_file.chmod(0o600)
        self.scheduler_public_file = root / "scheduler-public-key.pem"
        self.scheduler_public_file.write_text(scheduler.public_key_pem())
        self.scheduler_key = SchedulerKey.from_pem(scheduler.public_key_pem())

    def _add(self, signer: RequestSigner) -> str:
        if isinstance(signer, Ed25519Signer):
            (self.directory / f"{signer.requester_id}.pem").write_text(signer.public_key_pem())
        else:
            assert isinstance(signer, HmacSigner)
            (self.directory / f"{signer.requester_id}.hmac").write_text(signer.secret_text() + "\n")
        self._signers[signer.requester_id] = signer
        return signer.requester_id

    def take(self) -> str:
        """A requester no test used yet, with an Ed25519 key."""
        if not self._pool:
            raise RuntimeError("the key ring ran out of requesters: raise KeyRing(ed25519=…)")
        return self._pool.pop()

    def take_hmac(self) -> str:
        """A requester no test used yet, with an HMAC secret."""
        if not self._hmac_pool:
            raise RuntimeError("the key ring ran out of HMAC requesters: raise KeyRing(hmac=…)")
        return self._hmac_pool.pop()

    def signer(self, requester_id: str) -> RequestSigner:
        return self._signers[requester_id]

    def private_key_file(self, requester_id: str) -> Path:
        """The requester's private key as a PEM file (for BR_SCHEDULE_REQUESTER_KEY)."""
        signer = self._signers[requester_id]
        assert isinstance(signer, Ed25519Signer)
        path = self.private / f"{requester_id}.pem"
        if not path.exists():
            path.write_text(signer.private_key_pem())
            path.chmod(0o600)
        return path


@dataclass
class Sidecar:
    """`br-schedule serve` running as a subprocess, on its own queue and exchange."""

    url: str
    amqp_url: str
    request_queue: str
    result_exchange: str
    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)

    @classmethod
    def start(cls, data_dir: Path, keys: KeyRing | None = None, timeout: float = 30.0) -> Sidecar:
        """With ``keys``: SCHEDULER_AUTH=signed, trusting the key ring, signing results with its
        scheduler key. Without: SCHEDULER_AUTH=off (allowed: it listens on loopback)."""
        tag = uuid.uuid4().hex[:10]
        request_queue, result_exchange = f"pytest.br-schedule.{tag}.requests", f"pytest.br-schedule.{tag}.results"
        auth = (
            {
                "SCHEDULER_AUTH": "signed",
                "SCHEDULER_AUTH_KEYS": str(keys.directory),
                "SCHEDULER_SIGNING_KEY": str(keys.scheduler_key_file),
            }
            if keys is not None
            else {"SCHEDULER_AUTH": "off"}
        )
        env = node_env(
            {
                "SCHEDULER_ENV_FILE": "/dev/null",
                "SCHEDULER_HTTP_PORT": "0",
                "SCHEDULER_DATA_DIR": str(data_dir),
                "SCHEDULER_AMQP_URL": AMQP_URL,
                "SCHEDULER_AMQP_REQUEST_QUEUE": request_queue,
                "SCHEDULER_AMQP_RESULT_EXCHANGE": result_exchange,
                "SCHEDULER_SHUTDOWN_TIMEOUT_MS": "3000",
                **auth,
            }
        )
        process = subprocess.Popen(
            ["node", "--conditions=source", str(SIDECAR_CLI), "serve"],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        lines: list[str] = []
        serving: queue.Queue[str] = queue.Queue()

        def read() -> None:  # drains stdout for the life of the process, so the pipe never fills
            assert process.stdout is not None
            for line in process.stdout:
                lines.append(line)
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                if entry.get("msg") == "br-schedule serving":
                    serving.put(entry["url"])

        threading.Thread(target=read, name="sidecar stdout", daemon=True).start()
        try:
            url = serving.get(timeout=timeout)
        except queue.Empty:
            process.kill()
            process.wait(5)
            raise RuntimeError("the sidecar did not start:\n" + "".join(lines[-40:])) from None
        return cls(url, AMQP_URL, request_queue, result_exchange, process, lines)

    def ensure_ready(self, timeout: float = 20.0) -> None:
        """Waits until ``/readyz`` answers 200 (the scheduler runs and AMQP is connected); fails with its log."""
        deadline = time.monotonic() + timeout
        answer = ""
        while self.process.poll() is None:
            try:
                with urllib.request.urlopen(self.url + "/readyz", timeout=5) as response:
                    if response.status == 200:
                        return
            except urllib.error.HTTPError as error:
                answer = error.read().decode(errors="replace")
            except OSError as error:
                answer = repr(error)
            if time.monotonic() > deadline:
                break
            time.sleep(0.2)
        state = f"exited with {self.process.returncode}" if self.process.poll() is not None else "not ready"
        raise RuntimeError(f"the sidecar is {state}: {answer}\n" + "".join(self.lines[-30:]))

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM (by PID), then SIGKILL if it has not exited within ``timeout``."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def delete_broker_objects(queues: list[str], exchanges: list[str]) -> None:
    """Deletes test queues and exchanges (a missing one is fine)."""
    connection = pika.BlockingConnection(pika.URLParameters(AMQP_URL))
    try:
        for name in queues:
            channel = connection.channel()
            try:
                channel.queue_delete(name)
                channel.close()
            except pika.exceptions.ChannelClosed:
                pass
        for name in exchanges:
            channel = connection.channel()
            try:
                channel.exchange_delete(name)
                channel.close()
            except pika.exceptions.ChannelClosed:
                pass
    finally:
        connection.close()


def wait_until(predicate: Callable[[], bool], timeout: float = 15.0, interval: float = 0.1) -> None:
    """Polls ``predicate`` until it holds; fails after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout} s: {predicate}")
        time.sleep(interval)


def queue_depth(name: str) -> int:
    """Messages ready in a queue."""
    connection = pika.BlockingConnection(pika.URLParameters(AMQP_URL))
    try:
        return int(connection.channel().queue_declare(name, passive=True).method.message_count)
    finally:
        connection.close()


@dataclass
class Call:
    """One request the target received."""

    method: str
    path: str
    query: dict[str, list[str]]
    body: str
    headers: dict[str, str]


class Target:
    """A real HTTP server on 127.0.0.1:0 that records every call and answers 200 with JSON."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._changed = threading.Condition()
        target = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                parsed = urllib.parse.urlsplit(self.path)
                call = Call(self.command, parsed.path, urllib.parse.parse_qs(parsed.query), body, dict(self.headers))
                answer = json.dumps({"received": parsed.path, "method": self.command}).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(answer)
                with target._changed:
                    target.calls.append(call)
                    target._changed.notify_all()

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, name="target", daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        return self.base + path

    def wait_for(self, predicate: Callable[[Call], bool], timeout: float = 20.0) -> Call:
        """The first call matching ``predicate``, waiting up to ``timeout`` s."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for call in self.calls:
                    if predicate(call):
                        return call
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"no matching call within {timeout} s; got {self.calls!r}")
                self._changed.wait(remaining)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Results:
    """Results received by a consumer callback, waited for by task id."""

    def __init__(self) -> None:
        self.received: queue.Queue[Any] = queue.Queue()
        self._kept: list[Any] = []

    def __call__(self, result: Any) -> None:
        self.received.put(result)

    def wait_for(self, task_id: str, timeout: float = 20.0) -> Any:
        """The first result of ``task_id``, waiting up to ``timeout`` s."""
        deadline = time.monotonic() + timeout
        for kept in self._kept:
            if kept.task_id == task_id:
                self._kept.remove(kept)
                return kept
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no result for task {task_id} within {timeout} s")
            try:
                result = self.received.get(timeout=remaining)
            except queue.Empty:
                continue
            if result.task_id == task_id:
                return result
            self._kept.append(result)
