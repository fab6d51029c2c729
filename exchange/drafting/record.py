"""Recording what the analyst confirmed: new events, further sources for events already recorded, deadlines."""

import re

from django.db import transaction
from django.db.models import Q

from alerts import services as alert_services
from alerts.models import Deadline
from cases import services
from cases.models import Authority, Case, Event, Person

from .drafts import DEADLINE


def drafts_record(*, case: Case, drafts: list[dict], source: dict, by) -> list:
    """Record the drafts the analyst confirmed, each with the article as its source; all or none.

    ``drafts`` are cleaned form data (see forms.DraftForm). A draft with ``add_source`` and the id
    of an event already recorded adds the article to that event's sources instead. ``source`` has
    url, title, publisher and published_on. Raises ValidationError from the services, with nothing
    saved. Returns the events and deadlines written."""
    written = []
    with transaction.atomic():
        article = services.source_get_or_create(**source)
        for draft in drafts:
            recorded = draft.get("recorded_event_id")
            if recorded and draft.get("add_source") and not draft.get("record", True):
                event = Event.objects.get(pk=recorded, case=case)
                if not event.sources.filter(pk=article.pk).exists():
                    services.event_update(event=event, by=by, sources=[*event.sources.all(), article])
                written.append(event)
                continue
            written.append(_record_one(case=case, draft=draft, source=source, article=article, by=by))
    return written


def _record_one(*, case, draft, source, article, by):
    kind = draft["kind"]
    if kind == DEADLINE:
        title = draft.get("deadline_title") or draft["summary"]
        return alert_services.deadline_create(
            case=case, kind=_deadline_kind(title), title=title[:200], due_on=draft["occurred_on"],
            notes=f"From “{source['title']}”" + (f", {source['url']}" if source.get("url") else "") + ".", by=by,
        )
    common = {
        "occurred_on": draft["occurred_on"],
        "date_precision": draft["date_precision"],
        "date_approximate": draft["date_approximate"],
        "reported_on": source["published_on"],
        "confidence": draft["confidence"],
        "sources": [article],
        "by": by,
    }
    if kind == Event.Kind.STATEMENT:
        statement = services.statement_record(
            cases=[case], government=draft["government"], body=draft["body"],
            speaker=draft.get("speaker") or _person_for(draft.get("speaker_name", ""), by=by),
            speaker_title=draft.get("speaker_title", ""), channel=draft.get("channel") or "",
            quote=draft.get("quote") or "", reported_speech=bool(draft.get("reported_speech")),
            gist=draft.get("gist") or "", summary=draft["summary"], **common,
        )
        return statement.events.get(case=case)
    fields = {"summary": draft["summary"]}
    if kind in (Event.Kind.RULING, Event.Kind.HEARING) and draft.get("authority_name"):
        fields["authority"] = services.authority_get_or_create(
            name=draft["authority_name"], country=draft["authority_country"], kind=Authority.Kind.COURT,
            level=draft.get("authority_level") or Authority.Level.OTHER,
        )
    if kind == Event.Kind.RULING:
        fields.update(decision=draft["decision"], decision_detail=draft.get("decision_detail") or "")
    elif kind == Event.Kind.EXECUTIVE_DECISION:
        fields["authority"] = services.authority_get_or_create(
            name=draft["authority_name"], country=draft["authority_country"],
            kind=draft.get("authority_kind") or Authority.Kind.EXECUTIVE,
        )
        fields.update(
            decision=draft["decision"], decision_detail=draft.get("decision_detail") or "",
            official=draft.get("official") or _person_for(draft.get("official_name", ""), by=by),
        )
    elif kind == Event.Kind.CUSTODY:
        fields["custody_change"] = draft["custody_change"]
    elif kind == Event.Kind.STATUS and draft.get("category"):
        fields["category"] = draft["category"]
    elif kind == Event.Kind.FILING:
        fields.update(filing_type=draft["filing_type"], filed_by=draft.get("filed_by") or "")
    elif kind == Event.Kind.HEARING:
        fields["hearing_status"] = draft["hearing_status"]
    return services.event_record(case=case, kind=kind, **fields, **common)


def _deadline_kind(title: str) -> str:
    if re.search(r"surrender|hand(?:ed)?\s+over|extradit", title, re.IGNORECASE):
        return Deadline.Kind.SURRENDER
    if re.search(r"appeal|file|lodge|submit|respond|apply", title, re.IGNORECASE):
        return Deadline.Kind.FILING
    return Deadline.Kind.OTHER


def _person_for(name: str, *, by) -> Person | None:
    """The recorded person of this name or name variant, created on first mention; None for no name."""
    name = (name or "").strip()
    if not name:
        return None
    return Person.objects.matching(name).filter(Q(name__iexact=name) | Q(names__name__iexact=name)).first() or (
        services.person_create(name=name, by=by)
    )
