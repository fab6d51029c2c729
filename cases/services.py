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
from django.db.models import Q
from django.utils import timezone

from . import search
from .dates import DatePrecision, partial_date_bounds, partial_date_display
from .models import (
    CaseCheck,
    ExecutiveDecision,
    RulingDecision,
    Authority,
    Case,
    CaseParty,
    CaseRelation,
    Confidence,
    Event,
    Outcome,
    Person,
    PersonName,
    Source,
    Stage,
    Statement,
    StatusCategory,
    Treaty,
)
from .signals import case_created_announce, case_record_changed_announce, event_recorded_announce


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
    Event.Kind.RULING: ("docket_number", "decision", "decision_detail", "judges", "document_url"),
    Event.Kind.EXECUTIVE_DECISION: ("official", "decision", "decision_detail", "docket_number", "document_url"),
    Event.Kind.STATEMENT: (),
    Event.Kind.STATUS: ("category",),
    Event.Kind.HEARING: ("docket_number", "hearing_status", "judges"),
    Event.Kind.FILING: ("docket_number", "filing_type", "filed_by", "document_url"),
    Event.Kind.CUSTODY: ("custody_change", "custody_change_then"),
    Event.Kind.STAGE_CHANGE: (),
}
# Every kind can name who acted and carry the analyst's note.
EVENT_COMMON_FIELDS = (
    "occurred_on", "date_precision", "date_approximate", "reported_on", "summary", "note", "confidence", "authority",
)
# Gap left between neighbours on a timeline, so that an event placed between two needs no renumbering.
POSITION_GAP = 1 << 20


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


def _latest_event(case: Case) -> Event | None:
    return case.events.timeline_order().only("id", "occurred_on").first()


def case_refresh_last_event(case: Case) -> None:
    """Point the case at its latest event again, after any event of it was added, moved or removed."""
    latest = _latest_event(case)
    # update() keeps these derived columns out of the case's edit history.
    Case.objects.filter(pk=case.pk).update(
        last_event=latest, last_activity_on=latest.occurred_on if latest else None
    )
    case.last_event, case.last_activity_on = latest, latest.occurred_on if latest else None


def case_search_text(case: Case) -> str:
    """What the search reads of the case itself: title, reference, offences, summary, legal basis,
    treaty, and the names and name variants of its people, one per line (see ``cases.search``)."""
    return search.case_search_texts(case_ids=[case.pk]).get(case.pk, "")


def case_refresh_search_text(*, cases: Iterable[Case]) -> None:
    """Rebuild the search text and search words of these cases: after a change to their own text, their
    people, or anything their pages show that other records hold (an authority's or a source's name)."""
    # Written with update() inside cases.search, which keeps these derived columns out of the edit history.
    search.search_vector_refresh(case_ids=[case.pk for case in cases])


def _person_cases(person: Person) -> list[Case]:
    """Every case whose page shows the person: as a party, as the official of a decision, or as the
    speaker of a statement on its timeline."""
    return list(
        Case.all_objects.filter(
            Q(parties__person=person)
            | Q(events__official=person, events__deleted_at__isnull=True)
            | Q(events__statement__speaker=person, events__deleted_at__isnull=True)
        ).distinct()
    )


def person_refresh_cases(*, person: Person) -> None:
    """Rebuild the search words of every case that shows this person (after an edit elsewhere, e.g. the admin)."""
    case_refresh_search_text(cases=_person_cases(person))


def _cases_showing(**event_conditions) -> list[Case]:
    return list(Case.all_objects.filter(pk__in=Event.objects.filter(**event_conditions).values("case_id")))


def _shared_record_update(instance, *, editable: set[str], fields: dict, by, refresh) -> None:
    """Edit a record many cases show (an authority, a source), then ``refresh`` what they derive from it."""
    unexpected = set(fields) - editable
    if unexpected:
        raise ValidationError(f"These fields cannot be changed here: {', '.join(sorted(unexpected))}.")
    with transaction.atomic():
        for name, value in fields.items():
            setattr(instance, name, value)
        _save_validated(instance, by=by)
        refresh(instance)


