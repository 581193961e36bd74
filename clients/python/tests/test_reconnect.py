"""When the broker drops the client's connections, requests and results carry on over new ones."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from support import Results, Target

from br_sdk.schedule import Client, cron


def close_connections_of(requester_id: str) -> int:
    """Has the broker close every connection whose client-provided name holds ``requester_id``."""
    listed = subprocess.run(
        ["rabbitmqctl", "-q", "--no-table-headers", "list_connections", "pid", "client_properties"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    pids = [line.split("\t", 1)[0] for line in listed.splitlines() if requester_id in line]
    for pid in pids:
        subprocess.run(
            ["rabbitmqctl", "-q", "close_connection", pid, "pytest: closed on purpose"],
            capture_output=True,
            timeout=60,
            check=True,
        )
    return len(pids)


@pytest.mark.skipif(shutil.which("rabbitmqctl") is None, reason="needs rabbitmqctl to close connections")
def test_requests_and_results_survive_a_dropped_connection(
    amqp_client: Client, results: Results, target: Target
) -> None:
    task = amqp_client.create(target.url("/reconnect"), cron("0 3 * * *"))  # opens the request connection
    assert close_connections_of(str(amqp_client.requester_id)) == 2  # requests and results

    run_id = amqp_client.trigger(task.id)  # published again on a new connection
    assert results.wait_for(task.id, timeout=30).run_id == run_id  # the consumer reconnected
    assert amqp_client.cancel(task.id).status == "cancelled"
