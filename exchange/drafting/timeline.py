"""Drafts against the timeline: a draft that repeats an event already recorded is marked so, unticked,
with the offer to add the article as a further source of that event."""

from alerts.models import Deadline
from cases.dates import partial_date_bounds
from cases.models import Case, Event

from .drafts import DEADLINE, Draft


def drafts_mark_recorded(*, case: Case, drafts: list[Draft]) -> None:
    events = list(Event.objects.filter(case=case).select_related("statement", "statement__speaker", "authority")
                  .exclude(kind=Event.Kind.STAGE_CHANGE))
    deadlines = list(Deadline.objects.filter(case=case))
    for draft in drafts:
        if draft.kind == DEADLINE:
            match = next((d for d in deadlines if draft.date and d.due_on.isoformat() == draft.date), None)
            if match is not None:
                draft.recorded_as = f"Deadline already recorded: {match.title} ({match.due_on:%d %b %Y})."
                draft.recorded_event_id = None
                draft.about_case = False  # nothing to add; the deadline is there
            continue
        event = next((e for e in events if _same(draft, e)), None)
        if event is not None:
            draft.recorded_event_id = event.pk
            draft.recorded_as = str(event)


def _same(draft: Draft, event: Event) -> bool:
    if draft.kind != event.kind:
        return False
    bounds = draft.bounds()
    if bounds is not None and not bounds.overlaps(
        partial_date_bounds(event.occurred_on, precision=event.date_precision, approximate=event.date_approximate)
    ):
        return False
    if draft.kind == Event.Kind.STATEMENT:
        statement = event.statement
        if statement is None:
            return False
        if draft.quote and statement.quote:
            a, b = _words(draft.quote), _words(statement.quote)
            return a in b or b in a or _overlap(a, b) > 0.6
        if draft.gist and statement.gist:
            return _overlap(_words(draft.gist), _words(statement.gist)) > 0.6
        speaker = statement.speaker.name if statement.speaker_id else ""
        return bool(draft.speaker_name) and draft.speaker_name == speaker and bounds is not None
    if draft.kind in (Event.Kind.RULING, Event.Kind.EXECUTIVE_DECISION):
        return draft.decision == event.decision
    if draft.kind == Event.Kind.CUSTODY:
        return draft.custody_change in (event.custody_change, event.custody_change_then)
    if draft.kind == Event.Kind.FILING:
        return draft.filing_type == event.filing_type
    if draft.kind == Event.Kind.HEARING:
        return draft.hearing_status == event.hearing_status and bounds is not None
    if draft.kind == Event.Kind.STATUS:
        return draft.category == event.category and bounds is not None
    return False


def _words(text: str) -> str:
    return " ".join(text.lower().replace("’", "'").split())


def _overlap(a: str, b: str) -> float:
    left, right = set(a.split()), set(b.split())
    return len(left & right) / max(1, min(len(left), len(right)))