def authority_update(*, authority: Authority, by: AbstractBaseUser | None = None, **fields) -> Authority:
    """Rename or correct an authority; every case whose timeline names it is found by its new name."""
    _shared_record_update(
        authority, editable={"name", "country", "jurisdiction", "kind", "level"}, fields=fields, by=by,
        refresh=lambda record: authority_refresh_cases(authority=record),
    )
    return authority


def authority_refresh_cases(*, authority: Authority) -> None:
    """Rebuild what the cases whose timeline names this authority derive from it (after an edit here or
    in the admin): their search words, and their clocks (an authority's kind or country decides them)."""
    cases = _cases_showing(authority=authority)
    case_refresh_search_text(cases=cases)
    for case in cases:
        case_record_changed_announce(case_id=case.pk)


def source_update(*, source: Source, by: AbstractBaseUser | None = None, **fields) -> Source:
    """Correct a source's title, publisher, date or address; the cases citing it are found by its new words."""
    _shared_record_update(
        source, editable={"title", "publisher", "published_on", "url"}, fields=fields, by=by,
        refresh=lambda record: source_refresh_cases(source=record),
    )
    return source


def source_refresh_cases(*, source: Source) -> None:
    """Rebuild the search words of the cases whose timeline cites this source."""
    case_refresh_search_text(cases=_cases_showing(sources=source))


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
    legal_basis: str = "",
    summary: str = "",
    opened_on: datetime.date | None = None,
    stage_entered_precision: str = DatePrecision.DAY,
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
        stage_entered_precision=stage_entered_precision if stage_entered_on else DatePrecision.DAY,
        treaty=treaty,
        legal_basis=legal_basis,
        summary=summary,
        opened_on=opened_on,
    )
    with transaction.atomic():
        _save_validated(case, by=by)
        case_refresh_search_text(cases=[case])
        case_created_announce(case=case, actor=by)
    return case


def case_update(
    *, case: Case, by: AbstractBaseUser | None, expected_version: int | None = None, **fields
) -> Case:
    """Edit a case's descriptive fields (not its stage or outcome, which have their own services).

    Raises StaleEdit when someone else saved the case after ``expected_version``."""
    editable = {
        "title", "reference", "requesting_state", "requested_state", "offences", "treaty", "legal_basis", "summary",
        "opened_on",
    }
    unexpected = set(fields) - editable
    if unexpected:
        raise ValidationError(f"These fields cannot be changed here: {', '.join(sorted(unexpected))}.")
    with transaction.atomic():
        locked = _edit_locked(case, expected_version=expected_version, fields=fields)
        _save_validated(locked, by=by)
        case_refresh_search_text(cases=[locked])
        case_record_changed_announce(case_id=locked.pk)
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


def _check_decision_vocabulary(event: Event) -> None:
    """Rulings and executive decisions share the decision column but not the vocabulary."""
    if event.kind not in (Event.Kind.RULING, Event.Kind.EXECUTIVE_DECISION) or not event.decision:
        return
    vocabulary = ExecutiveDecision if event.kind == Event.Kind.EXECUTIVE_DECISION else RulingDecision
    if event.decision not in vocabulary.values:
        raise ValidationError({"decision": f"“{event.decision}” is not a decision of a {event.get_kind_display().lower()}."})


def _timeline_renumber(case_id: int) -> None:
    """Spread a case's positions out again when two neighbours have no room left between them."""
    events = list(Event.all_objects.filter(case_id=case_id).order_by("position", "id").only("pk", "position"))
    for index, event in enumerate(events, start=1):
        event.position = index * POSITION_GAP
    Event.all_objects.bulk_update(events, ["position"], batch_size=1000)


def _position_after(case_id: int, *, after_pk: int | None, exclude: int | None) -> int:
    """A free position right after the event ``after_pk`` (None: at the very start of the timeline)."""
    for _attempt in range(2):
        others = Event.all_objects.filter(case_id=case_id).exclude(pk=exclude)
        low = others.get(pk=after_pk).position if after_pk else None
        following = others.filter(position__gt=low) if low is not None else others
        high = following.order_by("position").values_list("position", flat=True).first()
        if high is None:
            return (low or 0) + POSITION_GAP
        if low is None:
            return high - POSITION_GAP
        if high - low > 1:
            return (low + high) // 2
        _timeline_renumber(case_id)
    raise RuntimeError("no room on the timeline after renumbering")


