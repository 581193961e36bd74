"""End to end with signing on (SCHEDULER_AUTH=signed): signed requests are taken, unsigned, forged,
tampered, replayed and expired ones are refused with their codes, a requester sees only its own
tasks, and results are checked against the scheduler's key before the application sees them."""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import pika
import pytest
from conftest import make_client, track_result_queue
from support import KeyRing, Results, Sidecar, Target, nested, queue_depth, wait_until

from br_sdk.schedule import (
    AuthenticationError,
    Client,
    Ed25519Signer,
    ForbiddenError,
    HmacSigner,
    InvalidArgumentError,
    MalformedMessageError,
    RequestExpiredError,
    RequestReplayedError,
    ScheduleError,
    SignatureInvalidError,
    TargetForbiddenError,
    TaskNotFoundError,
    TaskResult,
    Transport,
    cron,
    error_from_problem,
    error_from_reply,
    schedule_input,
)
from br_sdk.schedule.amqp_channel import ReplyChannel
from br_sdk.schedule.http_transport import encode_json
from br_sdk.schedule.signing import RESULT_CONTEXT, RequestSigner, message_signing_input, utc_timestamp

TRANSPORTS: list[Transport] = ["amqp", "http"]
SCHEDULE = cron("0 3 * * *")


def create_message(requester_id: str, uri: str) -> dict[str, Any]:
    return {"uri": uri, "schedule": schedule_input(SCHEDULE), "requester_id": requester_id}


# -- raw requests, sent exactly as built (no client signing) -----------------------------------


@pytest.fixture
def raw_amqp(sidecar: Sidecar) -> Iterator[ReplyChannel]:
    """A request channel that signs nothing: what it is given is what the sidecar gets."""
    channel = ReplyChannel(sidecar.amqp_url, sidecar.request_queue, name="br_sdk.schedule pytest raw")
    yield channel
    channel.close()


def amqp_answer(channel: ReplyChannel, message: dict[str, Any]) -> dict[str, Any]:
    """The reply to ``message``; raises the ScheduleError of an error reply."""
    reply = channel.wait(channel.send(message), 15)
    if not reply.get("ok"):
        raise error_from_reply(reply)
    return reply


def http_answer(
    sidecar: Sidecar, method: str, target: str, headers: dict[str, str], body: bytes | None = None
) -> dict[str, Any]:
    """The JSON answer to a raw REST request; raises the ScheduleError of a problem."""
    request = urllib.request.Request(sidecar.url + target, data=body, method=method, headers=headers)
    if body is not None:
        request.add_header("Content-Type", "application/json")
    assert request.selector == target
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            answer: dict[str, Any] = json.loads(response.read() or b"{}")
            return answer
    except urllib.error.HTTPError as error:
        raise error_from_problem(json.loads(error.read()), error.code) from None


def ten_minutes(sign: int) -> str:
    return utc_timestamp(dt.datetime.now(dt.timezone.utc) + sign * dt.timedelta(minutes=10))


# -- what is taken ---------------------------------------------------------------------------


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("kind", ["ed25519", "hmac"])
def test_signed_requests_are_taken(
    kind: str, transport: Transport, sidecar: Sidecar, keyring: KeyRing, target: Target, request: pytest.FixtureRequest
) -> None:
    requester: str = request.getfixturevalue("hmac_requester" if kind == "hmac" else "requester")
    assert isinstance(keyring.signer(requester), HmacSigner if kind == "hmac" else Ed25519Signer)
    with make_client(sidecar, keyring, requester, transport) as client:
        received = Results()
        client.register_task_result_consumer(received, timeout=15)
        task = client.create(target.url(f"/signed-{kind}-{transport}"), SCHEDULE, parameters={"kind": kind})
        assert task.requester_id == requester
        assert client.get(task.id).status == "active"
        assert [t.id for t in client.list().tasks] == [task.id]
        run_id = client.trigger(task.id)
        result = received.wait_for(task.id)  # its signature checked with the scheduler's key
        assert (result.run_id, result.status) == (run_id, "success")
        assert client.runs(task.id).runs[0].run_id == run_id
        assert client.update(task.id, parameters={"kind": "changed"}).target["parameters"] == {"kind": "changed"}
        assert client.cancel(task.id).status == "cancelled"


