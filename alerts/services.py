"""
Alerts: who follows which case, the outbox of alerts their changes cause, and sending it.

How an alert travels: the event's own row is the first outbox entry. Once the change that recorded
it has committed, the case record announces it (``cases.signals.event_recorded``) and the web
request publishes one small task message, ``event_alerts_fan_out``, and nothing more: its cost does
not grow with the followers. In the worker, ``event_alerts_queue`` writes, in one transaction, one
``Alert`` row per follower to be told and the event's ``EventFanout`` marker, which makes a second
fan-out of the event write nothing; then it queues one Celery task for the event's sending. That
task (``alerts_deliver``) sends the pending rows over one mail connection, each row claimed under a
row lock and marked sent in its own transaction. A failure
is recorded in a transaction of its own, with an ``AlertAttempt`` row; the task retries with a
growing delay. An error about the message marks the row failed after ``ALERTS_MAX_ATTEMPTS``; while
the mail server is unreachable, rows stay pending (up to ``ALERTS_OUTAGE_GIVE_UP_HOURS``) and go out
once it is back. ``alerts_sweep`` (beat, every minute) writes the
alerts of recent events without a marker (the fan-out message was never published: the broker was
down, or the process died after the commit; or its task failed for good) and queues again whatever
was left pending: the broker was down when the sending was queued, or a worker died.

Saved searches ride the same fan-out: its transaction also writes a row for the owner of each
saved search the event's case now matches (one per reader: a reader already told through a case
follow is skipped), and a new case (``cases.signals.case_created``) gets a fan-out task and rows of
its own under its ``CaseFanout`` marker, with a sweep of its own.
"""

import datetime
import logging
import smtplib
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.http import QueryDict
from django.utils import timezone

from cases.filters import CaseFilter
from cases.models import Case, Event

from . import selectors
from .models import (
    MAX_REMINDER_DAYS,
    Alert,
    AlertAttempt,
    CaseFanout,
    Deadline,
    EventFanout,
    Follow,
    HomeVisit,
    SavedSearch,
)

# Tries at marking a sent email's row before giving up (SQLite only refuses at once; see _alert_mark_sent).
MARK_SENT_TRIES = 100

logger = logging.getLogger(__name__)

# Publishing retries briefly (a stale pooled connection), then gives up: the request must not
# wait on a broker that is down, and the sweep sends what was not queued.
PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.1, "interval_max": 0.2}

# Rows per task when many alerts are queued at once (sweep, reminders, digests).
QUEUE_CHUNK = 500

CHANNEL_FOR_DELIVERY = {
    Follow.Delivery.INSTANT: Alert.Channel.EMAIL,
    Follow.Delivery.DIGEST: Alert.Channel.DIGEST,
    Follow.Delivery.NONE: Alert.Channel.IN_APP,
}


# Following -----------------------------------------------------------------------------------


def case_follow(*, user: AbstractBaseUser, case: Case) -> Follow:
    """Start following a case with the default preferences; following it again changes nothing."""
    with transaction.atomic():
        follow, _created = Follow.objects.get_or_create(user=user, case=case)
    return follow


def case_unfollow(*, user: AbstractBaseUser, case: Case) -> None:
    """Stop following a case; alerts already written stay on the notifications page."""
    with transaction.atomic():
        for follow in Follow.objects.filter(user=user, case=case):
            # One by one, not queryset.delete(), so the history records who stopped following.
            follow._history_user = user
            follow.delete()


def follow_update(*, follow: Follow, delivery: str, scope: str, by: AbstractBaseUser | None = None) -> Follow:
    """Change how a follower hears of a case and about which events."""
    follow.delivery, follow.scope = delivery, scope
    follow.full_clean()
    if by is not None:
        follow._history_user = by
    with transaction.atomic():
        follow.save(update_fields=["delivery", "scope"])
    return follow


def follows_unsubscribe(*, user: AbstractBaseUser, case: Case | None) -> int:
    """Turn emails off (in-app only) for one followed case, or for all of them when case is None.

    Used by the one-click unsubscribe link, so it is safe to repeat. Returns how many follows changed."""
    follows = Follow.objects.filter(user=user).exclude(delivery=Follow.Delivery.NONE)
    if case is not None:
        follows = follows.filter(case=case)
    changed = 0
    with transaction.atomic():
        for follow in follows.select_for_update():
            follow.delivery = Follow.Delivery.NONE
            follow._history_user = user
            follow._change_reason = "Unsubscribed from the email link"
            follow.save(update_fields=["delivery"])
            changed += 1
    return changed


# Saved searches ------------------------------------------------------------------------------

MAX_QUERY_LENGTH = 2000


def saved_search_query_clean(query: str) -> str:
    """The case list's query string in the form a saved search keeps: only the list's filters (not
    its page, nor anything else an address may carry), in the FilterSet's order, without empty
    values; raises ValidationError when a filter is not understood or none is given (a search
    without a filter would match every new case)."""
    if len(query) > MAX_QUERY_LENGTH:
        raise ValidationError({"query": f"The filters are too long (at most {MAX_QUERY_LENGTH} characters)."})
    data = QueryDict(query.lstrip("?").strip().replace("\x00", ""))
    filterset = CaseFilter(data, queryset=Case.objects.none())
    names = [name for field in filterset.form.fields for name in _field_parameters(filterset, field)]
    kept = QueryDict(mutable=True)
    for name in names:
        values = [value.strip() for value in data.getlist(name) if value.strip()]
        if values:
            kept.setlist(name, values)
    if not any(name != "sort" for name in kept):
        raise ValidationError({"query": "Choose at least one filter of the case list: a search without one would match every case."})
    checked = CaseFilter(kept, queryset=Case.objects.none())
    if not checked.is_valid():
        problems = "; ".join(
            f"{checked.form.fields[name].label or name}: {' '.join(errors)}" for name, errors in checked.form.errors.items()
        )
        raise ValidationError({"query": f"Some filters are not understood ({problems})."})
    return kept.urlencode()


