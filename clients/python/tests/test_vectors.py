"""The cross-language vectors of spec/vectors: schedules, results, error replies, requests."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from conftest import make_client
from support import KeyRing, Sidecar, vectors

from br_sdk.schedule import (
    Client,
    InvalidArgumentError,
    InvalidScheduleError,
    MalformedMessageError,
    ScheduleBuilder,
    ScheduleError,
    TaskNotFoundError,
    TaskResult,
    Transport,
    at,
    between,
    crontab,
    error_from_problem,
    error_from_reply,
    every,
    monthly,
    union,
    weekly,
)
from br_sdk.schedule.amqp_channel import ReplyChannel

SCHEDULES = vectors("schedules.json")
RESULTS = vectors("results.json")
REPLIES = vectors("replies.json")
REQUESTS = vectors("requests.json")
UTC = dt.timezone.utc


def the_four() -> list[dict[str, Any]]:
    return [
        every("P10DT3H", from_="2026-11-01T00:00:00"),
        weekly("THU", "17:00"),
        weekly("SAT", "04:00"),
        monthly(3, "15:00"),
    ]


BUILDS: dict[str, Callable[[], ScheduleBuilder]] = {
    "every 10 days and 3 hours": lambda: union(every(dt.timedelta(days=10, hours=3), from_=dt.datetime(2026, 11, 1)))
    .in_("Asia/Tehran"),
    "Thursdays 17:00": lambda: union(weekly("THU", "17:00")).in_("Asia/Tehran"),
    "Saturdays 04:00": lambda: union(weekly("sat", dt.time(4, 0))).in_("Asia/Tehran"),
    "the 3rd of each month at 15:00": lambda: union(monthly(3, "15:00")).in_("Asia/Tehran"),
    "the union of the four, without the new-year week, until 2028": lambda: union(*the_four())
    .except_(between(dt.datetime(2026, 12, 28), "2027-01-04T00:00:00"))
    .ending_before(dt.datetime(2028, 1, 1, tzinfo=UTC))
    .in_("Asia/Tehran"),
    "a crontab in the contract's object form": lambda: union(crontab(minute=0, hour=15, day_of_month=3)),
    "a one-shot a year ahead": lambda: union(at(dt.datetime(2027, 11, 22, 9, tzinfo=UTC))),
}


def names(cases: list[dict[str, Any]]) -> list[str]:
    return [case["name"] for case in cases]


def test_every_schedule_vector_has_a_python_build() -> None:
    assert sorted(BUILDS) == sorted(names(SCHEDULES["cases"]))


@pytest.mark.parametrize("case", SCHEDULES["cases"], ids=names(SCHEDULES["cases"]))
def test_schedule_vectors_build_exactly(case: dict[str, Any]) -> None:
    assert BUILDS[case["name"]]().to_json() == case["schedule"]


@pytest.mark.parametrize("transport", ["http", "amqp"])
def test_schedule_vectors_fire_as_the_vector_says(transport: Transport, amqp_client: Client) -> None:
    for case in SCHEDULES["cases"]:
        fires = amqp_client.request(
            {"op": "preview", "schedule": BUILDS[case["name"]]().to_json(), "from": SCHEDULES["from"], "count": 3},
            transport=transport,
        )["fires"]
        assert fires == case["fires"], case["name"]
    assert amqp_client.preview(BUILDS["Thursdays 17:00"](), from_=SCHEDULES["from"], count=1) == [
        "2026-11-26T13:30:00Z"
    ]


@pytest.mark.parametrize("case", RESULTS["cases"], ids=names(RESULTS["cases"]))
def test_result_vectors_parse_keeping_every_field(case: dict[str, Any]) -> None:
    message = case["message"]
    result = TaskResult.from_dict(message)
    assert result.to_dict() == message
    assert result.extra == {}
    for name, value in message.items():
        assert getattr(result, name) == value and result[name] == value
    assert result["status"] in {"success", "failed"}
    assert result["content"] is None or isinstance(result["content"], str)
    assert result.ok == (message["status"] == "success")
    assert {f.name for f in dataclasses.fields(result)} - {"extra"} == set(message)


def test_a_result_with_a_field_from_a_newer_server_keeps_it() -> None:
    message = {**RESULTS["cases"][0]["message"], "region": "eu"}
    result = TaskResult.from_dict(message)
    assert result["region"] == "eu" and result.to_dict() == message


EXPECTED_CLASS = {
    "SCHEDULE_INVALID": InvalidScheduleError,
    "INVALID_ARGUMENT": InvalidArgumentError,
    "TASK_NOT_FOUND": TaskNotFoundError,
    "MALFORMED_MESSAGE": MalformedMessageError,
}


@pytest.mark.parametrize("case", REPLIES["cases"], ids=names(REPLIES["cases"]))
def test_reply_vectors_become_exceptions(case: dict[str, Any]) -> None:
    reply = case["message"]
    body = reply["error"]
    expected = [(issue["path"], issue["message"]) for issue in body["issues"]]
    errors = [
        error_from_reply(reply),
        # REST sends the same code and issues in a problem document.
        error_from_problem({"status": 400, "code": body["code"], "detail": body["message"], "issues": body["issues"]}),
    ]
    for error in errors:
        assert type(error) is EXPECTED_CLASS[body["code"]] and isinstance(error, ScheduleError)
        assert error.code == body["code"] and error.issues == expected
        assert [(issue.path, issue.message) for issue in error.issues] == expected
        assert all(path in str(error) for path, _ in expected)
        assert body["message"] in str(error)
    assert errors[0].op == reply.get("op") and errors[0].request_id == reply.get("request_id")
    assert errors[1].status == 400


# Messages REST cannot carry (no route for them): the client refuses them itself, as the server would.
ANSWERED_LOCALLY_OVER_HTTP = {"an unknown operation", "get without task_id", "a message that is not an object"}
# A signed AMQP message names its signer in requester_id: the client refuses to sign one naming
# another requester (here not even a UUID), at requester_id, as the server refuses it over REST.
ANSWERED_LOCALLY_OVER_AMQP = {"a requester id that is not a UUID"}


@pytest.fixture
def vectors_client(sidecar: Sidecar, keyring: KeyRing) -> Any:
    """A client of the vectors' requester (spec/vectors/requests.json), signing with its public test key."""
    requester = REQUESTS["requester_id"]
    assert keyring.vectors_signer == requester
    with make_client(sidecar, keyring, requester, "amqp") as client:
        yield client


