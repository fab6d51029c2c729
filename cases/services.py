"""
Every write to the case record goes through here: one transaction each, validated before saving.

Views, forms, the admin's custom actions, importers and the demo loader call these functions,
so that each rule (a stage change is recorded as an event, a case's latest event is kept up to
date, history rows name who did it) has one home.
"""

import datetime
from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from alerts.services import event_alerts_queue

from . import search
from .dates import DatePrecision
from .models import Case, CaseParty, Confidence, Event, Forum, Person, PersonName, Source, Stage, Statement


class StaleEdit(Exception):
    """Someone else saved the record after this edit began; ``current`` is what they saved."""

    def __init__(self, current):
        super().__init__(f"{current._meta.verbose_name} was changed by someone else")
        self.current = current


def _edit_locked(instance, *, expected_version: int | None, fields: dict):
    """Lock the row, refuse the edit if it is no longer the version the editor started from, and
    apply the changes with the next version number; the caller validates and saves."""
    locked = type(instance).objects.select_for_update().get(pk=instance.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleEdit(current=locked)
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.version += 1
    return locked

# Fields an analyst may set on an event of each kind, besides the ones every event has.
EVENT_KIND_FIELDS: dict[str, tuple[str, ...]] = {
    Event.Kind.RULING: ("forum", "docket_number", "decision", "judges", "document_url"),
    Event.Kind.STATEMENT: (),
    Event.Kind.STATUS: (),
    Event.Kind.HEARING: ("forum", "docket_number", "hearing_status", "judges"),
    Event.Kind.FILING: ("forum", "docket_number", "filing_type", "filed_by", "document_url"),
    Event.Kind.CUSTODY: ("custody_change",),
    Event.Kind.STAGE_CHANGE: (),
}
EVENT_COMMON_FIELDS = ("occurred_on", "date_precision", "date_approximate", "reported_on", "summary", "confidence")


def _as_history_user(instance, by: AbstractBaseUser | None):
    # Outside a web request (worker, command) simple-history cannot see who acted; tell it.
    if by is not None:
        instance._history_user = by
    return instance


def _save_validated(instance, *, by: AbstractBaseUser | None, exclude: Iterable[str] = ()):
    instance.full_clean(exclude=list(exclude))
    _as_history_user(instance, by).save()
    return instance


def _check_not_in_future(event: Event) -> None:
    """Only a hearing can be scheduled ahead; everything else has happened by the time it is logged."""
    if event.kind == Event.Kind.HEARING and event.hearing_status == Event.HearingStatus.SCHEDULED:
        return
    if event.occurred_on and event.occurred_on > timezone.localdate():
        raise ValidationError({"occurred_on": "This date is in the future; only a scheduled hearing can be."})
    if event.reported_on and event.occurred_on and event.reported_on < event.occurred_on:
        raise ValidationError({"reported_on": "It cannot have been reported before it happened."})


def case_refresh_last_event(case: Case) -> None:
    """Point the case at its latest event again, after any event of it was added, moved or removed."""
    latest = case.events.timeline_order().only("id", "occurred_on").first()
    # update() keeps these derived columns out of the case's edit history.
    Case.objects.filter(pk=case.pk).update(
        last_event=latest, last_activity_on=latest.occurred_on if latest else None
    )
    case.last_event, case.last_activity_on = latest, latest.occurred_on if latest else None


def case_search_text(case: Case) -> str:
    """What the search box matches on the case itself: title, reference, offences, people's names."""
    names = []
    for party in case.parties.select_related("person").prefetch_related("person__names"):
        names.append(party.person.name)
        names.extend(variant.name for variant in party.person.names.all())
    return "\n".join([case.title, case.reference, case.offences, *names])


def case_refresh_search_text(*, cases: Iterable[Case]) -> None:
    """Rebuild the search text (and words) of cases whose title, offences or people's names changed."""
    cases = list(cases)
    for case in cases:
        # update() keeps this derived column out of the edit history.
        Case.all_objects.filter(pk=case.pk).update(search_text=case_search_text(case))
    search.search_vector_refresh(case_ids=[case.pk for case in cases])


def _person_cases(person: Person) -> list[Case]:
    return list(Case.all_objects.filter(parties__person=person).distinct())


def source_get_or_create(
    *, url: str = "", title: str, publisher: str = "", published_on: datetime.date | None = None
) -> Source:
    """One row per article, so that every event learned from it points at the same source.

    An article is known by its address, or, for one without, by its title, publisher and date."""
    existing = Source.objects.filter(url=url) if url else Source.objects.filter(
        url="", title=title, publisher=publisher, published_on=published_on
    )
    source = existing.first()
    if source is not None:
        return source
    return _save_validated(
        Source(url=url, title=title, publisher=publisher, published_on=published_on), by=None
    )


def person_create(
    *,
    name: str,
    variants: Iterable[tuple[str, str]] = (),
    nationality: Iterable[str] = (),
    description: str = "",
    by: AbstractBaseUser | None = None,
) -> Person:
    """Create a person with their name variants, given as (name, kind) pairs."""
    with transaction.atomic():
        person = _save_validated(
            Person(name=name, nationality=list(nationality), description=description), by=by
        )
        for variant, kind in variants:
            person_add_name(person=person, name=variant, kind=kind, by=by)
    return person


def person_set_names(*, person: Person, names: Iterable[tuple[str, str]], by: AbstractBaseUser | None) -> None:
    """Make the person's name variants exactly these (name, kind) pairs, keeping unchanged ones."""
    wanted = {name.strip(): kind for name, kind in names if name.strip()}
    with transaction.atomic():
        for variant in person.names.all():
            if variant.name not in wanted:
                _as_history_user(variant, by).delete()
            elif variant.kind != wanted[variant.name]:
                variant.kind = wanted[variant.name]
                _save_validated(variant, by=by)
            wanted.pop(variant.name, None)
        for name, kind in wanted.items():
            person_add_name(person=person, name=name, kind=kind, by=by)
        case_refresh_search_text(cases=_person_cases(person))


def person_add_name(*, person: Person, name: str, kind: str, by: AbstractBaseUser | None = None) -> PersonName:
    with transaction.atomic():
        variant = _save_validated(PersonName(person=person, name=name, kind=kind), by=by)
        case_refresh_search_text(cases=_person_cases(person))
    return variant


def case_create(
    *,
    title: str,
    reference: str,
    requesting_state: str,
    requested_state: str,
    offences: str,
    stage: str = Stage.REQUEST_MADE,
    stage_entered_on: datetime.date | None = None,
    treaty=None,
    summary: str = "",
    opened_on: datetime.date | None = None,
    by: AbstractBaseUser | None = None,
) -> Case:
    """Open a case at the stage it has already reached when the tracker starts following it.

    That starting stage is not a stage change: nothing moved, the tracker just began to look."""
    case = Case(
        title=title,
        reference=reference,
        requesting_state=requesting_state,
        requested_state=requested_state,
        offences=offences,
        stage=stage,
        stage_entered_on=stage_entered_on or opened_on,
        treaty=treaty,
        summary=summary,
        opened_on=opened_on,
    )
    with transaction.atomic():
        _save_validated(case, by=by)
        case_refresh_search_text(cases=[case])
    return case


def case_update(
    *, case: Case, by: AbstractBaseUser | None, expected_version: int | None = None, **fields
) -> Case:
    """Edit a case's descriptive fields (not its stage or outcome, which have their own services).

    Raises StaleEdit when someone else saved the case after ``expected_version``."""
    editable = {"title", "reference", "requesting_state", "requested_state", "offences", "treaty", "summary", "opened_on"}
    unexpected = set(fields) - editable
    if unexpected:
        raise ValidationError(f"These fields cannot be changed here: {', '.join(sorted(unexpected))}.")
    with transaction.atomic():
        locked = _edit_locked(case, expected_version=expected_version, fields=fields)
        _save_validated(locked, by=by)
        case_refresh_search_text(cases=[locked])
    return locked


def person_update(
    *, person: Person, by: AbstractBaseUser | None, expected_version: int | None = None, **fields
) -> Person:
    """Edit a person's name, nationality or description; raises StaleEdit on a concurrent edit."""
    with transaction.atomic():
        locked = _edit_locked(person, expected_version=expected_version, fields=fields)
        _save_validated(locked, by=by)
        case_refresh_search_text(cases=_person_cases(locked))
    return locked


def case_remove_party(*, party: CaseParty, by: AbstractBaseUser | None) -> None:
    with transaction.atomic():
        _as_history_user(party, by).delete()
        case_refresh_search_text(cases=[party.case])


def case_add_party(
    *, case: Case, person: Person, role: str, note: str = "", by: AbstractBaseUser | None = None
) -> CaseParty:
    with transaction.atomic():
        party = _save_validated(CaseParty(case=case, person=person, role=role, note=note), by=by)
        case_refresh_search_text(cases=[case])
    return party


def _event_build(*, case: Case, kind: str, fields: dict) -> Event:
    allowed = set(EVENT_COMMON_FIELDS) | set(EVENT_KIND_FIELDS[kind])
    unexpected = set(fields) - allowed
    if unexpected:
        raise TypeError(f"{Event.Kind(kind).label} events have no field(s) {', '.join(sorted(unexpected))}.")
    return Event(case=case, kind=kind, **fields)


def _event_save(event: Event, *, sources: Iterable[Source], by: AbstractBaseUser | None) -> Event:
    _check_not_in_future(event)
    if event.recorded_by_id is None:
        event.recorded_by = by
    adding = event._state.adding
    _save_validated(event, by=by)
    sources = list(sources)
    if sources or not adding:
        event.sources.set(sources)
    case_refresh_last_event(event.case)
    if adding:
        search.search_vector_add_event(event=event)
    else:
        search.search_vector_refresh(case_ids=[event.case_id])
    return event


def event_record(
    *,
    case: Case,
    kind: str,
    by: AbstractBaseUser | None,
    sources: Iterable[Source] = (),
    **fields,
) -> Event:
    """Log a ruling, status update, hearing, filing or custody change on a case.

    Statements and stage changes have their own services, because they write more than the event."""
    if kind in (Event.Kind.STAGE_CHANGE, Event.Kind.STATEMENT):
        raise ValueError(f"Record {kind} events with {'case_change_stage' if kind == Event.Kind.STAGE_CHANGE else 'statement_record'}.")
    with transaction.atomic():
        event = _event_save(_event_build(case=case, kind=kind, fields=fields), sources=sources, by=by)
        event_alerts_queue(event=event, actor=by)
    return event


def event_update(
    *,
    event: Event,
    by: AbstractBaseUser | None,
    expected_version: int | None = None,
    sources: Iterable[Source] | None = None,
    statement_changes: dict | None = None,
    **fields,
) -> Event:
    """Correct an event (and, for a statement, what was said); the history keeps what it said before.

    Raises StaleEdit when someone else saved the event after ``expected_version``."""
    allowed = set(EVENT_COMMON_FIELDS) | set(EVENT_KIND_FIELDS[event.kind])
    if event.kind == Event.Kind.STAGE_CHANGE:
        # The stages and their dates are the case's audit trail; only the reason and sources can be corrected.
        allowed -= {"occurred_on", "date_precision", "date_approximate"}
    unexpected = set(fields) - allowed
    if unexpected:
        raise ValidationError(f"These fields cannot be changed on this event: {', '.join(sorted(unexpected))}.")
    with transaction.atomic():
        locked = _edit_locked(event, expected_version=expected_version, fields=fields)
        if statement_changes and locked.statement_id:
            statement = locked.statement
            for name, value in statement_changes.items():
                setattr(statement, name, value)
            if "quote" in statement_changes:
                statement.quote = statement.quote.strip()
            _save_validated(statement, by=by)
            search.search_vector_refresh(case_ids=statement.events.values_list("case_id", flat=True))
        _event_save(locked, sources=locked.sources.all() if sources is None else sources, by=by)
    return locked


def event_delete(*, event: Event, by: AbstractBaseUser | None) -> None:
    """Delete an event logged in error. It is only marked deleted: an administrator can restore it,
    and its history records who deleted it and when.

    Stage changes stay: the case's stage is the result of them. Correct a wrong move with a new one."""
    if event.kind == Event.Kind.STAGE_CHANGE:
        raise ValidationError("A stage change cannot be deleted; record a new stage change to correct it.")
    with transaction.atomic():
        event.deleted_at, event.deleted_by = timezone.now(), by
        _as_history_user(event, by).save(update_fields=["deleted_at", "deleted_by", "updated_at"])
        case_refresh_last_event(event.case)
        search.search_vector_refresh(case_ids=[event.case_id])


def event_restore(*, event: Event, by: AbstractBaseUser | None) -> None:
    """Bring back a deleted event."""
    with transaction.atomic():
        event.deleted_at, event.deleted_by = None, None
        _as_history_user(event, by).save(update_fields=["deleted_at", "deleted_by", "updated_at"])
        case_refresh_last_event(event.case)
        search.search_vector_refresh(case_ids=[event.case_id])


def case_delete(*, case: Case, by: AbstractBaseUser | None) -> None:
    """Delete a case: it disappears from every list and page, and an administrator can restore it."""
    with transaction.atomic():
        case.deleted_at, case.deleted_by = timezone.now(), by
        _as_history_user(case, by).save(update_fields=["deleted_at", "deleted_by", "updated_at"])


def case_restore(*, case: Case, by: AbstractBaseUser | None) -> None:
    with transaction.atomic():
        case.deleted_at, case.deleted_by = None, None
        _as_history_user(case, by).save(update_fields=["deleted_at", "deleted_by", "updated_at"])


def forum_get_or_create(*, name: str, country: str, level: str, jurisdiction: str = "") -> Forum:
    """The court with this name in this country, created on first mention."""
    forum = Forum.objects.filter(name__iexact=name.strip(), country=country).first()
    if forum is not None:
        return forum
    return _save_validated(Forum(name=name.strip(), country=country, level=level, jurisdiction=jurisdiction), by=None)


def statement_record(
    *,
    cases: Iterable[Case],
    government: str,
    body: str,
    channel: str,
    quote: str,
    occurred_on: datetime.date,
    summary: str,
    speaker: Person | None = None,
    speaker_title: str = "",
    date_precision: str = DatePrecision.DAY,
    date_approximate: bool = False,
    reported_on: datetime.date | None = None,
    confidence: str = Confidence.REPORTED,
    sources: Iterable[Source] = (),
    by: AbstractBaseUser | None = None,
) -> Statement:
    """Record one government statement and put it on the timeline of every case it concerns."""
    cases, sources = list(cases), list(sources)
    if not cases:
        raise ValidationError("A statement must concern at least one case.")
    with transaction.atomic():
        statement = _save_validated(
            Statement(
                government=government,
                body=body,
                speaker=speaker,
                speaker_title=speaker_title,
                channel=channel,
                quote=quote.strip(),
            ),
            by=by,
        )
        for case in cases:
            event = Event(
                case=case,
                kind=Event.Kind.STATEMENT,
                statement=statement,
                occurred_on=occurred_on,
                date_precision=date_precision,
                date_approximate=date_approximate,
                reported_on=reported_on,
                summary=summary,
                confidence=confidence,
            )
            _event_save(event, sources=sources, by=by)
            event_alerts_queue(event=event, actor=by)
    return statement


def case_change_stage(
    *,
    case: Case,
    to_stage: str,
    reason: str,
    occurred_on: datetime.date,
    by: AbstractBaseUser | None,
    date_precision: str = DatePrecision.DAY,
    date_approximate: bool = False,
    reported_on: datetime.date | None = None,
    confidence: str = Confidence.REPORTED,
    sources: Iterable[Source] = (),
) -> Event:
    """Move a case to another stage, in any direction, and record the move on its timeline.

    Refused with a ValidationError: a move to the stage the case is already at, no reason, or
    a date before the case's latest stage change (the current stage is always the latest move's)."""
    with transaction.atomic():
        # Lock the row: two analysts moving the same case at once must not both read the old stage.
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if to_stage == locked.stage:
            raise ValidationError(
                {"to_stage": f"The case is already at “{Stage(to_stage).label}”; choose a different stage."}
            )
        if not reason.strip():
            raise ValidationError({"summary": "Say why the stage changed."})
        if locked.stage_entered_on and occurred_on < locked.stage_entered_on:
            raise ValidationError(
                {
                    "occurred_on": "The case entered its current stage on "
                    f"{locked.stage_entered_on:%d %b %Y}; a later stage change cannot be dated before that."
                }
            )
        event = Event(
            case=locked,
            kind=Event.Kind.STAGE_CHANGE,
            from_stage=locked.stage,
            to_stage=to_stage,
            summary=reason.strip(),
            occurred_on=occurred_on,
            date_precision=date_precision,
            date_approximate=date_approximate,
            reported_on=reported_on,
            confidence=confidence,
        )
        _event_save(event, sources=sources, by=by)
        locked.stage, locked.stage_entered_on = to_stage, occurred_on
        _as_history_user(locked, by)
        locked._change_reason = reason.strip()[:100]
        locked.save(update_fields=["stage", "stage_entered_on", "updated_at"])
        case.stage, case.stage_entered_on = locked.stage, locked.stage_entered_on
        event_alerts_queue(event=event, actor=by)
    return event


def case_close(
    *, case: Case, outcome: str, closed_on: datetime.date, note: str = "", by: AbstractBaseUser | None
) -> Event:
    """Close a matter with its outcome, and say so on its timeline."""
    with transaction.atomic():
        case.outcome, case.closed_on = outcome, closed_on
        _save_validated(case, by=by)
        summary = f"Case closed: {case.get_outcome_display().lower()}." + (f" {note.strip()}" if note.strip() else "")
        event = _event_save(Event(case=case, kind=Event.Kind.STATUS, occurred_on=closed_on, summary=summary), sources=(), by=by)
        event_alerts_queue(event=event, actor=by)
    return event


def case_reopen(*, case: Case, reason: str, on: datetime.date, by: AbstractBaseUser | None) -> Event:
    """Reopen a closed matter (a withdrawn request can be renewed)."""
    if case.is_open:
        raise ValidationError("The case is already open.")
    with transaction.atomic():
        case.outcome, case.closed_on = "", None
        _save_validated(case, by=by)
        event = Event(case=case, kind=Event.Kind.STATUS, occurred_on=on, summary=f"Case reopened: {reason.strip()}")
        _event_save(event, sources=(), by=by)
        event_alerts_queue(event=event, actor=by)
    return event
