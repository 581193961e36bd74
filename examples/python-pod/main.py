#!/usr/bin/env python3
"""A Python pod beside the br-schedule sidecar.

It serves its own endpoint (``POST /report``), asks the scheduler to call it on the four example
calendars, and prints each run's result as it arrives over AMQP. ``--once`` also schedules a
one-shot two seconds ahead, waits for that call and its result, cancels what it scheduled and exits
(0 when the run succeeded).

    SCHEDULER_AMQP_URL=amqp://guest:guest@127.0.0.1:5672 ./scripts/start   # the sidecar, in another shell
    /usr/bin/python3 examples/python-pod/main.py [--once]

Configuration: BR_SCHEDULE_AMQP_URL (default amqp://guest:guest@127.0.0.1:5672),
BR_SCHEDULE_REQUESTER_ID, BR_SCHEDULE_REQUEST_QUEUE, BR_SCHEDULE_RESULT_EXCHANGE (see
docs/clients/python.md); --listen HOST:PORT for the pod's endpoint. ``./scripts/start`` runs the
sidecar on loopback without request signing; against a sidecar that requires it, also set
BR_SCHEDULE_REQUESTER_KEY (the requester's private key) and BR_SCHEDULE_SCHEDULER_KEY (the
scheduler's public key) as docs/security.md describes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import queue
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

try:
    from br_sdk import schedule
except ImportError:  # run from a checkout without installing: use the package next door
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "clients" / "python" / "src"))
    from br_sdk import schedule

from br_sdk.schedule import TaskConflictError, TaskResult, at, every, monthly, union, weekly

EXAMPLE_REQUESTER = "5a1e9c3b-7d2f-4e8a-9b6c-1f0d2e3a4b5c"
TEHRAN = "Asia/Tehran"

# The four example calendars, each as its own task.
CALENDARS = {
    "every 10 days and 3 hours": union(every("P10DT3H", from_="2026-11-01T00:00:00")).in_(TEHRAN),
    "Thursdays 17:00": union(weekly("THU", "17:00")).in_(TEHRAN),
    "Saturdays 04:00": union(weekly("SAT", "04:00")).in_(TEHRAN),
    "the 3rd of each month at 15:00": union(monthly(3, "15:00")).in_(TEHRAN),
}


def serve_endpoint(listen: str) -> tuple[ThreadingHTTPServer, str]:
    """The pod's own endpoint, which the scheduler calls: logs each call and answers 200."""
    host, _, port = listen.rpartition(":")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0)).decode()
            print(f"called: {self.command} {self.path} {body}", flush=True)
            answer = json.dumps({"done": json.loads(body or "{}").get("calendar")}).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer((host or "127.0.0.1", int(port)), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://{host or '127.0.0.1'}:{server.server_address[1]}/report"


def schedule_calendars(client: schedule.Client, endpoint: str, *, key: str) -> list[str]:
    """Schedules the four calendars; ``key`` makes the message ids, so running again is idempotent."""
    ids = []
    for name, calendar in CALENDARS.items():
        try:
            task = client.create(endpoint, calendar, method="POST", parameters={"calendar": name}, message_id=f"{key}:{name}")
        except TaskConflictError:
            print(f"{name}: scheduled before with other fields; keeping that task", flush=True)
            continue
        ids.append(task.id)
        print(f"{name}: task {task.id}, next fires {', '.join(task.next_fires[:3])}", flush=True)
    return ids


def print_result(result: TaskResult) -> None:
    print(f"result: task {result.task_id} {result['status']} at {result.scheduled_at}: {result['content']}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--once", action="store_true", help="schedule a one-shot 2 s ahead, wait for its result, exit")
    parser.add_argument("--listen", default=None, help="HOST:PORT of the pod's endpoint (default 127.0.0.1:8091; --once: any free port)")
    parser.add_argument("--timeout", type=float, default=30.0, help="--once: seconds to wait for the result")
    args = parser.parse_args(argv)

    os.environ.setdefault("BR_SCHEDULE_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672")
    os.environ.setdefault("BR_SCHEDULE_REQUESTER_ID", EXAMPLE_REQUESTER)
    client = schedule.Client.from_env()
    server, endpoint = serve_endpoint(args.listen or ("127.0.0.1:0" if args.once else "127.0.0.1:8091"))
    received: queue.Queue[TaskResult] = queue.Queue()

    def on_result(result: TaskResult) -> None:
        print_result(result)
        received.put(result)

    consumer = client.register_task_result_consumer(on_result)
    try:
        if not args.once:
            schedule_calendars(client, endpoint, key="python-pod-v1")
            print("waiting for results (Ctrl-C to stop)", flush=True)
            threading.Event().wait()
        run = uuid.uuid4().hex
        calendar_ids = schedule_calendars(client, endpoint, key=f"python-pod-once-{run}")
        soon = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=2)
        one_shot = client.task(endpoint, union(at(soon)), method="POST", parameters={"calendar": "once"})
        print(f"one-shot: task {one_shot} at {soon.isoformat()}", flush=True)
        deadline = dt.datetime.now() + dt.timedelta(seconds=args.timeout)
        while True:
            remaining = (deadline - dt.datetime.now()).total_seconds()
            if remaining <= 0:
                print(f"no result for {one_shot} within {args.timeout:g} s", file=sys.stderr)
                return 1
            try:
                result = received.get(timeout=remaining)
            except queue.Empty:
                continue
            if result.task_id == one_shot:
                break
        for task_id in calendar_ids:
            client.cancel(task_id)
        return 0 if result.ok else 1
    except KeyboardInterrupt:
        return 0
    finally:
        consumer.stop()
        client.close()
        server.shutdown()


if __name__ == "__main__":
    sys.exit(main())