def _timeline_place(event: Event) -> None:
    """Put an event on its case's timeline: just before the first event certainly after it, else at the end.

    Positions always agree with what the dates make certain, so where dates overlap the order is
    the order of entry (an import keeps its file's order) until an analyst moves an entry."""
    others = Event.all_objects.filter(case_id=event.case_id).exclude(pk=event.pk)
    first_after = others.filter(date_earliest__gt=event.date_latest).order_by("position").values_list("position", flat=True).first()
    preceding = others.filter(position__lt=first_after) if first_after is not None else others
    after_pk = preceding.order_by("-position", "-id").values_list("pk", flat=True).first()
    event.position = _position_after(event.case_id, after_pk=after_pk, exclude=event.pk)


def event_move(*, event: Event, after: Event | None, by: AbstractBaseUser | None) -> Event:
    """Move an entry on its case's timeline to just after ``after`` (None: first), where the dates allow it.

    Refused when the dates make the new order impossible: an entry cannot be put after one that
    certainly happened later, or before one that certainly happened earlier."""
    if after is not None and (after.case_id != event.case_id or after.pk == event.pk):
        raise ValidationError("Choose another entry of the same case.")
    with transaction.atomic():
        locked = Event.all_objects.select_for_update().get(pk=event.pk)
        others = Event.objects.filter(case_id=locked.case_id).exclude(pk=locked.pk)
        if after is not None:
            after = Event.all_objects.get(pk=after.pk)
            earlier, later = others.filter(position__lte=after.position), others.filter(position__gt=after.position)
        else:
            earlier, later = others.none(), others
        clash = earlier.filter(date_earliest__gt=locked.date_latest).order_by("position").first()
        if clash is None:
            clash = later.filter(date_latest__lt=locked.date_earliest).order_by("-position").first()
        if clash is not None:
            raise ValidationError(
                f"“{clash.summary[:60]}” ({clash.date_display}) and this entry ({locked.date_display}) "
                "cannot change order: their dates say which came first."
            )
        position = _position_after(locked.case_id, after_pk=after.pk if after else None, exclude=locked.pk)
        if locked.kind == Event.Kind.STAGE_CHANGE:
            _check_stage_changes_keep_their_order(locked, new_position=position)
        locked.position = position
        Event.all_objects.filter(pk=locked.pk).update(position=locked.position)
        case_refresh_last_event(locked.case)
    event.position = locked.position
    return event


def _check_stage_changes_keep_their_order(event: Event, *, new_position: int) -> None:
    """Stage changes chain (each starts where the last ended), so one cannot pass another."""
    moves = Event.objects.filter(case_id=event.case_id, kind=Event.Kind.STAGE_CHANGE).exclude(pk=event.pk)
    earlier = moves.filter(position__lt=event.position).order_by("-position").values_list("position", flat=True).first()
    later = moves.filter(position__gt=event.position).order_by("position").values_list("position", flat=True).first()
    if (earlier is not None and new_position < earlier) or (later is not None and new_position > later):
        raise ValidationError("A stage change cannot be moved past another stage change: each starts where the last one ended.")


def event_neighbours(*, event: Event) -> tuple[Event | None, Event | None]:
    """The live entries just before and just after this one on its timeline."""
    others = Event.objects.filter(case_id=event.case_id).exclude(pk=event.pk)
    before = others.filter(position__lt=event.position).order_by("-position", "-id").first()
    after = others.filter(position__gt=event.position).order_by("position", "id").first()
    return before, after


def event_move_step(*, event: Event, later: bool, by: AbstractBaseUser | None) -> Event:
    """Swap an entry with its neighbour on the timeline (earlier or later), where the dates allow it."""
    before, after = event_neighbours(event=event)
    if later:
        if after is None:
            raise ValidationError("This entry is already the latest.")
        return event_move(event=event, after=after, by=by)
    if before is None:
        raise ValidationError("This entry is already the earliest.")
    previous, _ = event_neighbours(event=before)
    return event_move(event=event, after=previous, by=by)


