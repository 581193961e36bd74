"""Fixtures: one real sidecar (signing on) and one HTTP target for the session; a fresh requester,
with its own key, per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from support import KeyRing, Results, Sidecar, Target, delete_broker_objects

from br_sdk.schedule import Client, RequestSigner, ResultConsumer, result_queue_name

# Result queues declared by tests (and the example), deleted with the sidecar's objects at the end.
_RESULT_QUEUES: list[str] = []


@pytest.fixture(scope="session")
def keyring(tmp_path_factory: pytest.TempPathFactory) -> KeyRing:
    """The requesters (and their keys) the session's sidecar trusts, and the scheduler's key."""
    return KeyRing(tmp_path_factory.mktemp("keys"))


@pytest.fixture(scope="session", autouse=True)
def _delete_result_queues() -> Iterator[None]:
    """At the very end: deletes the result queues the tests declared."""
    yield
    if _RESULT_QUEUES:
        delete_broker_objects(_RESULT_QUEUES, [])


def _stopped(running: Sidecar) -> None:
    running.stop()
    queue = running.request_queue
    delete_broker_objects([queue, f"{queue}.dead"], [f"{queue}.dlx", running.result_exchange])


@pytest.fixture(scope="session")
def sidecar(tmp_path_factory: pytest.TempPathFactory, keyring: KeyRing) -> Iterator[Sidecar]:
    """The sidecar with SCHEDULER_AUTH=signed: every request must be signed by a key of ``keyring``."""
    running = Sidecar.start(tmp_path_factory.mktemp("sidecar-data"), keyring)
    try:
        yield running
    finally:
        _stopped(running)


@pytest.fixture(scope="session")
def open_sidecar(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sidecar]:
    """A second sidecar with SCHEDULER_AUTH=off (loopback): for what unsigned clients still do."""
    running = Sidecar.start(tmp_path_factory.mktemp("open-sidecar-data"))
    try:
        yield running
    finally:
        _stopped(running)


_broken: list[str] = []


@pytest.fixture(autouse=True)
def _sidecar_ready(request: pytest.FixtureRequest) -> None:
    """Before each test that uses the sidecar: it is up and connected to the broker (a broker restart
    is waited out); once it is not, later tests fail at once instead of waiting out their timeouts."""
    for name in ("sidecar", "open_sidecar"):
        if name not in request.fixturenames:
            continue
        if _broken:
            pytest.fail(f"the sidecar failed earlier: {_broken[0][:2000]}")
        try:
            request.getfixturevalue(name).ensure_ready()
        except RuntimeError as error:
            _broken.append(str(error))
            raise


@pytest.fixture(scope="session")
def target() -> Iterator[Target]:
    server = Target()
    yield server
    server.close()


def track_result_queue(requester_id: str) -> str:
    """Registers a requester's default result queue (and its dead-letter queue) for deletion."""
    name = result_queue_name(requester_id)
    _RESULT_QUEUES.extend([name, f"{name}.dead"])
    return name


@pytest.fixture
def requester(keyring: KeyRing) -> str:
    """A fresh requester id the sidecar has an Ed25519 key for; its result queues are deleted at the end."""
    requester_id = keyring.take()
    track_result_queue(requester_id)
    return requester_id


@pytest.fixture
def signer(keyring: KeyRing, requester: str) -> RequestSigner:
    """The requester's signer (its private key)."""
    return keyring.signer(requester)


@pytest.fixture
def hmac_requester(keyring: KeyRing) -> str:
    """A fresh requester id the sidecar has an HMAC secret for."""
    requester_id = keyring.take_hmac()
    track_result_queue(requester_id)
    return requester_id


def make_client(sidecar: Sidecar, keyring: KeyRing | None, requester: str, transport: str, **options: object) -> Client:
    """A client of ``sidecar`` for ``requester``: signing with its key and checking results with the
    scheduler's key when ``keyring`` is given, unsigned otherwise."""
    signing: dict[str, object] = (
        {"signer": keyring.signer(requester), "scheduler_key": keyring.scheduler_key} if keyring is not None else {}
    )
    return Client(
        amqp_url=sidecar.amqp_url,
        http_url=sidecar.url,
        transport=transport,  # type: ignore[arg-type]
        requester_id=requester,
        request_queue=sidecar.request_queue,
        result_exchange=sidecar.result_exchange,
        timeout=15.0,
        **{**signing, **options},  # type: ignore[arg-type]
    )


@pytest.fixture
def amqp_client(sidecar: Sidecar, keyring: KeyRing, requester: str) -> Iterator[Client]:
    """Requests over AMQP, signed (results over AMQP too, checked)."""
    with make_client(sidecar, keyring, requester, "amqp") as client:
        yield client


@pytest.fixture
def http_client(sidecar: Sidecar, keyring: KeyRing, requester: str) -> Iterator[Client]:
    """Requests over REST, signed (results over AMQP: the sidecar delivers REST tasks' results there)."""
    with make_client(sidecar, keyring, requester, "http") as client:
        yield client


@pytest.fixture
def results(amqp_client: Client) -> Iterator[Results]:
    """The requester's results, received by register_task_result_consumer."""
    collected = Results()
    consumer: ResultConsumer = amqp_client.register_task_result_consumer(collected, timeout=15)
    yield collected
    consumer.stop()