# -- what is refused -------------------------------------------------------------------------


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_unsigned_requests_are_refused(transport: Transport, sidecar: Sidecar, requester: str, target: Target) -> None:
    with make_client(sidecar, None, requester, transport) as client:
        for call in (
            lambda: client.task(target.url("/unsigned"), SCHEDULE, requester_signature="unsigned"),
            lambda: client.list(),
        ):
            with pytest.raises(AuthenticationError) as caught:
                call()
            error = caught.value
            assert type(error) is AuthenticationError and error.code == "UNAUTHENTICATED"
            assert isinstance(error, PermissionError)
            assert error.status == (401 if transport == "http" else None)
            assert ("X-Br-Signature" if transport == "http" else "nonce") in error.paths


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_an_unknown_requester_is_refused(transport: Transport, sidecar: Sidecar, keyring: KeyRing) -> None:
    stranger = Ed25519Signer.generate(str(uuid.uuid4()))
    with make_client(sidecar, None, stranger.requester_id, transport, signer=stranger) as client:
        with pytest.raises(AuthenticationError) as caught:
            client.list()
    assert caught.value.code == "UNAUTHENTICATED"
    assert caught.value.paths == ["X-Br-Requester-Id" if transport == "http" else "requester_id"]


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("kind", ["ed25519", "hmac"])
def test_a_signature_with_the_wrong_key_is_refused(
    kind: str, transport: Transport, sidecar: Sidecar, target: Target, request: pytest.FixtureRequest
) -> None:
    requester: str = request.getfixturevalue("hmac_requester" if kind == "hmac" else "requester")
    forger: RequestSigner = HmacSigner.generate(requester) if kind == "hmac" else Ed25519Signer.generate(requester)
    with make_client(sidecar, None, requester, transport, signer=forger) as client:
        with pytest.raises(SignatureInvalidError) as caught:
            client.task(target.url("/forged"), SCHEDULE)
    assert caught.value.code == "SIGNATURE_INVALID"
    assert caught.value.paths == ["X-Br-Signature" if transport == "http" else "requester_signature"]


def test_a_message_changed_after_signing_is_refused(
    raw_amqp: ReplyChannel, signer: RequestSigner, requester: str, target: Target
) -> None:
    signed = signer.sign_message(create_message(requester, target.url("/meant")))
    with pytest.raises(SignatureInvalidError):
        amqp_answer(raw_amqp, {**signed, "uri": target.url("/changed")})
    with pytest.raises(SignatureInvalidError):
        amqp_answer(raw_amqp, {**signed, "op": "create", "task_id": "slipped-in"})
    assert amqp_answer(raw_amqp, signed)["task"]["target"]["uri"] == target.url("/meant")  # the original is fine


def test_a_rest_request_changed_after_signing_is_refused(
    sidecar: Sidecar, signer: RequestSigner, requester: str, target: Target
) -> None:
    body = encode_json(create_message(requester, target.url("/meant")))
    headers = signer.sign_http("POST", "/v1/tasks", body)
    with pytest.raises(SignatureInvalidError) as caught:
        http_answer(sidecar, "POST", "/v1/tasks", headers, body.replace(b"/meant", b"/other"))
    assert caught.value.status == 401
    listed = signer.sign_http("GET", "/v1/tasks?limit=1")
    with pytest.raises(SignatureInvalidError):
        http_answer(sidecar, "GET", "/v1/tasks?limit=2", listed)
    with pytest.raises(SignatureInvalidError):  # another method, same target and (empty) body
        http_answer(sidecar, "POST", "/v1/tasks?limit=1", listed)
    assert http_answer(sidecar, "POST", "/v1/tasks", headers, body)["target"]["uri"] == target.url("/meant")