def _event_save(event: Event, *, sources: Iterable[Source], by: AbstractBaseUser | None, refresh_case: bool = True) -> Event:
    """``refresh_case``: point the case at its latest event here; False when the caller saves the
    case next and writes it there (see case_change_stage)."""
    _check_not_in_future(event)
    _check_decision_vocabulary(event)
    if event.recorded_by_id is None:
        event.recorded_by = by
    adding = event._state.adding
    if event.occurred_on:
        bounds = partial_date_bounds(event.occurred_on, precision=event.date_precision, approximate=event.date_approximate)
        redated = (event.date_earliest, event.date_latest) != (bounds.earliest, bounds.latest)
        event.date_earliest, event.date_latest = bounds.earliest, bounds.latest
        if adding or redated:
            _timeline_place(event)
    _save_validated(event, by=by)
    sources = list(sources)
    if sources or not adding:
        event.sources.set(sources)
    if refresh_case:
        case_refresh_last_event(event.case)
    if adding:
        search.search_vector_add_event(event=event)
    else:
        search.search_vector_refresh(case_ids=[event.case_id])
    case_record_changed_announce(case_id=event.case_id)
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
    if kind == Event.Kind.STATUS and not fields.get("category"):
        # A first-generation caller or file that cannot say what the update is about.
        fields["category"] = StatusCategory.OTHER
    with transaction.atomic():
        event = _event_save(_event_build(case=case, kind=kind, fields=fields), sources=sources, by=by)
        event_recorded_announce(event=event, actor=by)
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
    if event.kind == Event.Kind.STAGE_CHANGE or _is_current_closing(event):
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
            statement.quote, statement.gist = statement.quote.strip(), statement.gist.strip()
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
    if _is_current_closing(event):
        raise ValidationError("This entry records that the case is closed; reopen the case rather than delete it.")
    with transaction.atomic():
        event.deleted_at, event.deleted_by = timezone.now(), by
        _as_history_user(event, by).save(update_fields=["deleted_at", "deleted_by", "updated_at"])
        case_refresh_last_event(event.case)
        search.search_vector_refresh(case_ids=[event.case_id])
        case_record_changed_announce(case_id=event.case_id)


def event_restore(*, event: Event, by: AbstractBaseUser | None) -> None:
    """Bring back a deleted event."""
    with transaction.atomic():
        event.deleted_at, event.deleted_by = None, None
        _as_history_user(event, by).save(update_fields=["deleted_at", "deleted_by", "updated_at"])
        case_refresh_last_event(event.case)
        search.search_vector_refresh(case_ids=[event.case_id])
        case_record_changed_announce(case_id=event.case_id)


def case_delete(*, case: Case, by: AbstractBaseUser | None) -> None:
    """Delete a case: it disappears from every list and page, and an administrator can restore it."""
    with transaction.atomic():
        case.deleted_at, case.deleted_by = timezone.now(), by
        _as_history_user(case, by).save(update_fields=["deleted_at", "deleted_by", "updated_at"])
        case_record_changed_announce(case_id=case.pk)


def case_restore(*, case: Case, by: AbstractBaseUser | None) -> None:
    with transaction.atomic():
        case.deleted_at, case.deleted_by = None, None
        _as_history_user(case, by).save(update_fields=["deleted_at", "deleted_by", "updated_at"])
        case_record_changed_announce(case_id=case.pk)


def authority_get_or_create(
    *, name: str, country: str, kind: str = Authority.Kind.COURT, level: str = "", jurisdiction: str = ""
) -> Authority:
    """The authority with this name in this country, created on first mention."""
    authority = Authority.objects.filter(name__iexact=name.strip(), country=country).first()
    if authority is not None:
        return authority
    if kind == Authority.Kind.COURT and not level:
        level = Authority.Level.OTHER
    return _save_validated(
        Authority(name=name.strip(), country=country, kind=kind, level=level, jurisdiction=jurisdiction), by=None
    )


