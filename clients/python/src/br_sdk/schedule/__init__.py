"""br_sdk.schedule: hand tasks to the br-sdk scheduler sidecar from Python, over AMQP or HTTP.

::

    from br_sdk import schedule
    from br_sdk.schedule import every, monthly, union, weekly

    task_id = schedule.task(
        "http://billing.internal/report", union(weekly("THU", "17:00"), monthly(3, "15:00")).in_("Asia/Tehran"),
        parameters={"team": "ops"}, method="POST",
    )
    schedule.register_task_result_consumer(lambda result: print(result["status"], result["content"]))

Signing: ``Client(..., signer=Ed25519Signer.from_file("key.pem", requester_id),
scheduler_key=SchedulerKey.from_pem(...))`` or the BR_SCHEDULE_REQUESTER_KEY /
BR_SCHEDULE_HMAC_SECRET / BR_SCHEDULE_SCHEDULER_KEY variables (see :mod:`br_sdk.schedule.signing`).
"""

from .client import DEFAULT_REQUEST_QUEUE, DEFAULT_RESULT_EXCHANGE, Client, Transport
from .consumer import ResultConsumer, result_queue_name
from .default import (
    cancel,
    default_client,
    get,
    list,
    pause,
    preview,
    register_task_result_consumer,
    resume,
    runs,
    set_default_client,
    task,
    task_request_publisher,
    trigger,
)
from .dsl import (
    ScheduleBuilder,
    at,
    between,
    cron,
    crontab,
    daily,
    every,
    monthly,
    schedule_input,
    union,
    weekly,
)
from .errors import (
    AuthenticationError,
    ConfigurationError,
    ForbiddenError,
    InvalidArgumentError,
    InvalidRequestError,
    InvalidScheduleError,
    Issue,
    MalformedMessageError,
    RateLimitedError,
    RequestExpiredError,
    RequestReplayedError,
    RequestTimeoutError,
    ScheduleError,
    SignatureInvalidError,
    TargetForbiddenError,
    TaskConflictError,
    TaskNotFoundError,
    TransportError,
    UnavailableError,
    error_from_problem,
    error_from_reply,
)
from .models import RunPage, RunResult, Task, TaskPage, TaskResult
from .publisher import PendingTask, RequestPublisher
from .signing import Ed25519Signer, HmacSigner, RequestSigner, SchedulerKey, canonical_json

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_REQUEST_QUEUE",
    "DEFAULT_RESULT_EXCHANGE",
    "AuthenticationError",
    "Client",
    "ConfigurationError",
    "Ed25519Signer",
    "ForbiddenError",
    "HmacSigner",
    "InvalidArgumentError",
    "InvalidRequestError",
    "InvalidScheduleError",
    "Issue",
    "MalformedMessageError",
    "PendingTask",
    "RateLimitedError",
    "RequestExpiredError",
    "RequestPublisher",
    "RequestReplayedError",
    "RequestSigner",
    "RequestTimeoutError",
    "ResultConsumer",
    "RunPage",
    "RunResult",
    "ScheduleBuilder",
    "ScheduleError",
    "SchedulerKey",
    "SignatureInvalidError",
    "TargetForbiddenError",
    "Task",
    "TaskConflictError",
    "TaskNotFoundError",
    "TaskPage",
    "TaskResult",
    "Transport",
    "TransportError",
    "UnavailableError",
    "at",
    "between",
    "canonical_json",
    "cancel",
    "cron",
    "crontab",
    "daily",
    "default_client",
    "error_from_problem",
    "error_from_reply",
    "every",
    "get",
    "list",
    "monthly",
    "pause",
    "preview",
    "register_task_result_consumer",
    "result_queue_name",
    "resume",
    "runs",
    "schedule_input",
    "set_default_client",
    "task",
    "task_request_publisher",
    "trigger",
    "union",
    "weekly",
]
