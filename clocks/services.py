"""
Computing a case's clocks from its record, and the analyst's corrections.

For each rule whose law runs in the matter, every event matching the rule's trigger starts a
clock; the first later event on the timeline that meets it (the formal request arrived, the person
was surrendered), stops it (an appeal was lodged), or triggers the same rule again (a newer order
supersedes the old) settles it. A closed case settles what is still running. A trigger known to a
month or a year gives a window of last days, from its earliest to its latest day.

Each open clock keeps one deadline in ``alerts``, so that reminders, overdue notices, digests and
the calendar feed treat it as they treat deadlines typed by hand, with the rule cited in its notes.
"""

import datetime
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from alerts import services as alert_services
from alerts.models import Deadline
from cases.models import Case, Event

from .catalogue import Rule, rules_for
from .models import Clock

logger = logging.getLogger(__name__)

# A clock whose last day passed longer ago than this when it was first computed gets no reminder
# deadline: an old matter entered today should not fill the calendar with overdue notices.
REMINDER_HORIZON = datetime.timedelta(days=30)


def case_rules(case: Case) -> list[Rule]:
    """The rules whose law runs a clock in this matter: by its requested and requesting states, and,
    for a treaty's rules, unless the case names a different treaty (one whose recorded parties are
    not the rule's two states)."""
    rules = rules_for(requesting=case.requesting_state, requested=case.requested_state)
    treaty = case.treaty
    if treaty is not None and treaty.countries:
        parties = {country.code for country in treaty.countries}
        rules = [rule for rule in rules if not rule.is_treaty or set(rule.treaty_parties) <= parties]
    return rules


def _start(event: Event) -> tuple[datetime.date, datetime.date]:
    return event.date_earliest or event.occurred_on, event.date_latest or event.occurred_on


def _settle(rule: Rule, trigger: Event, later: list[Event], *, due_last: datetime.date, states: dict):
    """(settled, settled_by) for a clock started by ``trigger``, given the events after it in order."""
    for event in later:
        if any(matcher.matches(event, **states) for matcher in rule.met_by):
            met_earliest = event.date_earliest or event.occurred_on
            return (Clock.Settled.MET if met_earliest <= due_last else Clock.Settled.MET_LATE), event
        if any(matcher.matches(event, **states) for matcher in rule.stopped_by):
            return Clock.Settled.STOPPED, event
        if rule.trigger.matches(event, **states):
            return Clock.Settled.SUPERSEDED, event
    return "", None


def _computed(case: Case, rules: list[Rule], events: list[Event], overrides: dict) -> dict:
    """(rule id, trigger id) → the clock's computed fields."""
    states = {"requesting": case.requesting_state, "requested": case.requested_state}
    found = {}
    for rule in rules:
        forum = case.requested_state if rule.forum == "requested" else rule.forum
        matching = {**states, "forum": forum}
        for index, event in enumerate(events):
            if not rule.trigger.matches(event, **matching):
                continue
            earliest, latest = _start(event)
            due_earliest = rule.due(earliest, requested=case.requested_state)
            due_latest = rule.due(latest, requested=case.requested_state)
            corrected = overrides.get((rule.id, event.pk))
            settled, by = _settle(rule, event, events[index + 1 :], due_last=corrected or due_latest, states=matching)
            if not settled and (case.closed_on or case.deleted_at):
                settled = Clock.Settled.CASE_CLOSED
            found[(rule.id, event.pk)] = {
                "due_earliest": due_earliest, "due_latest": due_latest, "settled": settled,
                "settled_by_id": by.pk if by else None,
            }
    return found


def _matcher_q(matcher) -> Q:
    """The database's half of a matcher: its kind and values (the authority is checked in Python)."""
    condition = Q(kind=matcher.kind)
    if matcher.decision:
        condition &= Q(decision__in=matcher.decision)
    if matcher.custody_change:
        condition &= Q(custody_change__in=matcher.custody_change) | Q(custody_change_then__in=matcher.custody_change)
    if matcher.filing_type:
        condition &= Q(filing_type__in=matcher.filing_type)
    return condition


def case_clocks_recompute(*, case_id: int) -> list[Clock]:
    """Bring a case's clocks in line with its record, and their reminder deadlines with them."""
    with transaction.atomic():
        case = Case.all_objects.select_for_update(of=("self",)).select_related("treaty").filter(pk=case_id).first()
        if case is None:
            return []
        rules = case_rules(case)
        existing = {(clock.rule_id, clock.trigger_id): clock for clock in Clock.objects.filter(case=case)}
        matchers = [matcher for rule in rules for matcher in (rule.trigger, *rule.met_by, *rule.stopped_by)]
        # Only the events some rule may look at: a case with ten thousand entries has a handful.
        wanted_events = Q()
        for matcher in matchers:
            wanted_events |= _matcher_q(matcher)
        events = list(
            Event.objects.filter(wanted_events, case=case).select_related("authority").order_by("position", "id")
        ) if matchers else []
        overrides = {key: clock.corrected_due_on for key, clock in existing.items() if clock.corrected_due_on}
        wanted = _computed(case, rules, events, overrides)
        gone = [clock for key, clock in existing.items() if key not in wanted]
        alert_services.deadline_delete(deadline_ids=[clock.deadline_id for clock in gone if clock.deadline_id])
        Clock.objects.filter(pk__in=[clock.pk for clock in gone]).delete()
        clocks = []
        for (rule_id, trigger_id), fields in wanted.items():
            clock = existing.get((rule_id, trigger_id))
            if clock is None:
                clock = Clock(case=case, rule_id=rule_id, trigger_id=trigger_id, **fields)
                clock.save_without_historical_record()
            elif any(getattr(clock, name) != value for name, value in fields.items()):
                Clock.objects.filter(pk=clock.pk).update(**fields)
                for name, value in fields.items():
                    setattr(clock, name, value)
            clocks.append(clock)
        triggers = {event.pk: event for event in events}
        for clock in clocks:
            _deadline_sync(clock, case=case, trigger=triggers[clock.trigger_id])
    return clocks


