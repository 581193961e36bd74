"""End to end against the real sidecar and RabbitMQ: schedule, get called, receive the result, manage."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from support import Results, Target, queue_depth, wait_until

from br_sdk.schedule import (
    Client,
    InvalidArgumentError,
    InvalidScheduleError,
    TaskNotFoundError,
    TaskResult,
    Transport,
    at,
    cron,
    union,
)


def soon(seconds: float = 2.0) -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=seconds)


def test_amqp_task_calls_the_target_and_its_result_arrives(
    amqp_client: Client, results: Results, target: Target, requester: str
) -> None:
    # The contract's fields, with an `at` 2 s ahead as the full schedule object.
    task_id = amqp_client.task(
        uri=target.url("/amqp-report"),
        parameters={"team": "ops", "n": 3},
        method="POST",
        schedule={"rules": [at(soon())]},
        requester_signature="unsigned",
    )
    call = target.wait_for(lambda c: c.path == "/amqp-report")
    assert call.method == "POST"
    assert json.loads(call.body) == {"team": "ops", "n": 3}

    result = results.wait_for(task_id)
    assert isinstance(result, TaskResult)
    assert result["status"] == "success" and result.ok
    assert result["content"] == json.dumps({"received": "/amqp-report", "method": "POST"})
    assert (result.requester_id, result.uri, result.method) == (requester, target.url("/amqp-report"), "POST")
    assert result.parameters == {"team": "ops", "n": 3}
    assert result.trigger == "schedule" and result.http_status == 200

    task = amqp_client.get(task_id)
    assert task.status == "completed" and task.fire_count == 1
    assert task.last_run is not None and task.last_run.run_id == result.run_id
    assert task_id in [t.id for t in amqp_client.list().tasks]


def test_http_task_with_a_six_field_cron_then_cancel(
    http_client: Client, results: Results, target: Target
) -> None:
    # The contract's own shape: parameters as a JSON string; GET puts them in the query string.
    task_id = http_client.task(
        target.url("/http-ping"), cron("*/2 * * * * *"), parameters='{"probe": "yes"}', method="get"
    )
    call = target.wait_for(lambda c: c.path == "/http-ping")
    assert call.method == "GET" and call.query == {"probe": ["yes"]}

    result = results.wait_for(task_id)
    assert result["status"] == "success" and result.parameters == '{"probe": "yes"}'

    cancelled = http_client.cancel(task_id)
    assert cancelled.status == "cancelled" and cancelled.next_fires == []
    assert http_client.get(task_id).status == "cancelled"
    assert [t.id for t in http_client.list(status="cancelled").tasks] == [task_id]


@pytest.mark.parametrize("transport", ["amqp", "http"])
def test_contract_crontab_list_pause_resume_trigger(
    transport: Transport, amqp_client: Client, results: Results, target: Target
) -> None:
    path = f"/contract-{transport}"
    task = amqp_client.create(
        target.url(path),
        [{"minute": "0", "hour": "4", "day_of_week": "SAT"}],
        parameters=json.dumps({"team": "ops", "format": "pdf"}),
        method="POST",
        transport=transport,
    )
    assert task.status == "active" and task.schedule == {
        "timezone": "UTC",
        "rules": [{"crontab": {"minute": "0", "hour": "4", "day_of_week": "SAT"}}],
    }
    assert task.next_fire_at is not None and len(task.next_fires) == 5

    assert amqp_client.pause(task.id).status == "paused"
    assert amqp_client.resume(task.id).status == "active"
    run_id = amqp_client.trigger(task.id)
    result = results.wait_for(task.id)
    assert (result.run_id, result.trigger, result.status) == (run_id, "manual", "success")
    assert json.loads(target.wait_for(lambda c: c.path == path).body) == {"team": "ops", "format": "pdf"}
    runs = amqp_client.runs(task.id)
    assert [run.run_id for run in runs.runs] == [run_id] and runs.next_cursor is None
    assert amqp_client.cancel(task.id).status == "cancelled"


@pytest.mark.parametrize("transport", ["amqp", "http"])
def test_bad_input_names_the_field(transport: Transport, amqp_client: Client, target: Target) -> None:
    with pytest.raises(InvalidScheduleError) as caught:
        amqp_client.task(target.url("/x"), [{"minute": "61"}], transport=transport)
    error = caught.value
    assert error.code == "SCHEDULE_INVALID" and error.paths == ["schedule[0].minute"]
    assert "schedule[0].minute" in str(error)
    assert error.status == (400 if transport == "http" else None)

    with pytest.raises(InvalidArgumentError) as caught_uri:
        amqp_client.task("ftp://files.example/x", cron("0 * * * *"), transport=transport)
    assert caught_uri.value.paths == ["uri"] and "uri" in str(caught_uri.value)

    with pytest.raises(TaskNotFoundError) as missing:
        amqp_client.request({"op": "get", "task_id": "no-such-task"}, transport=transport)
    assert missing.value.code == "TASK_NOT_FOUND"


def test_publisher_confirms_and_yields_task_ids(amqp_client: Client, target: Target) -> None:
    with amqp_client.task_request_publisher() as publisher:
        pending = [
            publisher.publish(target.url(f"/many/{n}"), cron("0 3 * * *"), parameters={"n": n}) for n in range(5)
        ]
        first = pending[0].task_id(timeout=15)
        ids = publisher.wait_all(timeout=15)
        assert ids[0] == first and len(set(ids)) == 5
        # The same message id again finds the task it made instead of making another.
        again = publisher.publish(
            target.url("/many/0"), cron("0 3 * * *"), parameters={"n": 0}, message_id=pending[0].message_id
        )
        assert again.task_id(timeout=15) == first
    for task_id in ids:
        amqp_client.cancel(task_id)


def test_results_wait_in_the_durable_queue_while_no_consumer_runs(
    amqp_client: Client, target: Target
) -> None:
    first = Results()
    amqp_client.register_task_result_consumer(first, timeout=15).stop()  # declares and binds the queue
    task_id = amqp_client.task(target.url("/while-down"), union(at(soon(1))))
    target.wait_for(lambda c: c.path == "/while-down")
    queue = f"br.schedule.results.{amqp_client.requester_id}"
    wait_until(lambda: queue_depth(queue) == 1)
    second = Results()
    consumer = amqp_client.register_task_result_consumer(second, timeout=15)
    try:
        assert second.wait_for(task_id).status == "success"
    finally:
        consumer.stop()


def test_a_failing_callback_gets_the_result_again_then_dead_letters_it(
    amqp_client: Client, target: Target
) -> None:
    attempts: list[str] = []
    errors: list[BaseException] = []

    def callback(result: TaskResult) -> None:
        attempts.append(result.run_id)
        raise RuntimeError("cannot handle it")

    consumer = amqp_client.register_task_result_consumer(
        callback, on_error=lambda error, _result: errors.append(error), timeout=15
    )
    try:
        task = amqp_client.create(target.url("/poison"), cron("0 3 * * *"))
        amqp_client.trigger(task.id)
        dead = f"br.schedule.results.{amqp_client.requester_id}.dead"
        wait_until(lambda: queue_depth(dead) == 1)
        assert len(attempts) == 2 and attempts[0] == attempts[1]
        assert [str(e) for e in errors] == ["cannot handle it"] * 2
        amqp_client.cancel(task.id)
    finally:
        consumer.stop()