def statement_record(
    *,
    cases: Iterable[Case],
    government: str,
    body: str,
    occurred_on: datetime.date,
    summary: str,
    channel: str = "",
    quote: str = "",
    reported_speech: bool = False,
    gist: str = "",
    speaker: Person | None = None,
    speaker_title: str = "",
    date_precision: str = DatePrecision.DAY,
    date_approximate: bool = False,
    reported_on: datetime.date | None = None,
    confidence: str = Confidence.REPORTED,
    note: str = "",
    authority: Authority | None = None,
    sources: Iterable[Source] = (),
    by: AbstractBaseUser | None = None,
) -> Statement:
    """Record one government statement and put it on the timeline of every case it concerns.

    A verbatim statement needs its quote; reported speech ("the ministry said India would…") needs
    what was said (``gist``) and may quote nothing. The channel may be unknown (blank)."""
    cases, sources = list(cases), list(sources)
    if not cases:
        raise ValidationError("A statement must concern at least one case.")
    quote, gist = quote.strip(), gist.strip()
    if not reported_speech and not quote:
        raise ValidationError({"quote": "Give the words as said, or tick “reported speech” and say what was said."})
    if reported_speech and not (gist or quote):
        raise ValidationError({"gist": "Say what was said, as the source reports it."})
    with transaction.atomic():
        statement = _save_validated(
            Statement(
                government=government,
                body=body,
                speaker=speaker,
                speaker_title=speaker_title,
                channel=channel,
                reported_speech=reported_speech,
                quote=quote,
                gist=gist,
            ),
            by=by,
        )
        statement_add_cases(
            statement=statement,
            cases=cases,
            occurred_on=occurred_on,
            summary=summary,
            date_precision=date_precision,
            date_approximate=date_approximate,
            reported_on=reported_on,
            confidence=confidence,
            note=note,
            authority=authority,
            sources=sources,
            by=by,
        )
    return statement


def statement_add_cases(
    *,
    statement: Statement,
    cases: Iterable[Case],
    occurred_on: datetime.date,
    summary: str,
    date_precision: str = DatePrecision.DAY,
    date_approximate: bool = False,
    reported_on: datetime.date | None = None,
    confidence: str = Confidence.REPORTED,
    note: str = "",
    authority: Authority | None = None,
    sources: Iterable[Source] = (),
    by: AbstractBaseUser | None = None,
) -> list[Event]:
    """Put an already recorded statement on the timeline of more cases it concerns (one event each)."""
    sources, events = list(sources), []
    with transaction.atomic():
        for case in cases:
            if statement.events.filter(case=case).exists():
                raise ValidationError(f"The statement is already on the timeline of “{case}”.")
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
                note=note,
                authority=authority,
            )
            _event_save(event, sources=sources, by=by)
            event_recorded_announce(event=event, actor=by)
            events.append(event)
    return events


def _check_move_follows_the_latest(case: Case, moved) -> None:
    """A move is placed after the case's latest move (each starts where the last ended), so no entry at or
    before that move on the timeline may be certainly later than the new move."""
    latest = Event.all_objects.filter(case=case, kind=Event.Kind.STAGE_CHANGE).order_by("-position").first()
    if latest is None:
        return
    later = (Event.all_objects.filter(case=case, position__lte=latest.position, date_earliest__gt=moved.latest)
             .order_by("position").first())
    if later is not None:
        raise ValidationError({"occurred_on": f"“{later.summary[:60]}” ({later.date_display}) stands before the latest "
                               "stage change on the timeline and is certainly later than this date: move it after "
                               "the stage change first, or date this change later."})


