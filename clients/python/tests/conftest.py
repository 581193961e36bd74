"""Fixtures: one real sidecar and one HTTP target for the session; a fresh requester per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from support import Results, Sidecar, Target, delete_broker_objects

from br_sdk.schedule import Client, ResultConsumer, result_queue_name

# Result queues declared by tests (and the example), deleted with the sidecar's objects at the end.
_RESULT_QUEUES: list[str] = []


@pytest.fixture(scope="session")
def sidecar(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sidecar]:
    running = Sidecar.start(tmp_path_factory.mktemp("sidecar-data"))
    try:
        yield running
    finally:
        running.stop()
        queue = running.request_queue
        delete_broker_objects(
            [queue, f"{queue}.dead", *_RESULT_QUEUES],
            [f"{queue}.dlx", running.result_exchange],
        )


_broken: list[str] = []


@pytest.fixture(autouse=True)
def _sidecar_ready(request: pytest.FixtureRequest) -> None:
    """Before each test that uses the sidecar: it is up and connected to the broker (a broker restart
    is waited out); once it is not, later tests fail at once instead of waiting out their timeouts."""
    if "sidecar" not in request.fixturenames:
        return
    if _broken:
        pytest.fail(f"the sidecar failed earlier: {_broken[0][:2000]}")
    try:
        request.getfixturevalue("sidecar").ensure_ready()
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
def requester() -> str:
    """A fresh requester id; its result queues are deleted at the end of the session."""
    requester_id = str(uuid.uuid4())
    track_result_queue(requester_id)
    return requester_id


def _client(sidecar: Sidecar, requester: str, transport: str) -> Client:
    return Client(
        amqp_url=sidecar.amqp_url,
        http_url=sidecar.url,
        transport=transport,  # type: ignore[arg-type]
        requester_id=requester,
        request_queue=sidecar.request_queue,
        result_exchange=sidecar.result_exchange,
        timeout=15.0,
    )


@pytest.fixture
def amqp_client(sidecar: Sidecar, requester: str) -> Iterator[Client]:
    """Requests over AMQP (results over AMQP too)."""
    with _client(sidecar, requester, "amqp") as client:
        yield client


@pytest.fixture
def http_client(sidecar: Sidecar, requester: str) -> Iterator[Client]:
    """Requests over REST (results over AMQP: the sidecar delivers REST tasks' results there)."""
    with _client(sidecar, requester, "http") as client:
        yield client


@pytest.fixture
def results(amqp_client: Client) -> Iterator[Results]:
    """The requester's results, received by register_task_result_consumer."""
    collected = Results()
    consumer: ResultConsumer = amqp_client.register_task_result_consumer(collected, timeout=15)
    yield collected
    consumer.stop()

