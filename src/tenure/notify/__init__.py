"""The notification outbox: email (SMTP), Slack incoming webhooks and plain webhooks.

Messages are stored first (:func:`enqueue`, in the caller's transaction) and sent later by
:func:`deliver_due` (at the end of a scoring run, or `tenure outbox send` from cron), with
retries and backoff, never twice and never lost. :func:`task_email` and :func:`task_slack`
say what a task's message says. See docs/notifications.md.
"""

from __future__ import annotations

from .messages import task_email, task_slack
from .outbox import (
    CHANNELS,
    STATUSES,
    DeliveryReport,
    backoff_delay,
    deliver_due,
    enqueue,
    enqueue_message,
    list_notifications,
    retry_failed,
)
from .transports import DeliveryFailure

__all__ = [
    "CHANNELS", "STATUSES", "DeliveryFailure", "DeliveryReport", "backoff_delay",
    "deliver_due", "enqueue", "enqueue_message", "list_notifications", "retry_failed",
    "task_email", "task_slack",
]
