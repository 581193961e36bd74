"""The client: configuration, messages it builds, module-level calls, and failures of the transports."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pika
import pytest
from support import AMQP_URL, KeyRing, Results, Sidecar, Target, vectors

from br_sdk import schedule
from br_sdk.schedule import (
    Client,
    ConfigurationError,
    InvalidArgumentError,
    RequestTimeoutError,
    TransportError,
    at,
    between,
    cron,
    crontab,
    every,
    union,
)

REQUESTS = {case["name"]: case["message"] for case in vectors("requests.json")["cases"]}
REQUESTER = vectors("requests.json")["requester_id"]


def test_a_client_needs_somewhere_to_send() -> None:
    with pytest.raises(ConfigurationError) as caught:
        Client()
    assert caught.value.paths == ["amqp_url", "http_url"]
    with pytest.raises(ConfigurationError):
        Client(http_url="http://127.0.0.1:8080", transport="amqp")
    with pytest.raises(ConfigurationError) as env:
        Client.from_env({})
    assert env.value.paths == ["BR_SCHEDULE_AMQP_URL", "BR_SCHEDULE_URL"]
    with pytest.raises(ConfigurationError) as bad:
        Client.from_env({"BR_SCHEDULE_URL": "http://x", "BR_SCHEDULE_TIMEOUT": "soon"})
    assert bad.value.paths == ["BR_SCHEDULE_TIMEOUT"]


def test_from_env() -> None:
    client = Client.from_env(
        {
            "BR_SCHEDULE_AMQP_URL": AMQP_URL,
            "BR_SCHEDULE_URL": "http://127.0.0.1:8080",
            "BR_SCHEDULE_REQUESTER_ID": REQUESTER,
            "BR_SCHEDULE_TRANSPORT": "http",
            "BR_SCHEDULE_REQUEST_QUEUE": "q",
            "BR_SCHEDULE_RESULT_EXCHANGE": "x",
            "BR_SCHEDULE_TIMEOUT": "2.5",
        }
    )
    assert (client.transport, client.requester_id, client.request_queue, client.result_exchange, client.timeout) == (
        "http",
        REQUESTER,
        "q",
        "x",
        2.5,
    )
    assert Client(amqp_url=AMQP_URL).transport == "amqp"


def test_the_python_helpers_build_the_contract_messages_of_the_vectors() -> None:
    client = Client(http_url="http://127.0.0.1:9", requester_id=REQUESTER)
    original = client.create_message(
        "http://127.0.0.1:9/report",
        [{"minute": "0", "hour": "17", "day_of_week": "THU"}],
        parameters='{"team":"ops","format":"pdf"}',
        method="POST",
        requester_signature="unsigned",
    )
    assert original == REQUESTS["the contract's original message: crontab list, parameters as a JSON string, no op"]

    full = client.create_message(
        "https://billing.internal/run",
        union(
            every("P10DT3H", from_="2026-01-01T00:00:00Z"),
            cron("0 17 * * THU"),
            crontab(minute=0, hour=15, day_of_month=3),
            at("2027-06-01T09:00:00"),
        )
        .except_(between("2026-12-24T00:00:00", "2027-01-02T00:00:00"))
        .ending_before("2028-01-01T00:00:00Z")
        .in_("Asia/Tehran"),
        task_id="billing-report",
        method="POST",
        parameters={"kind": "monthly"},
        timeout_ms=10000,
        headers={"Authorization": "Bearer token"},
        policies={
            "retry": {"max_attempts": 5, "backoff_base_ms": 500, "backoff_cap_ms": 30000},
            "misfire": {"catch_up": "all", "grace_ms": 3600000},
            "overlap": "skip",
        },
    )
    expected = dict(REQUESTS["the full schedule object: a union with exclusions, bounds, a time zone, and policies"])
    assert expected.pop("op") == "create"
    assert full == expected


def test_a_task_needs_a_requester() -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        Client(http_url="http://127.0.0.1:9").task("http://127.0.0.1:9/x", cron("0 * * * *"))
    assert caught.value.paths == ["requester_id"]


def test_results_need_amqp() -> None:
    with pytest.raises(ConfigurationError) as caught:
        Client(http_url="http://127.0.0.1:9", requester_id=REQUESTER).register_task_result_consumer(print)
    assert caught.value.paths == ["amqp_url"]


def test_unreachable_scheduler_is_a_transport_error() -> None:
    with pytest.raises(TransportError) as http:
        Client(http_url="http://127.0.0.1:1", timeout=5).get("x")
    assert http.value.code == "TRANSPORT" and isinstance(http.value, ConnectionError)
    with pytest.raises(TransportError):
        Client(amqp_url="amqp://guest:guest@127.0.0.1:1", timeout=5).get("x")


def test_a_request_queue_that_does_not_exist_is_a_transport_error() -> None:
    client = Client(amqp_url=AMQP_URL, request_queue=f"pytest.no-such-queue.{uuid.uuid4()}", requester_id=REQUESTER)
    with client, pytest.raises(TransportError) as caught:
        client.task("http://127.0.0.1:9/x", cron("0 * * * *"))
    assert "is the scheduler running" in str(caught.value)


def test_no_reply_within_the_timeout() -> None:
    # A queue nobody consumes: the broker confirms the request, no reply ever comes.
    holder = pika.BlockingConnection(pika.URLParameters(AMQP_URL))
    try:
        silent = holder.channel().queue_declare("", exclusive=True).method.queue
        with Client(amqp_url=AMQP_URL, request_queue=silent, requester_id=REQUESTER, timeout=1) as client:
            with pytest.raises(RequestTimeoutError) as caught:
                client.get("x")
        assert caught.value.code == "TIMEOUT" and isinstance(caught.value, TimeoutError)
    finally:
        holder.close()  # deletes the exclusive queue


@pytest.fixture
def default_from_env(
    sidecar: Sidecar, keyring: KeyRing, requester: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    monkeypatch.setenv("BR_SCHEDULE_AMQP_URL", sidecar.amqp_url)
    monkeypatch.setenv("BR_SCHEDULE_URL", sidecar.url)
    monkeypatch.setenv("BR_SCHEDULE_TRANSPORT", "http")
    monkeypatch.setenv("BR_SCHEDULE_REQUESTER_ID", requester)
    monkeypatch.setenv("BR_SCHEDULE_REQUESTER_KEY", str(keyring.private_key_file(requester)))
    monkeypatch.setenv("BR_SCHEDULE_SCHEDULER_KEY", str(keyring.scheduler_public_file))
    monkeypatch.delenv("BR_SCHEDULE_HMAC_SECRET", raising=False)
    monkeypatch.setenv("BR_SCHEDULE_REQUEST_QUEUE", sidecar.request_queue)
    monkeypatch.setenv("BR_SCHEDULE_RESULT_EXCHANGE", sidecar.result_exchange)
    schedule.set_default_client(None)
    yield
    schedule.set_default_client(None)


def test_module_level_calls_use_a_client_from_the_environment(default_from_env: None, target: Target) -> None:
    received = Results()
    consumer = schedule.register_task_result_consumer(received)
    task_id = schedule.task(target.url("/module"), cron("0 3 * * *"), parameters={"via": "module"}, method="POST")
    assert schedule.get(task_id).status == "active"
    assert [task.id for task in schedule.list().tasks] == [task_id]
    assert schedule.pause(task_id).status == "paused"
    assert schedule.resume(task_id).status == "active"
    run_id = schedule.trigger(task_id)
    assert received.wait_for(task_id).run_id == run_id
    assert schedule.runs(task_id).runs[0].run_id == run_id
    assert schedule.preview(cron("0 3 * * *"), from_="2026-11-22T00:00:00Z", count=2) == [
        "2026-11-22T03:00:00Z",
        "2026-11-23T03:00:00Z",
    ]
    with schedule.task_request_publisher() as publisher:
        other = publisher.publish(target.url("/module"), cron("0 4 * * *")).task_id()
    assert schedule.cancel(other).status == "cancelled"
    assert schedule.cancel(task_id).status == "cancelled"
    consumer.stop()