def _field_parameters(filterset: CaseFilter, name: str) -> list[str]:
    """The query-string parameters of one form field: a date range has two (``last_event_after``…)."""
    widget = filterset.form.fields[name].widget
    suffixes = getattr(widget, "suffixes", None)
    if suffixes:
        return [f"{name}_{suffix}" if suffix else name for suffix in suffixes]
    return [name]


def saved_search_create(
    *, user: AbstractBaseUser, name: str, query: str, delivery: str = Follow.Delivery.INSTANT,
    scope: str = Follow.Scope.ALL,
) -> SavedSearch:
    """Save a case-list filter under a name; new cases and events it matches alert its owner from now on."""
    search = SavedSearch(user=user, name=name.strip(), query=saved_search_query_clean(query), delivery=delivery, scope=scope)
    return _saved_search_save(search, by=user)


def saved_search_update(*, saved_search: SavedSearch, by: AbstractBaseUser, **fields) -> SavedSearch:
    """Rename a saved search, change its filters or how its owner hears of matches."""
    unexpected = set(fields) - {"name", "query", "delivery", "scope"}
    if unexpected:
        raise TypeError(f"Saved searches have no editable field(s) {', '.join(sorted(unexpected))}.")
    if "query" in fields:
        fields["query"] = saved_search_query_clean(fields["query"])
    if "name" in fields:
        fields["name"] = fields["name"].strip()
    for name, value in fields.items():
        setattr(saved_search, name, value)
    return _saved_search_save(saved_search, by=by)


def _saved_search_save(search: SavedSearch, *, by: AbstractBaseUser | None) -> SavedSearch:
    search.full_clean()
    if by is not None:
        search._history_user = by
    with transaction.atomic():
        search.save()
    return search


def saved_search_delete(*, saved_search: SavedSearch, by: AbstractBaseUser) -> None:
    """Delete a saved search; its emails not yet sent are cancelled, alerts already written stay listed."""
    with transaction.atomic():
        saved_search.alerts.filter(status=Alert.Status.PENDING).update(status=Alert.Status.CANCELLED)
        saved_search._history_user = by
        saved_search.delete()


def saved_searches_unsubscribe(*, user: AbstractBaseUser, saved_search: SavedSearch | None) -> int:
    """Turn emails off (in-app only) for one saved search, or for all of a user's when it is None.

    Used by the one-click unsubscribe link, so it is safe to repeat. Returns how many changed."""
    searches = SavedSearch.objects.filter(user=user).exclude(delivery=Follow.Delivery.NONE)
    if saved_search is not None:
        searches = searches.filter(pk=saved_search.pk)
    changed = 0
    with transaction.atomic():
        for search in searches.select_for_update():
            search.delivery = Follow.Delivery.NONE
            search._history_user = user
            search._change_reason = "Unsubscribed from the email link"
            search.save(update_fields=["delivery", "updated_at"])
            changed += 1
    return changed


# Writing the outbox --------------------------------------------------------------------------