def _is_current_closing(event: Event) -> bool:
    """Whether this is the entry case_close wrote for the case's current closure."""
    case = event.case
    return (not case.is_open and event.kind == Event.Kind.STATUS and event.category == StatusCategory.CASE_CLOSURE
            and event.occurred_on == case.closed_on and event.summary.startswith("Case closed: "))


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
    note: str = "",
    authority: Authority | None = None,
    sources: Iterable[Source] = (),
) -> Event:
    """Move a case to another stage, in any direction, and record the move on its timeline.

    Refused with a ValidationError: a move to the stage the case is already at, no reason, or a
    date certainly before the case entered its current stage (a move known only as "2016" is not
    certainly before one of 1 Feb 2016, so it is accepted)."""
    with transaction.atomic():
        # Lock the row: two analysts moving the same case at once must not both read the old stage.
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if to_stage == locked.stage:
            raise ValidationError(
                {"to_stage": f"The case is already at “{Stage(to_stage).label}”; choose a different stage."}
            )
        if not reason.strip():
            raise ValidationError({"summary": "Say why the stage changed."})
        if locked.stage_entered_on and occurred_on:
            current = partial_date_bounds(
                locked.stage_entered_on,
                precision=locked.stage_entered_precision,
                approximate=locked.stage_entered_approximate,
            )
            moved = partial_date_bounds(occurred_on, precision=date_precision, approximate=date_approximate)
            if moved.certainly_before(current):
                raise ValidationError(
                    {
                        "occurred_on": f"The case entered its current stage "
                        f"{'on' if locked.stage_entered_precision == DatePrecision.DAY else 'in'} {locked.stage_entered_display}; "
                        f"a later stage change cannot be dated {partial_date_display(occurred_on, precision=date_precision, approximate=date_approximate)}."
                    }
                )
        if occurred_on:
            _check_move_follows_the_latest(locked, partial_date_bounds(occurred_on, precision=date_precision, approximate=date_approximate))
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
            note=note,
            authority=authority,
        )
        _event_save(event, sources=sources, by=by, refresh_case=False)
        locked.stage, locked.stage_entered_on = to_stage, occurred_on
        locked.stage_entered_precision, locked.stage_entered_approximate = date_precision, date_approximate
        # The latest event is written with the stage, in one update of the case's row: on PostgreSQL
        # each update that moves an indexed column re-indexes all of the row's search words (25,000
        # on a case with 10,000 events), so two updates cost twice that.
        latest = _latest_event(locked)
        locked.last_event, locked.last_activity_on = latest, latest.occurred_on if latest else None
        _as_history_user(locked, by)
        locked._change_reason = reason.strip()[:100]
        locked.save(
            update_fields=["stage", "stage_entered_on", "stage_entered_precision", "stage_entered_approximate",
                           "last_event", "last_activity_on", "updated_at"]
        )
        case.stage, case.stage_entered_on = locked.stage, locked.stage_entered_on
        case.stage_entered_precision, case.stage_entered_approximate = date_precision, date_approximate
        case.last_event, case.last_activity_on = locked.last_event, locked.last_activity_on
        event_recorded_announce(event=event, actor=by)
    return event


def case_set_outcome(
    *, case: Case, outcome: str, after_surrender: str = "", by: AbstractBaseUser | None
) -> Case:
    """Record how the extradition ended and, once extradited, what became of the person, with the case
    open or closed: an extradited person's trial is followed on the same case."""
    if after_surrender and outcome != Outcome.EXTRADITED:
        raise ValidationError({"after_surrender": "What happened after surrender applies only to a person who was extradited."})
    if not outcome and case.closed_on:
        raise ValidationError({"outcome": "A closed case needs its outcome; reopen it to clear the outcome."})
    with transaction.atomic():
        locked = _edit_locked(case, expected_version=None, fields={"outcome": outcome, "after_surrender": after_surrender})
        _save_validated(locked, by=by)
    case.outcome, case.after_surrender, case.version = locked.outcome, locked.after_surrender, locked.version
    return case