@pytest.mark.parametrize("transport", ["http", "amqp"])
@pytest.mark.parametrize("case", REQUESTS["cases"], ids=names(REQUESTS["cases"]))
def test_request_vectors_get_the_answer_the_vector_says(
    case: dict[str, Any], transport: Transport, vectors_client: Client
) -> None:
    amqp_client = vectors_client  # signed by the requester the vectors name
    expect = case["expect"]
    if expect["ok"]:
        reply = amqp_client.request(case["message"], transport=transport)
        assert reply["ok"] is True and reply["op"] == expect["op"]
        if "fires" in expect:
            assert reply["fires"] == expect["fires"]
        return
    with pytest.raises(ScheduleError) as caught:
        amqp_client.request(case["message"], transport=transport)
    error = caught.value
    assert error.code == expect["code"]
    assert sorted(error.paths) == sorted(expect["paths"])
    assert all(path in str(error) for path in expect["paths"])
    answered_locally = case["name"] in ANSWERED_LOCALLY_OVER_HTTP and transport == "http"
    if transport == "http" and not answered_locally:
        assert error.status is not None and error.status >= 400
    if not isinstance(case["message"], dict) and transport == "amqp":
        # The client refused it before sending; the server refuses it the same way.
        channel = ReplyChannel(amqp_client.amqp_url or "", amqp_client.request_queue)
        try:
            raw = channel.wait(channel.send(case["message"]), 15)
        finally:
            channel.close()
        server = error_from_reply(raw)
        assert (server.code, server.paths) == (expect["code"], expect["paths"])