def test_a_replayed_request_is_refused_on_every_channel(
    raw_amqp: ReplyChannel, sidecar: Sidecar, signer: RequestSigner
) -> None:
    signed = signer.sign_message({"op": "list"})
    assert amqp_answer(raw_amqp, signed)["tasks"] == []
    with pytest.raises(RequestReplayedError) as again:
        amqp_answer(raw_amqp, signed)
    assert again.value.code == "REQUEST_REPLAYED"

    headers = signer.sign_http("GET", "/v1/tasks")
    assert http_answer(sidecar, "GET", "/v1/tasks", headers)["tasks"] == []
    with pytest.raises(RequestReplayedError) as replayed:
        http_answer(sidecar, "GET", "/v1/tasks", headers)
    assert replayed.value.status == 401
    # A nonce spent over AMQP is spent over REST too.
    reused = signer.sign_http("GET", "/v1/tasks", nonce=signed["nonce"])
    with pytest.raises(RequestReplayedError):
        http_answer(sidecar, "GET", "/v1/tasks", reused)


@pytest.mark.parametrize("sign", [-1, 1], ids=["ten minutes old", "ten minutes ahead"])
def test_a_request_outside_the_window_is_refused(
    sign: int, raw_amqp: ReplyChannel, sidecar: Sidecar, signer: RequestSigner
) -> None:
    with pytest.raises(RequestExpiredError) as amqp:
        amqp_answer(raw_amqp, signer.sign_message({"op": "list"}, timestamp=ten_minutes(sign)))
    assert amqp.value.code == "REQUEST_EXPIRED"
    headers = signer.sign_http("GET", "/v1/tasks", timestamp=ten_minutes(sign))
    with pytest.raises(RequestExpiredError) as http:
        http_answer(sidecar, "GET", "/v1/tasks", headers)
    assert http.value.status == 401


def test_a_requester_sees_only_its_own_tasks(
    sidecar: Sidecar, keyring: KeyRing, requester: str, target: Target
) -> None:
    owner = keyring.take()
    with (
        make_client(sidecar, keyring, owner, "amqp") as mine,
        make_client(sidecar, keyring, requester, "amqp") as other,
    ):
        task = mine.create(target.url("/mine"), SCHEDULE)
        for transport in TRANSPORTS:
            for op in ("get", "cancel", "pause", "resume", "trigger", "runs"):
                with pytest.raises(TaskNotFoundError) as caught:
                    other.request({"op": op, "task_id": task.id}, transport=transport)
                assert caught.value.code == "TASK_NOT_FOUND", (op, transport)
                with pytest.raises(TaskNotFoundError):  # naming the owner changes nothing
                    other.request({"op": op, "task_id": task.id, "requester_id": owner}, transport="http")
            with pytest.raises(TaskNotFoundError):
                other.request({"op": "update", "task_id": task.id, "uri": target.url("/theirs")}, transport=transport)
            assert task.id not in [t.id for t in other.request({"op": "list"}, transport=transport)["tasks"]]
        # Over REST the query names whose tasks: another's are an empty page.
        assert other.request({"op": "list", "requester_id": owner}, transport="http")["tasks"] == []
        # Over AMQP a signed message names its signer: the client will not sign one naming another.
        with pytest.raises(InvalidArgumentError) as named:
            other.request({"op": "list", "requester_id": owner}, transport="amqp")
        assert named.value.paths == ["requester_id"]
        # Creating for another requester: forbidden (REST); not signable (AMQP).
        with pytest.raises(ForbiddenError) as forbidden:
            other.task(target.url("/for-them"), SCHEDULE, requester_id=owner, transport="http")
        assert forbidden.value.code == "FORBIDDEN" and forbidden.value.status == 403
        with pytest.raises(InvalidArgumentError):
            other.task(target.url("/for-them"), SCHEDULE, requester_id=owner, transport="amqp")
        # Nothing the other requester tried touched the task.
        after = mine.get(task.id)
        assert (after.status, after.fire_count, after.target["uri"]) == ("active", 0, target.url("/mine"))
        assert [t.id for t in mine.list().tasks] == [task.id]
        mine.cancel(task.id)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_cloud_metadata_target_is_forbidden(transport: Transport, amqp_client: Client) -> None:
    with pytest.raises(TargetForbiddenError) as caught:
        amqp_client.task("http://169.254.169.254/latest/meta-data/", SCHEDULE, transport=transport)
    assert caught.value.code == "TARGET_FORBIDDEN" and isinstance(caught.value, ForbiddenError)


