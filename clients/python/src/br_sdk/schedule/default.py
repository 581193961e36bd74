"""Module-level calls on a default client configured from the environment (see :meth:`Client.from_env`)."""

from __future__ import annotations

import builtins
import threading
from typing import Any

from .client import Client
from .consumer import ResultCallback, ResultConsumer
from .dsl import ScheduleLike
from .models import RunPage, Task, TaskPage
from .publisher import RequestPublisher

_lock = threading.Lock()
_client: Client | None = None


def default_client() -> Client:
    """The default client, made from the environment on first use."""
    global _client
    with _lock:
        if _client is None:
            _client = Client.from_env()
        return _client


def set_default_client(client: Client | None) -> None:
    """Replaces the default client (None: made again from the environment on next use); closes the old one."""
    global _client
    with _lock:
        old, _client = _client, client
    if old is not None and old is not client:
        old.close()


def task(uri: str, schedule: ScheduleLike, **fields: Any) -> str:
    """Schedules a call of ``uri``; returns the task id once acknowledged (see :meth:`Client.task`)."""
    return default_client().task(uri, schedule, **fields)


def task_request_publisher(**options: Any) -> RequestPublisher:
    """A publisher for many requests (see :meth:`Client.task_request_publisher`)."""
    return default_client().task_request_publisher(**options)


def register_task_result_consumer(callback: ResultCallback, **options: Any) -> ResultConsumer:
    """Calls ``callback(result)`` for each result of this requester (see :meth:`Client.register_task_result_consumer`)."""
    return default_client().register_task_result_consumer(callback, **options)


def get(task_id: str, **options: Any) -> Task:
    """The task (see :meth:`Client.get`)."""
    return default_client().get(task_id, **options)


def cancel(task_id: str, **options: Any) -> Task:
    """Stops the task for good (see :meth:`Client.cancel`)."""
    return default_client().cancel(task_id, **options)


def pause(task_id: str, **options: Any) -> Task:
    """Keeps the task without firing it (see :meth:`Client.pause`)."""
    return default_client().pause(task_id, **options)


def resume(task_id: str, **options: Any) -> Task:
    """Fires a paused task again (see :meth:`Client.resume`)."""
    return default_client().resume(task_id, **options)


def trigger(task_id: str, **options: Any) -> str:
    """Runs the task once now; returns the run id (see :meth:`Client.trigger`)."""
    return default_client().trigger(task_id, **options)


def list(**options: Any) -> TaskPage:  # noqa: A001 - the name teams already use
    """A page of this requester's tasks (see :meth:`Client.list`)."""
    return default_client().list(**options)


def runs(task_id: str, **options: Any) -> RunPage:
    """A page of the task's runs (see :meth:`Client.runs`)."""
    return default_client().runs(task_id, **options)


def preview(schedule: ScheduleLike, **options: Any) -> builtins.list[str]:
    """The next fires of ``schedule`` (see :meth:`Client.preview`)."""
    return default_client().preview(schedule, **options)
