"""examples/python-pod runs against the real sidecar: schedules the four calendars and a one-shot, gets its result."""

from __future__ import annotations

import os
import subprocess
import sys

from support import REPO, KeyRing, Sidecar

from br_sdk.schedule import Client

EXAMPLE = REPO / "examples" / "python-pod" / "main.py"


def test_the_python_pod_example_runs_once(sidecar: Sidecar, keyring: KeyRing, requester: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BR_SCHEDULE_")}
    env.update(
        BR_SCHEDULE_AMQP_URL=sidecar.amqp_url,
        BR_SCHEDULE_REQUESTER_ID=requester,
        BR_SCHEDULE_REQUEST_QUEUE=sidecar.request_queue,
        BR_SCHEDULE_RESULT_EXCHANGE=sidecar.result_exchange,
        # Signing set up from the environment alone: the example's code knows nothing of it.
        BR_SCHEDULE_REQUESTER_KEY=str(keyring.private_key_file(requester)),
        BR_SCHEDULE_SCHEDULER_KEY=keyring.scheduler_key.public_key_raw(),
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.pop("PYTHONPATH", None)  # the example finds the package in the checkout by itself
    done = subprocess.run(
        [sys.executable, str(EXAMPLE), "--once", "--timeout", "20"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    for name in ("every 10 days and 3 hours", "Thursdays 17:00", "Saturdays 04:00", "the 3rd of each month at 15:00"):
        assert any(line.startswith(f"{name}: task ") for line in lines), done.stdout
    assert 'called: POST /report {"calendar":"once"}' in lines
    assert any(line.startswith("result: task ") and " success " in line for line in lines), done.stdout
    # It cancelled the calendars it scheduled; the one-shot completed.
    with Client(http_url=sidecar.url, signer=keyring.signer(requester)) as client:
        statuses = sorted(task.status for task in client.list().tasks)
    assert statuses == ["cancelled"] * 4 + ["completed"]