def case_close(
    *,
    case: Case,
    outcome: str,
    closed_on: datetime.date,
    note: str = "",
    after_surrender: str = "",
    by: AbstractBaseUser | None,
) -> Event:
    """Close a matter with its outcome (and, for an extradited person, what became of them), and say so on its timeline."""
    if after_surrender and outcome != Outcome.EXTRADITED:
        raise ValidationError({"after_surrender": "What happened after surrender applies only to a person who was extradited."})
    with transaction.atomic():
        case.outcome, case.closed_on = outcome, closed_on
        case.after_surrender = after_surrender or (case.after_surrender if outcome == Outcome.EXTRADITED else "")
        _save_validated(case, by=by)
        summary = f"Case closed: {case.get_outcome_display().lower()}." + (f" {note.strip()}" if note.strip() else "")
        event = _event_save(
            Event(case=case, kind=Event.Kind.STATUS, category=StatusCategory.CASE_CLOSURE, occurred_on=closed_on, summary=summary),
            sources=(),
            by=by,
        )
        event_recorded_announce(event=event, actor=by)
    return event


def case_reopen(*, case: Case, reason: str, on: datetime.date, by: AbstractBaseUser | None) -> Event:
    """Reopen a closed matter (a withdrawn request can be renewed); the outcome is kept until changed."""
    if case.is_open:
        raise ValidationError("The case is already open.")
    with transaction.atomic():
        case.closed_on = None
        if case.outcome != Outcome.EXTRADITED:
            case.outcome = ""
        _save_validated(case, by=by)
        event = Event(
            case=case,
            kind=Event.Kind.STATUS,
            category=StatusCategory.CASE_CLOSURE,
            occurred_on=on,
            summary=f"Case reopened: {reason.strip()}",
        )
        _event_save(event, sources=(), by=by)
        event_recorded_announce(event=event, actor=by)
    return event


def case_relate(
    *, case: Case, related_case: Case, relation: str, note: str = "", by: AbstractBaseUser | None
) -> CaseRelation:
    """Link two matters (shown on both); an existing link between the two, either way round, is replaced."""
    if case.pk == related_case.pk:
        raise ValidationError({"related_case": "A case cannot be related to itself."})
    with transaction.atomic():
        for existing in CaseRelation.objects.filter(case=related_case, related_case=case):
            _as_history_user(existing, by).delete()
        relation_row = CaseRelation.objects.filter(case=case, related_case=related_case).first() or CaseRelation(
            case=case, related_case=related_case
        )
        relation_row.relation, relation_row.note = relation, note.strip()
        return _save_validated(relation_row, by=by)


def case_unrelate(*, relation: CaseRelation, by: AbstractBaseUser | None) -> None:
    with transaction.atomic():
        _as_history_user(relation, by).delete()


TREATY_FIELDS = {"name", "countries", "signed_on", "in_force_on", "url"}


def treaty_create(*, name: str, by: AbstractBaseUser | None = None, **fields) -> Treaty:
    """Record a treaty or convention that matters can rely on."""
    unexpected = set(fields) - TREATY_FIELDS
    if unexpected:
        raise TypeError(f"Treaties have no field(s) {', '.join(sorted(unexpected))}.")
    with transaction.atomic():
        return _save_validated(Treaty(name=name.strip(), **fields), by=by)


def treaty_update(*, treaty: Treaty, by: AbstractBaseUser | None = None, **fields) -> Treaty:
    unexpected = set(fields) - TREATY_FIELDS
    if unexpected:
        raise ValidationError(f"These fields cannot be changed here: {', '.join(sorted(unexpected))}.")
    with transaction.atomic():
        for name, value in fields.items():
            setattr(treaty, name, value)
        _save_validated(treaty, by=by)
        if "name" in fields:
            case_refresh_search_text(cases=Case.all_objects.filter(treaty=treaty))
        if "countries" in fields:
            # The parties decide which treaty rules run the cases' clocks.
            for case_id in Case.all_objects.filter(treaty=treaty).values_list("pk", flat=True):
                case_record_changed_announce(case_id=case_id)
        return treaty


def treaty_get_or_create(*, name: str, by: AbstractBaseUser | None = None, **fields) -> Treaty:
    """The treaty with this name, created on first mention."""
    existing = Treaty.objects.filter(name=name.strip()).first()
    return existing or treaty_create(name=name, by=by, **fields)


def case_mark_checked(*, case: Case, by: AbstractBaseUser | None) -> CaseCheck:
    """Record that an analyst looked for news of the case and found nothing new to log."""
    return CaseCheck.objects.create(case=case, checked_by=by, checked_at=timezone.now())