# -- results ---------------------------------------------------------------------------------


def test_a_real_result_verifies_with_the_key_the_scheduler_publishes(
    amqp_client: Client, results: Results, keyring: KeyRing, sidecar: Sidecar, target: Target
) -> None:
    with urllib.request.urlopen(sidecar.url + "/v1/keys/scheduler", timeout=15) as response:
        published = json.loads(response.read())
    assert published["algorithm"] == "ed25519"
    assert published["public_key"] == keyring.scheduler_key.public_key_raw()
    fetched = amqp_client.fetch_scheduler_key()
    assert fetched == keyring.scheduler_key  # the key handed out of band (the one the sidecar signs with)

    task = amqp_client.create(target.url("/verified"), SCHEDULE)
    run_id = amqp_client.trigger(task.id)
    result = results.wait_for(task.id)
    assert result.run_id == run_id and result.scheduler_signature
    message = result.to_dict()  # every field as received
    assert fetched.verify_result(message)
    assert not fetched.verify_result({**message, "http_status": 500})
    amqp_client.cancel(task.id)


def test_a_result_that_does_not_verify_is_refused_and_never_delivered(
    amqp_client: Client, keyring: KeyRing, sidecar: Sidecar, requester: str, target: Target
) -> None:
    delivered = Results()
    errors: list[tuple[BaseException, TaskResult | None]] = []
    consumer = amqp_client.register_task_result_consumer(
        delivered, on_error=lambda error, result: errors.append((error, result)), timeout=15
    )
    try:
        task = amqp_client.create(target.url("/to-forge"), SCHEDULE)
        amqp_client.trigger(task.id)
        real = delivered.wait_for(task.id).to_dict()
        forger = Ed25519Signer.generate("forger")
        resigned = {**real, "run_id": str(uuid.uuid4()), "content": "forged, signed by another key"}
        resigned["scheduler_signature"] = forger.sign(
            message_signing_input(RESULT_CONTEXT, resigned, "scheduler_signature")
        )
        forgeries = [
            {**real, "run_id": str(uuid.uuid4()), "status": "failed", "content": "forged"},  # changed in transit
            {**real, "run_id": str(uuid.uuid4()), "scheduler_signature": None},  # unsigned
            {**real, "run_id": str(uuid.uuid4()), "scheduler_signature": "bm90IGEgc2lnbmF0dXJl"},  # not a signature
            resigned,  # well formed, by someone else
            {**real, "run_id": str(uuid.uuid4()), "parameters": nested(900)},  # too deep to check: refused too
        ]
        connection = pika.BlockingConnection(pika.URLParameters(sidecar.amqp_url))
        try:
            channel = connection.channel()
            for forged in forgeries:  # to the requester's routing key, where real results go
                channel.basic_publish(
                    sidecar.result_exchange,
                    requester,
                    json.dumps(forged).encode(),
                    pika.BasicProperties(content_type="application/json", delivery_mode=2),
                )
        finally:
            connection.close()
        dead = f"br.schedule.results.{requester}.dead"
        wait_until(lambda: queue_depth(dead) == len(forgeries))  # rejected at once, not redelivered
        assert len(errors) == len(forgeries)
        refused_runs = []
        for error, result in errors:
            assert isinstance(error, SignatureInvalidError) and error.code == "SIGNATURE_INVALID"
            assert error.paths == ["scheduler_signature"] and result is None
            assert error.unverified is not None
            refused_runs.append(error.unverified["run_id"])
        assert sorted(refused_runs) == sorted(forged["run_id"] for forged in forgeries)
        assert delivered.received.empty()  # none reached the callback

        # The consumer carries on: the next real result is delivered, and no forgery came back.
        run_id = amqp_client.trigger(task.id)
        assert delivered.wait_for(task.id).run_id == run_id
        assert len(errors) == len(forgeries) and queue_depth(dead) == len(forgeries)
        amqp_client.cancel(task.id)
    finally:
        consumer.stop()