def _readers() -> QuerySet:
    """Active users who may read cases (a role, or the permission given directly), as a subquery.

    An alert carries what was logged on a case, so someone who lost their role since they began
    following is not sent it."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(is_superuser=True)
            | Q(groups__permissions__codename="view_case", groups__permissions__content_type__app_label="cases")
            | Q(user_permissions__codename="view_case", user_permissions__content_type__app_label="cases")
        )
        .values("pk")
    )


def _channel_for(*, delivery: str, email: str) -> str:
    # Someone without an address still sees the alert in the app.
    return CHANNEL_FOR_DELIVERY[delivery] if email else Alert.Channel.IN_APP


def _status_for(channel: str) -> str:
    return Alert.Status.IN_APP if channel == Alert.Channel.IN_APP else Alert.Status.PENDING


def event_alerts_queue(*, event_id: int, actor_id: int | None) -> bool:
    """Write the outbox rows about one recorded event, once: a row per follower to be told, never the author.

    Runs in the worker: from the fan-out task published after the event's change has committed
    (``tasks.event_alerts_fan_out``), and from the sweep for an event whose task never ran. The
    event's ``EventFanout`` marker is written first, in the same transaction as the rows and without
    failing on a marker already there: a second fan-out of the event (the sweep racing a task still
    in the queue, a redelivery) writes nothing and queues nothing, and a crash in between leaves
    neither, for the sweep to redo. One INSERT ... SELECT whatever the number of followers
    (building a thousand rows in Python cost most of a stage change's time), and one task queued
    after commit for the whole event. Returns False when there was nothing to do."""
    event = (
        Event.all_objects.filter(pk=event_id)
        .annotate(
            case_created_at=F("case__created_at"),
            case_fanned_out=Exists(CaseFanout.objects.filter(case_id=OuterRef("case_id"))),
        )
        .values("case_id", "kind", "deleted_at", "recorded_at", "case_created_at", "case_fanned_out")
        .first()
    )
    if event is None:
        return False
    with transaction.atomic():
        if not _fanout_mark(event_id):
            return False
        if event["deleted_at"] is not None:
            # Deleted before its alerts were written: the marker says so, and nobody is told.
            return True
        if not event["case_fanned_out"] and event["case_created_at"] >= _fanout_window_start():
            # A case opened with its events (an import) is announced as a new case, and its events
            # then skip the saved searches it told of. Its own task may still be in the queue, or
            # running in another worker: whichever writes the case's marker first does it.
            case_alerts_queue(case_id=event["case_id"], actor_id=actor_id)
        channels = _event_outbox_write(
            event_id=event_id, case_id=event["case_id"], kind=event["kind"], actor_id=actor_id
        )
        channels |= _saved_search_event_outbox_write(
            event_id=event_id, case_id=event["case_id"], kind=event["kind"], actor_id=actor_id,
            recorded_at=event["recorded_at"],
        )
        if Alert.Channel.EMAIL in channels:
            transaction.on_commit(lambda: _enqueue("event_alerts_send", event_id))
    return True


def _fanout_mark(event_id: int) -> bool:
    """Write the event's marker unless it is there; True when this call wrote it.

    ON CONFLICT DO NOTHING rather than catching the duplicate: on PostgreSQL a concurrent fan-out of
    the same event waits here until the first commits, then writes nothing."""
    return _marker_write(EventFanout, "event", event_id)


def _marker_write(model, key_field: str, key: int) -> bool:
    table = model._meta.db_table
    key_column = model._meta.get_field(key_field).column
    time_column = model._meta.get_field("fanned_out_at").column
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({key_column}, {time_column}) VALUES (%s, %s) "
            f"ON CONFLICT ({key_column}) DO NOTHING RETURNING {key_column}",
            [key, connection.ops.adapt_datetimefield_value(timezone.now())],
        )
        return cursor.fetchone() is not None


def _event_outbox_write(*, event_id: int, case_id: int, kind: str, actor_id: int | None) -> set[str]:
    """The outbox rows of one event, in one statement; returns the channels written."""
    follows = (
        Follow.objects.filter(case_id=case_id, scope__in=Follow.scopes_for_kind(kind), user__in=_readers())
        .exclude(user_id=actor_id)
        # Named columns, so that the INSERT below can read them from the subquery.
        .values(reader=F("user_id"), delivery_choice=F("delivery"), address=F("user__email"))
        .order_by()
    )
    select_sql, select_params = follows.query.sql_with_params()
    # The channel and status of each row, as _channel_for and _status_for decide them.
    channel = "CASE WHEN f.address = '' THEN %s " + " ".join(
        "WHEN f.delivery_choice = %s THEN %s" for _ in CHANNEL_FOR_DELIVERY
    ) + " END"
    channel_params = [Alert.Channel.IN_APP] + [v for pair in CHANNEL_FOR_DELIVERY.items() for v in pair]
    fields = {f.name: f.column for f in Alert._meta.concrete_fields}
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    sql = (
        f"INSERT INTO {Alert._meta.db_table} ({fields['recipient']}, {fields['kind']}, {fields['channel']}, "
        f"{fields['status']}, {fields['case']}, {fields['event']}, {fields['attempts']}, {fields['last_error']}, "
        f"{fields['next_attempt_at']}, {fields['created_at']}) "
        f"SELECT f.reader, %s, {channel}, CASE WHEN ({channel}) = %s THEN %s ELSE %s END, %s, %s, 0, '', %s, %s "
        f"FROM ({select_sql}) AS f RETURNING {fields['channel']}"
    )
    params = [
        Alert.Kind.EVENT, *channel_params, *channel_params, Alert.Channel.IN_APP, Alert.Status.IN_APP,
        Alert.Status.PENDING, case_id, event_id, now, now, *select_params,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0] for row in cursor.fetchall()}


def event_recorded_receive(sender, *, event_id: int, actor_id: int | None, **kwargs) -> None:
    """Subscriber to ``cases.signals.event_recorded`` (connected in AlertsConfig.ready): queue the
    event's fan-out. Runs after the commit, in the request that recorded the event, so it only
    publishes; a refused publish is logged and the sweep writes the alerts later."""
    _enqueue("event_alerts_fan_out", event_id, actor_id)


def case_created_receive(sender, *, case_id: int, actor_id: int | None, **kwargs) -> None:
    """Subscriber to ``cases.signals.case_created`` (connected in AlertsConfig.ready): queue the new
    case's fan-out, as for an event."""
    _enqueue("case_alerts_fan_out", case_id, actor_id)


# When one reader's saved searches disagree on how to tell them of the same match, the most
# direct wins: they asked for an email for at least one of them.
_DELIVERY_RANK = {Follow.Delivery.INSTANT: 0, Follow.Delivery.DIGEST: 1, Follow.Delivery.NONE: 2}


def _saved_search_matches(
    *, case_id: int, actor_id: int | None, kind: str | None, skip_readers: QuerySet | None = None
) -> list[dict]:
    """The saved search to cite for each reader whose saved searches match the case now: one per reader.

    ``kind``: the new event's kind, which each search's scope must include (None for a new case).
    The owners are the same readers a case follow needs, never the author of the change."""
    searches = SavedSearch.objects.filter(user__in=_readers()).exclude(user_id=actor_id)
    if kind is not None:
        searches = searches.filter(scope__in=Follow.scopes_for_kind(kind))
    if skip_readers is not None:
        searches = searches.exclude(user__in=skip_readers)
    candidates = list(searches.values("pk", "user_id", "query", "delivery", "user__email").order_by("pk"))
    if not candidates:
        return []
    matched = selectors.saved_queries_matching(case_id=case_id, queries={c["query"] for c in candidates})
    chosen: dict[int, dict] = {}
    for candidate in candidates:
        if candidate["query"] not in matched:
            continue
        current = chosen.get(candidate["user_id"])
        if current is None or _DELIVERY_RANK[candidate["delivery"]] < _DELIVERY_RANK[current["delivery"]]:
            chosen[candidate["user_id"]] = candidate
    return list(chosen.values())


def _saved_search_alerts(matches: list[dict], **fields) -> list[Alert]:
    alerts = []
    for match in matches:
        channel = _channel_for(delivery=match["delivery"], email=match["user__email"])
        alerts.append(
            Alert(recipient_id=match["user_id"], saved_search_id=match["pk"], channel=channel,
                  status=_status_for(channel), **fields)
        )
    return alerts


def _saved_search_event_outbox_write(
    *, event_id: int, case_id: int, kind: str, actor_id: int | None, recorded_at: datetime.datetime
) -> set[str]:
    """The rows of one event for owners of saved searches its case matches; returns the channels written.

    Skipped: readers already told of the event (through a case follow, written just before in the
    same transaction), and readers whose "new case" alert was written after the event was recorded,
    so already covers it (an import writes a case and its whole timeline in one transaction: one
    alert about the new case, not one per imported event). The unique constraint on (reader, event)
    makes a row written twice impossible."""
    told = Alert.objects.filter(kind=Alert.Kind.EVENT, event_id=event_id).values("recipient_id")
    covered = Alert.objects.filter(kind=Alert.Kind.CASE, case_id=case_id, created_at__gte=recorded_at).values(
        "recipient_id"
    )
    matches = _saved_search_matches(
        case_id=case_id, actor_id=actor_id, kind=kind,
        skip_readers=get_user_model().objects.filter(Q(pk__in=told) | Q(pk__in=covered)).values("pk"),
    )
    alerts = _saved_search_alerts(matches, kind=Alert.Kind.EVENT, case_id=case_id, event_id=event_id)
    Alert.objects.bulk_create(alerts, ignore_conflicts=True)
    return {alert.channel for alert in alerts}


def case_alerts_queue(*, case_id: int, actor_id: int | None) -> bool:
    """Write the outbox rows about one new case, once: a row per reader with a saved search it matches.

    Runs in the worker: from the fan-out task published after the change that opened the case has
    committed (``tasks.case_alerts_fan_out``), and from the sweep for a case whose task never ran;
    the case's ``CaseFanout`` marker, written in the same transaction, makes a second run write
    nothing. Returns False when there was nothing to do."""
    case = Case.all_objects.filter(pk=case_id).values("deleted_at").first()
    if case is None:
        return False
    with transaction.atomic():
        if not _marker_write(CaseFanout, "case", case_id):
            return False
        if case["deleted_at"] is not None:
            return True
        matches = _saved_search_matches(case_id=case_id, actor_id=actor_id, kind=None)
        if matches:
            Alert.objects.bulk_create(
                _saved_search_alerts(matches, kind=Alert.Kind.CASE, case_id=case_id), ignore_conflicts=True
            )
            _enqueue_alerts(
                list(
                    Alert.objects.pending_email()
                    .filter(kind=Alert.Kind.CASE, case_id=case_id)
                    .order_by("id")
                    .values_list("id", flat=True)
                )
            )
    return True


def _fanout_window_start(now: datetime.datetime | None = None) -> datetime.datetime:
    """Records written before this are history: the sweep no longer fans them out."""
    return (now or timezone.now()) - datetime.timedelta(days=settings.ALERTS_FANOUT_DAYS)


def _without_marker(records: QuerySet, *, marker, key: str, written: str, now: datetime.datetime | None) -> QuerySet:
    """The records written in the last ``ALERTS_FANOUT_DAYS`` days that have no fan-out marker, oldest
    first, leaving the newest ``ALERTS_SWEEP_AFTER`` seconds to their own fan-out task (most likely
    waiting in the queue behind the sending of earlier changes).

    The grace only saves work: should the sweep reach a record before its task does (a long queue),
    whichever of the two writes the marker first writes the rows and queues the sending, and the
    other writes and queues nothing."""
    now = now or timezone.now()
    window_start = _fanout_window_start(now)
    settled = now - datetime.timedelta(seconds=settings.ALERTS_SWEEP_AFTER)
    # Every record written after a marker older than the window was inserted after that marker's
    # record, so the search starts there (the primary key's index) rather than reading them all.
    floor = (
        marker.objects.filter(fanned_out_at__lt=window_start)
        .order_by("-fanned_out_at", f"-{key}")
        .values_list(key, flat=True)
        .first()
    )
    return (
        records.filter(pk__gt=floor or 0, **{f"{written}__gte": window_start, f"{written}__lte": settled})
        .filter(~Exists(marker.objects.filter(**{key: OuterRef("pk")})))
        .order_by("pk")
    )


def events_fan_out_missed(*, now: datetime.datetime | None = None, limit: int = QUEUE_CHUNK) -> int:
    """Write the alerts of recent events that have none yet; returns how many events were fanned out.

    An event's fan-out is lost when its task is never published (the broker was down at the
    commit, the process died right after it) or fails for good (the database refused it). Looked
    for: events recorded in the last ``ALERTS_FANOUT_DAYS`` days with no marker, leaving the newest
    ``ALERTS_SWEEP_AFTER`` seconds to their own task. The author is the one who recorded the event."""
    missed = list(
        _without_marker(Event.objects.all(), marker=EventFanout, key="event_id", written="recorded_at", now=now)
        .values_list("pk", "recorded_by_id")[:limit]
    )
    fanned = 0
    for event_id, author_id in missed:
        try:
            fanned += event_alerts_queue(event_id=event_id, actor_id=author_id)
        except Exception:  # One event the database refuses must not hold up those after it.
            logger.exception("Could not write the alerts of event %s; the next sweep tries again.", event_id)
    if fanned:
        logger.warning("Sweep wrote the alerts of %d event(s) whose announcement was lost.", fanned)
    return fanned


def cases_fan_out_missed(*, now: datetime.datetime | None = None, limit: int = QUEUE_CHUNK) -> int:
    """Write the alerts of recent new cases that have none yet; returns how many cases were fanned out.

    As ``events_fan_out_missed``, for cases opened in the last ``ALERTS_FANOUT_DAYS`` days. There is
    no record of who opened a case but its history, so the author is read from there."""
    missed = list(
        _without_marker(Case.all_objects.all(), marker=CaseFanout, key="case_id", written="created_at", now=now)
        .values_list("pk", flat=True)[:limit]
    )
    authors = dict(
        Case.history.filter(id__in=missed, history_type="+").values_list("id", "history_user_id")
    ) if missed else {}
    fanned = 0
    for case_id in missed:
        try:
            fanned += case_alerts_queue(case_id=case_id, actor_id=authors.get(case_id))
        except Exception:  # One case the database refuses must not hold up those after it.
            logger.exception("Could not write the alerts of new case %s; the next sweep tries again.", case_id)
    if fanned:
        logger.warning("Sweep wrote the alerts of %d new case(s) whose announcement was lost.", fanned)
    return fanned


def _enqueue(task_name: str, *args) -> bool:
    """Queue a task; if the broker is down, log it and leave the work to the sweep.

    Runs after commit: the change is saved either way, and the web request must not fail for mail."""
    from . import tasks

    try:
        getattr(tasks, task_name).apply_async(args=args, retry_policy=PUBLISH_RETRY_POLICY)
    except Exception:  # The broker's errors differ by transport; all mean "not queued".
        logger.warning("Could not queue %s%r; the sweep will send it later.", task_name, args, exc_info=True)
        return False
    return True


def _enqueue_alerts(alert_ids: list[int]) -> None:
    for start in range(0, len(alert_ids), QUEUE_CHUNK):
        chunk = alert_ids[start : start + QUEUE_CHUNK]
        transaction.on_commit(lambda chunk=chunk: _enqueue("alerts_send", chunk))


def alerts_retry(*, alerts: QuerySet[Alert], by: AbstractBaseUser | None = None) -> int:
    """Give failed alerts a fresh set of attempts and queue them (the admin's retry action).

    The attempts already made stay counted and logged: the new ones are allowed on top of them."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(alerts.filter(status=Alert.Status.FAILED, channel=Alert.Channel.EMAIL).values_list("id", flat=True))
        Alert.objects.filter(id__in=ids).update(
            status=Alert.Status.PENDING, attempts_allowed=F("attempts") + settings.ALERTS_MAX_ATTEMPTS,
            next_attempt_at=now,
        )
        AlertAttempt.objects.bulk_create(
            AlertAttempt(alert_id=alert_id, at=now, outcome=AlertAttempt.Outcome.RESENT, by=by) for alert_id in ids
        )
        _enqueue_alerts(ids)
    return len(ids)


def alerts_sweep(*, older_than: datetime.timedelta | None = None, now: datetime.datetime | None = None) -> int:
    """Write the alerts of recent events that have none, then queue again every email left pending
    past its time; returns how many emails were queued again.

    A row is pending past its time when the task meant for it was never queued (broker down at
    commit) or was lost (worker killed after the broker gave up on it). Sending claims each row
    under a lock and skips rows already sent, so queueing one too many is harmless."""
    now = now or timezone.now()
    # Cases first: a "new case" alert written now covers the events recorded with the case.
    cases_fan_out_missed(now=now)
    events_fan_out_missed(now=now)
    if older_than is None:
        older_than = datetime.timedelta(seconds=settings.ALERTS_SWEEP_AFTER)
    with transaction.atomic():
        ids = list(
            Alert.objects.pending_email()
            .filter(next_attempt_at__lte=now - older_than)
            .order_by("id")
            .values_list("id", flat=True)[:10_000]
        )
        # Not again at the next sweep, unless this attempt too goes missing.
        Alert.objects.filter(id__in=ids).update(next_attempt_at=now)
        _enqueue_alerts(ids)
    if ids:
        logger.info("Sweep queued %d pending alert(s) again.", len(ids))
    return len(ids)


# Deadlines and reminders ---------------------------------------------------------------------


def deadline_create(
    *,
    case: Case,
    kind: str,
    title: str,
    due_on: datetime.date,
    reminder_days: str | None = None,
    notes: str = "",
    by: AbstractBaseUser | None,
    computed: bool = False,
) -> Deadline:
    """Record a hearing, filing deadline or time limit on a case; followers are reminded ahead of it.

    ``computed``: kept by whatever computed it (the case's statutory clocks), not edited by hand."""
    deadline = Deadline(
        case=case, kind=kind, title=title.strip(), due_on=due_on, notes=notes, created_by=by, computed=computed
    )
    if reminder_days is not None:
        deadline.reminder_days = reminder_days
    return _deadline_save(deadline, by=by)


def deadline_update(*, deadline: Deadline, by: AbstractBaseUser | None, **fields) -> Deadline:
    """Correct a deadline (its date moved, reminders changed); the history keeps the old values."""
    allowed = {"kind", "title", "due_on", "reminder_days", "notes"}
    unexpected = set(fields) - allowed
    if unexpected:
        raise TypeError(f"Deadlines have no editable field(s) {', '.join(sorted(unexpected))}.")
    moved = "due_on" in fields and fields["due_on"] != deadline.due_on
    for name, value in fields.items():
        setattr(deadline, name, value)
    with transaction.atomic():
        _deadline_save(deadline, by=by)
        if moved:
            # Reminders written for the old date and not yet sent would now be wrong; the new
            # date gets its own (the outbox's unique key includes the date).
            deadline.alerts.filter(status=Alert.Status.PENDING).exclude(deadline_due_on=deadline.due_on).update(
                status=Alert.Status.CANCELLED
            )
    return deadline


def _deadline_save(deadline: Deadline, *, by: AbstractBaseUser | None) -> Deadline:
    deadline.full_clean()
    if any(days > MAX_REMINDER_DAYS for days in deadline.reminder_offsets):
        raise ValidationError({"reminder_days": f"Reminders can be at most {MAX_REMINDER_DAYS} days ahead."})
    # Stored in one canonical form, so "1,7, 7" and "7, 1" read the same.
    deadline.reminder_days = ",".join(str(days) for days in deadline.reminder_offsets)
    if by is not None:
        deadline._history_user = by
    with transaction.atomic():
        deadline.save()
    return deadline


def deadline_mark_done(*, deadline: Deadline, by: AbstractBaseUser | None) -> Deadline:
    """Mark a deadline met (or a hearing held): no more reminders, no overdue notice."""
    if deadline.is_done:
        return deadline
    deadline.done_at, deadline.done_by = timezone.now(), by
    if by is not None:
        deadline._history_user = by
    with transaction.atomic():
        deadline.save(update_fields=["done_at", "done_by"])
        # Reminders written but not yet sent would now be wrong.
        deadline.alerts.filter(status=Alert.Status.PENDING).update(status=Alert.Status.CANCELLED)
    return deadline


def deadline_reopen(*, deadline: Deadline, by: AbstractBaseUser | None) -> Deadline:
    """Open a deadline marked done again (what met it was undone); reminders already sent are not repeated."""
    if not deadline.is_done:
        return deadline
    deadline.done_at, deadline.done_by = None, None
    with transaction.atomic():
        deadline._history_user = by
        deadline.save(update_fields=["done_at", "done_by"])
    return deadline


def deadline_delete(*, deadline_ids: Iterable[int]) -> None:
    """Remove deadlines whose reason is gone (a computed time limit whose trigger was deleted), with
    their unsent reminders; the history keeps what they were."""
    with transaction.atomic():
        for deadline in Deadline.objects.filter(pk__in=list(deadline_ids)):
            deadline.delete()


def deadline_reminder_due(*, deadline: Deadline, today: datetime.date) -> tuple[str, int | None] | None:
    """Which notice a deadline calls for today: ("reminder", lead days), ("overdue", None) or None.

    Of the lead times already reached, only the nearest is sent: a deadline recorded three days
    ahead with reminders at 7 and 1 days gets the 7-day one at once (saying "in 3 days") and the
    1-day one the day before, and a run that missed a day does not send two."""
    if deadline.is_done:
        return None
    days_left = deadline.days_left(today)
    if days_left < 0:
        return Alert.Kind.OVERDUE, None
    reached = [lead for lead in deadline.reminder_offsets if days_left <= lead]
    if not reached:
        return None
    return Alert.Kind.REMINDER, min(reached)


def deadline_reminders_queue(*, today: datetime.date | None = None) -> int:
    """Write the reminders and overdue notices due today for every open deadline; returns how many rows.

    Safe to run as often as beat likes: the unique constraints turn a repeat into nothing."""
    today = today or timezone.localdate()
    deadlines = list(
        Deadline.objects.open()
        .filter(due_on__lte=today + datetime.timedelta(days=MAX_REMINDER_DAYS))
        # Overdue notices only for the recent past: a deadline recorded long after it passed is history.
        .filter(due_on__gte=today - datetime.timedelta(days=7))
    )
    due = {}
    for deadline in deadlines:
        notice = deadline_reminder_due(deadline=deadline, today=today)
        if notice is not None:
            due[deadline.pk] = (deadline, *notice)
    if not due:
        return 0
    case_ids = {deadline.case_id for deadline, _kind, _lead in due.values()}
    followers: dict[int, list[tuple[int, str, str]]] = {}
    for case_id, user_id, delivery, email in (
        Follow.objects.filter(case_id__in=case_ids, user__in=_readers())
        .values_list("case_id", "user_id", "delivery", "user__email")
        .order_by("case_id", "user_id")
    ):
        followers.setdefault(case_id, []).append((user_id, delivery, email))
    alerts = []
    for deadline, kind, lead_days in due.values():
        for user_id, delivery, email in followers.get(deadline.case_id, []):
            channel = _channel_for(delivery=delivery, email=email)
            alerts.append(
                Alert(
                    recipient_id=user_id,
                    kind=kind,
                    channel=channel,
                    status=_status_for(channel),
                    case_id=deadline.case_id,
                    deadline=deadline,
                    deadline_due_on=deadline.due_on,
                    lead_days=lead_days,
                )
            )
    started = timezone.now()
    with transaction.atomic():
        # A reminder already written (an earlier run) conflicts with its unique constraint and is skipped.
        Alert.objects.bulk_create(alerts, ignore_conflicts=True)
        new_ids = list(
            Alert.objects.pending_email()
            .filter(deadline_id__in=due, kind__in=[Alert.Kind.REMINDER, Alert.Kind.OVERDUE], created_at__gte=started)
            .values_list("id", flat=True)
        )
        _enqueue_alerts(new_ids)
    return len(alerts)


# Daily digests -------------------------------------------------------------------------------


def digests_queue(*, on: datetime.date | None = None) -> int:
    """Bundle each follower's waiting digest items into one digest email for the day; returns how many digests.

    Nobody with nothing waiting gets one. Running twice on one day writes nothing new: the second
    run finds each digest already there, and what arrived since waits for the next day's."""
    on = on or timezone.localdate()
    waiting = Alert.objects.filter(channel=Alert.Channel.DIGEST, status=Alert.Status.PENDING, digest__isnull=True)
    recipient_ids = list(waiting.values_list("recipient_id", flat=True).distinct().order_by("recipient_id"))
    digest_ids = []
    for recipient_id in recipient_ids:
        with transaction.atomic():
            digest, created = Alert.objects.get_or_create(
                recipient_id=recipient_id,
                kind=Alert.Kind.DIGEST,
                digest_on=on,
                defaults={"channel": Alert.Channel.EMAIL, "status": Alert.Status.PENDING},
            )
            if not created:
                continue
            waiting.filter(recipient_id=recipient_id).update(digest=digest)
            digest_ids.append(digest.pk)
    with transaction.atomic():
        _enqueue_alerts(digest_ids)
    return len(digest_ids)


# Sending -------------------------------------------------------------------------------------


@dataclass
class DeliveryResult:
    """What one delivery run did; ``retry_in`` is set when some rows should be tried again later."""

    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    retry: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    retry_in: float | None = None


def alert_retry_delay(*, attempts: int) -> float:
    """Seconds to wait after the given number of failed attempts: doubling, capped."""
    delay = settings.ALERTS_RETRY_BACKOFF * 2 ** max(attempts - 1, 0)
    return min(delay, settings.ALERTS_RETRY_BACKOFF_MAX)


# Errors that mean the mail server cannot be reached at all: no point trying the other rows now.
CONNECTION_ERRORS = (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, ConnectionError, TimeoutError)


def _alert_mark_sent(*, alert_id: int, now: datetime.datetime) -> None:
    """Mark a row sent once its email has gone. SQLite can refuse the write at once while another
    connection reads the table ("database table is locked", with a shared cache) rather than wait;
    the email is out, so the mark is tried again rather than the row left to be sent a second time."""
    for attempt in range(MARK_SENT_TRIES):
        try:
            Alert.objects.filter(pk=alert_id).update(
                status=Alert.Status.SENT, sent_at=now, attempts=F("attempts") + 1, last_error=""
            )
            return
        except OperationalError as error:
            if connection.vendor != "sqlite" or "locked" not in str(error) or attempt == MARK_SENT_TRIES - 1:
                raise
            time.sleep(0.05)


def _gives_up(*, attempts: int, allowed: int | None, created_at: datetime.datetime, outage: bool,
               now: datetime.datetime) -> bool:
    """Whether a failed row is failed for good. An outage (the mail server unreachable) says
    nothing about the message: its rows wait, at the longest retry interval, for as long as
    ALERTS_OUTAGE_GIVE_UP_HOURS from when they were written, and go out once the server is back
    without anyone resending them. An error about the message (a refused address, a rendering
    bug) is tried its allowed number of times."""
    if outage:
        return now - created_at >= datetime.timedelta(hours=settings.ALERTS_OUTAGE_GIVE_UP_HOURS)
    return attempts >= (allowed or settings.ALERTS_MAX_ATTEMPTS)


def _alerts_record_failure(*, alert_ids: Iterable[int], error: BaseException, outage: bool = False) -> DeliveryResult:
    """Count a failed attempt on each row and log it, in its own transaction (the sending one was
    rolled back)."""
    alert_ids = list(alert_ids)
    result = DeliveryResult()
    if not alert_ids:
        return result
    now = timezone.now()
    message = f"{type(error).__name__}: {error}"[:2000]
    attempts_log = []
    with transaction.atomic():
        rows = list(
            Alert.objects.select_for_update(of=("self",))
            .filter(id__in=alert_ids, status=Alert.Status.PENDING)
            .values_list("id", "attempts", "attempts_allowed", "created_at")
        )
        for alert_id, attempts, allowed, created_at in rows:
            attempts += 1
            if _gives_up(attempts=attempts, allowed=allowed, created_at=created_at, outage=outage, now=now):
                result.failed.append(alert_id)
                attempts_log.append(AlertAttempt(alert_id=alert_id, at=now, outcome=AlertAttempt.Outcome.GAVE_UP, error=message))
                Alert.objects.filter(id=alert_id).update(
                    attempts=attempts, last_error=message, status=Alert.Status.FAILED
                )
            else:
                delay = alert_retry_delay(attempts=attempts)
                result.retry.append(alert_id)
                result.retry_in = delay if result.retry_in is None else min(result.retry_in, delay)
                attempts_log.append(AlertAttempt(alert_id=alert_id, at=now, outcome=AlertAttempt.Outcome.FAILED, error=message))
                Alert.objects.filter(id=alert_id).update(
                    attempts=attempts, last_error=message, next_attempt_at=now + datetime.timedelta(seconds=delay)
                )
        AlertAttempt.objects.bulk_create(attempts_log)
    for alert_id in result.failed:
        logger.error("Alert %s failed for good: %s", alert_id, message)
    return result


def _alert_claim(alert_id: int) -> Alert | None:
    """Lock a pending email row for sending; None if it is sent, failed, or being sent by another worker."""
    # Only the recipient is joined: case, event and deadline are shared by many rows and
    # come from the renderer's cache.
    return (
        Alert.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("recipient")
        .filter(pk=alert_id, status=Alert.Status.PENDING, channel=Alert.Channel.EMAIL)
        .first()
    )


def alerts_deliver(*, alert_ids: Iterable[int], mailer_alias: str = "default") -> DeliveryResult:
    """Send the given pending email alerts over one mail connection, each at most once.

    Each row is claimed under a lock that other workers skip, sent, and marked sent in one
    transaction: a second run, or a second worker, finds it sent (or locked) and leaves it. Should
    the process die between the server's acceptance and the commit, the row is sent again later
    with the same Message-ID, which mail clients use to drop the copy."""
    from . import notifications

    alert_ids = list(alert_ids)
    result = DeliveryResult()
    if not alert_ids:
        return result
    renderer = notifications.AlertRenderer()
    mailer = mail.mailers[mailer_alias]
    try:
        try:
            # One connection for the whole run, not one per email.
            mailer.open()
        except Exception as error:  # Refused, timed out, bad credentials: every row waits for the retry.
            logger.warning("Cannot reach the mail server: %s", error, exc_info=True)
            failure = _alerts_record_failure(alert_ids=alert_ids, error=error, outage=True)
            result.failed, result.retry, result.retry_in = failure.failed, failure.retry, failure.retry_in
            return result
        for index, alert_id in enumerate(alert_ids):
            try:
                with transaction.atomic():
                    alert = _alert_claim(alert_id)
                    if alert is None:
                        result.skipped.append(alert_id)
                        continue
                    renderer.attach(alert)
                    if alert.deadline_id and alert.deadline.is_done:
                        alert.status = Alert.Status.CANCELLED
                        alert.save(update_fields=["status"])
                        result.skipped.append(alert_id)
                        continue
                    if not alert.recipient.email:
                        # The address was removed after the row was written: shown in the app only.
                        alert.status = Alert.Status.IN_APP
                        alert.save(update_fields=["status"])
                        result.skipped.append(alert_id)
                        continue
                    message = renderer.email(alert=alert)
                    mailer.send_messages([message])
                    now = timezone.now()
                    _alert_mark_sent(alert_id=alert.pk, now=now)
                    if alert.kind == Alert.Kind.DIGEST:
                        alert.items.update(status=Alert.Status.SENT, sent_at=now)
                result.sent.append(alert_id)
            except CONNECTION_ERRORS as error:
                # The server went away: this row and the rest wait for the retry.
                failure = _alerts_record_failure(alert_ids=alert_ids[index:], error=error, outage=True)
                result.failed += failure.failed
                result.retry += failure.retry
                result.retry_in = failure.retry_in
                break
            except Exception as error:  # A refused address or a rendering bug: this row only.
                logger.warning("Sending alert %s failed: %s", alert_id, error, exc_info=True)
                failure = _alerts_record_failure(alert_ids=[alert_id], error=error)
                result.failed += failure.failed
                result.retry += failure.retry
                if failure.retry_in is not None:
                    result.retry_in = min(result.retry_in or failure.retry_in, failure.retry_in)
    finally:
        try:
            mailer.close()
        except Exception:
            logger.warning("Closing the mail connection failed.", exc_info=True)
    return result


def event_alerts_deliver(*, event_id: int) -> DeliveryResult:
    """Send every pending email alert of one event (the task queued after the event was recorded)."""
    ids = list(Alert.objects.pending_email().filter(event_id=event_id).order_by("id").values_list("id", flat=True))
    return alerts_deliver(alert_ids=ids)



def home_visit_record(*, user: AbstractBaseUser, now: datetime.datetime | None = None) -> datetime.datetime | None:
    """Note a look at the home page; returns when the visit before this one was (None: the first).

    A look soon after the last one belongs to the same visit, so a reload shows the same changes."""
    now = now or timezone.now()
    with transaction.atomic():
        visit = HomeVisit.objects.select_for_update().filter(user=user).first()
        if visit is None:
            HomeVisit.objects.create(user=user, seen_at=now)
            return None
        if now - visit.seen_at > HomeVisit.SAME_VISIT:
            visit.previous_seen_at = visit.seen_at
        visit.seen_at = now
        visit.save(update_fields=["seen_at", "previous_seen_at"])
        return visit.previous_seen_at