def _deadline_title(rule: Rule) -> str:
    return f"{rule.title} ({rule.citation})"[:200]


def _deadline_notes(clock: Clock, rule: Rule, trigger: Event) -> str:
    when = trigger.date_display
    lines = [
        rule.wording,
        f"If missed: {rule.consequence_display}.",
        f"{rule.instrument}, {rule.citation}: {rule.source}",
        f"Started by: {trigger.get_kind_display().lower()} of {when}: {trigger.summary}",
    ]
    if clock.corrected_due_on:
        lines.append(f"Last day corrected by an analyst: {clock.override_reason}")
    elif clock.is_window:
        lines.append(
            f"The trigger's date is known only to the {trigger.get_date_precision_display().lower()}: the last day "
            f"falls between {clock.due_first:%-d %b %Y} and {clock.due_last:%-d %b %Y}; reminders count to the earlier."
        )
    lines.append("Computed by the tracker from the case's record.")
    return "\n".join(lines)


def _deadline_sync(clock: Clock, *, case: Case, trigger: Event) -> None:
    rule = clock.rule
    deadline = Deadline.objects.filter(pk=clock.deadline_id).first() if clock.deadline_id else None
    if rule is None or not clock.is_open:
        if deadline is not None and not deadline.is_done:
            alert_services.deadline_mark_done(deadline=deadline, by=None)
        return
    title, notes, due_on = _deadline_title(rule), _deadline_notes(clock, rule, trigger), clock.due_first
    if deadline is None:
        if due_on < timezone.localdate() - REMINDER_HORIZON:
            return
        deadline = alert_services.deadline_create(
            case=case, kind=Deadline.Kind.TIME_LIMIT, title=title, due_on=due_on, notes=notes, by=None, computed=True
        )
        Clock.objects.filter(pk=clock.pk).update(deadline=deadline)
        clock.deadline = deadline
        return
    if deadline.is_done:
        alert_services.deadline_reopen(deadline=deadline, by=None)
    changes = {
        name: value for name, value in (("title", title), ("notes", notes), ("due_on", due_on))
        if getattr(deadline, name) != value
    }
    if changes:
        alert_services.deadline_update(deadline=deadline, by=None, **changes)


def clock_override(
    *, clock: Clock, by, reason: str, not_applicable: bool = False, corrected_due_on: datetime.date | None = None
) -> Clock:
    """Set a clock aside as not applicable, correct its last day, or (neither) undo both; the reason
    is required and the history keeps it with who gave it."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"override_reason": "Say why: the history keeps the reason with the change."})
    if not_applicable and corrected_due_on:
        raise ValidationError({"corrected_due_on": "A clock set aside has no last day to correct; choose one or the other."})
    with transaction.atomic():
        locked = Clock.objects.select_for_update().get(pk=clock.pk)
        locked.not_applicable, locked.corrected_due_on = not_applicable, corrected_due_on
        locked.override_reason, locked.overridden_by = reason, by
        locked._history_user = by
        locked._change_reason = reason[:100]
        locked.save()
        case_id = locked.case_id
    case_clocks_recompute(case_id=case_id)
    locked.refresh_from_db()
    return locked


def case_record_changed_receive(*, case_id: int, **kwargs) -> None:
    """The case's record changed, in the transaction now running: recompute its clocks with it.

    In a savepoint: should the computation fail, its writes are undone, the failure is logged and
    the change to the record is kept; the nightly sweep computes the clocks again."""
    try:
        with transaction.atomic():
            case_clocks_recompute(case_id=case_id)
    except Exception:
        logger.exception("recomputing the clocks of case %s failed", case_id)


def clocks_recompute_all(*, batch: int = 500) -> int:
    """Recompute the clocks of every open case that has or may have one; returns how many cases.

    The nightly sweep: it catches an announcement lost to a crash, and a rule added to the catalogue."""
    count = 0
    ids = Case.all_objects.filter(Q(closed_on__isnull=True) | Q(clocks__isnull=False)).values_list("pk", flat=True)
    for case_id in ids.distinct().order_by("pk").iterator(chunk_size=batch):
        try:
            case_clocks_recompute(case_id=case_id)
        except Exception:  # one bad case must not stop the sweep of the others
            logger.exception("recomputing the clocks of case %s failed", case_id)
        count += 1
    return count