def test_the_same_forgery_reaches_a_consumer_that_checks_nothing(
    sidecar: Sidecar, keyring: KeyRing, requester: str
) -> None:
    """The control for the test above: without the scheduler's key a consumer cannot tell."""
    unchecked = Results()
    client = make_client(sidecar, keyring, requester, "amqp", scheduler_key=None)
    assert client.scheduler_key is None
    consumer = client.register_task_result_consumer(unchecked, timeout=15)
    try:
        forged = {
            "task_id": "forged-task",
            "requester_id": requester,
            "run_id": str(uuid.uuid4()),
            "trigger": "manual",
            "scheduled_at": "2026-11-22T10:00:00Z",
            "fired_at": "2026-11-22T10:00:00Z",
            "finished_at": "2026-11-22T10:00:00Z",
            "attempts": 1,
            "status": "success",
            "http_status": 200,
            "content": "forged",
            "truncated": False,
            "error": None,
            "uri": "http://127.0.0.1:9/x",
            "method": "GET",
            "parameters": None,
            "scheduler_signature": None,
        }
        connection = pika.BlockingConnection(pika.URLParameters(sidecar.amqp_url))
        try:
            connection.channel().basic_publish(sidecar.result_exchange, requester, json.dumps(forged).encode())
        finally:
            connection.close()
        assert unchecked.wait_for("forged-task").content == "forged"
    finally:
        client.close()


# -- with signing off ------------------------------------------------------------------------


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_with_signing_off_unsigned_and_signed_clients_both_work(
    transport: Transport, open_sidecar: Sidecar, keyring: KeyRing, target: Target
) -> None:
    unsigned_requester = str(uuid.uuid4())
    signed_requester = keyring.take()
    for requester in (unsigned_requester, signed_requester):
        track_result_queue(requester)
    with make_client(open_sidecar, None, unsigned_requester, transport) as unsigned:
        key = unsigned.fetch_scheduler_key()  # trust on first use: this sidecar made its own key
        assert key != keyring.scheduler_key
        received = Results()
        unsigned.register_task_result_consumer(received, scheduler_key=key, timeout=15)
        task = unsigned.create(target.url(f"/open-{transport}"), SCHEDULE, requester_signature="unsigned")
        run_id = unsigned.trigger(task.id)
        assert received.wait_for(task.id).run_id == run_id  # results are signed even with requests unsigned
        assert unsigned.cancel(task.id).status == "cancelled"
    with make_client(open_sidecar, keyring, signed_requester, transport, scheduler_key=key) as signed:
        task = signed.create(target.url(f"/open-signed-{transport}"), SCHEDULE)
        assert signed.get(task.id).requester_id == signed_requester
        assert signed.cancel(task.id).status == "cancelled"


def test_a_message_too_large_is_refused(amqp_client: Client, target: Target) -> None:
    # Over AMQP only: over REST the sidecar answers 413 as soon as the body passes its limit and
    # closes, so a client still sending a much larger body may see a broken pipe (TransportError).
    with pytest.raises(ScheduleError) as caught:
        amqp_client.task(target.url("/huge"), SCHEDULE, parameters={"blob": "x" * 1_100_000})
    assert caught.value.code == "MESSAGE_TOO_LARGE" and isinstance(caught.value, MalformedMessageError)
