"""
Celery tasks: thin adapters that take primary keys, call one service, and own the retries.

A task may run twice (a redelivery after a lost acknowledgement, the sweep queueing a row whose
task was only slow): the fan-outs write an event's or a case's rows under a marker that makes a
second run write nothing, and sending claims each outbox row under a lock and skips rows already
sent, so a second run sends nothing.
"""

from celery import shared_task
from django.conf import settings
from django.db import OperationalError

from . import services


def _retry_if_needed(task, result: services.DeliveryResult, **retry_kwargs):
    if result.retry and result.retry_in is not None:
        # The per-row attempt counter decides when to stop (the row is then marked failed);
        # max_retries is only a safety net. Past it, the rows stay pending and the sweep queues
        # them again when they are due (a long mail outage outlasts any task's retries).
        if task.request.retries >= task.max_retries:
            return
        raise task.retry(countdown=result.retry_in, **retry_kwargs)


# A database that refuses the fan-out for a moment (a lock, a restart) is tried again soon; past
# the retries the sweep writes the alerts, since the event still has no fan-out marker.
@shared_task(acks_late=True, autoretry_for=(OperationalError,), max_retries=3, retry_backoff=True)
def event_alerts_fan_out(event_id: int, actor_id: int | None) -> bool:
    """Write the outbox of one recorded event and queue its sending; published after the event's commit.

    Off the web request, so that a change costs its request the same whatever the number of
    followers. A second run (a redelivery, or the sweep got there first) writes nothing."""
    return services.event_alerts_queue(event_id=event_id, actor_id=actor_id)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), max_retries=3, retry_backoff=True)
def case_alerts_fan_out(case_id: int, actor_id: int | None) -> bool:
    """Write the outbox of one new case (its saved-search matches) and queue its sending; as above."""
    return services.case_alerts_queue(case_id=case_id, actor_id=actor_id)


@shared_task(bind=True, max_retries=settings.ALERTS_MAX_ATTEMPTS * 2, acks_late=True)
def event_alerts_send(self, event_id: int) -> int:
    """Email the followers of one new event; queued once per event after its transaction commits."""
    result = services.event_alerts_deliver(event_id=event_id)
    _retry_if_needed(self, result)
    return len(result.sent)


@shared_task(bind=True, max_retries=settings.ALERTS_MAX_ATTEMPTS * 2, acks_late=True)
def alerts_send(self, alert_ids: list[int]) -> int:
    """Email the given outbox rows (reminders, digests, rows the sweep or the admin queued again)."""
    result = services.alerts_deliver(alert_ids=alert_ids)
    _retry_if_needed(self, result, args=[result.retry])
    return len(result.sent)


@shared_task
def alerts_sweep() -> int:
    """Beat, every minute: queue again the emails left pending (broker down, worker killed)."""
    return services.alerts_sweep()


@shared_task
def deadline_reminders_send() -> int:
    """Beat, every quarter hour: write and queue the reminders and overdue notices due today."""
    return services.deadline_reminders_queue()


@shared_task
def digests_send() -> int:
    """Beat, daily at ALERTS_DIGEST_HOUR: one digest email per follower with something waiting."""
    return services.digests_queue()
