"""
Export: cases with everything needed to rebuild them, as the version 2 JSON document or as CSV.

The document holds natural keys only (case references, names, partial-date text), never database
ids or timestamps, so exporting the same data twice gives the same bytes, and exporting,
importing into an empty database and exporting again gives the same document. Its schema is
``exchange.schema`` (served at /exchange/schema/v2.json); README.md ("Import and export") explains it.
"""

import csv
import io
import json
from collections.abc import Iterable

from django.db.models import Prefetch, QuerySet
from django.utils.text import slugify

from cases.dates import partial_date_text
from cases.models import Authority, Case, CaseParty, CaseRelation, Event, Person, Source, Statement, Treaty
from cases.selectors import case_stage_track

from .schema import EVENT_KIND_FIELDS, SCHEMA_NAME, SCHEMA_VERSION

# One row per event, the case's columns repeated on each; a case without events gets one row.
CSV_CASE_COLUMNS = [
    "case_reference", "case_title", "requesting_state", "requested_state", "offences", "treaty", "legal_basis",
    "case_summary", "opened_on", "initial_stage", "stage", "stage_entered_on", "outcome", "after_surrender", "closed_on",
    "people",
]
CSV_EVENT_COLUMNS = [
    "event_kind", "event_date", "date_precision", "date_approximate", "reported_on", "event_summary", "note", "confidence",
    "sources", "authority", "authority_country", "authority_kind", "authority_level", "docket_number", "decision",
    "decision_detail", "judges", "official", "document_url", "hearing_status", "filing_type", "filed_by", "category",
    "custody_change", "custody_change_then", "from_stage", "to_stage",
    "government", "body", "speaker", "speaker_title", "channel", "reported_speech", "quote", "gist",
]
CSV_COLUMNS = CSV_CASE_COLUMNS + CSV_EVENT_COLUMNS
# The statement's columns, named as its fields in the document.
CSV_STATEMENT_COLUMNS = ("government", "body", "speaker", "speaker_title", "channel", "reported_speech", "quote", "gist")


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _unique_keys(items: Iterable, *, label) -> dict:
    """A readable key per item (a slug of its label), made unique with -2, -3 in the given order."""
    keys, taken = {}, set()
    for item in items:
        base = slugify(label(item)) or "item"
        key, n = base, 1
        while key in taken:
            n += 1
            key = f"{base}-{n}"
        taken.add(key)
        keys[item.pk] = key
    return keys


def export_queryset(cases: QuerySet[Case]) -> QuerySet[Case]:
    """The cases with everything the export reads, in a fixed number of queries."""
    return cases.order_by("reference").select_related("treaty").prefetch_related(
        Prefetch("parties", queryset=CaseParty.objects.select_related("person").order_by("role", "person__name", "pk")),
        Prefetch("relations_from",
                 queryset=CaseRelation.objects.select_related("related_case").order_by("related_case__reference")),
        Prefetch(
            "events",
            queryset=Event.objects.timeline_order(newest_first=False).select_related(
                "authority", "official", "statement", "statement__speaker"
            ).prefetch_related("sources"),
        ),
    )


def export_document(*, cases: QuerySet[Case] | None = None, everything: bool = False) -> dict:
    """The JSON-ready document for these cases (all cases when None).

    With ``everything``, people, authorities, treaties and sources not linked to any exported case
    are included too, so that a full export restores the whole database."""
    cases = list(export_queryset(cases if cases is not None else Case.objects.all()))
    events = [event for case in cases for event in case.events.all()]

    statements: dict[int, Statement] = {}
    first_said: dict[int, Event] = {}
    for event in events:
        if event.statement_id:
            statements[event.statement_id] = event.statement
            if event.statement_id not in first_said or event.occurred_on < first_said[event.statement_id].occurred_on:
                first_said[event.statement_id] = event
    people = {party.person for case in cases for party in case.parties.all()}
    people |= {s.speaker for s in statements.values() if s.speaker_id}
    people |= {e.official for e in events if e.official_id}
    authorities = {e.authority for e in events if e.authority_id}
    sources = {source for e in events for source in e.sources.all()}
    treaties = {case.treaty for case in cases if case.treaty_id}
    if everything:
        people |= set(Person.objects.all())
        authorities |= set(Authority.objects.all())
        sources |= set(Source.objects.all())
        treaties |= set(Treaty.objects.all())

    people = sorted(people, key=lambda p: (p.name, p.description, p.pk))
    variants = {}
    for person in Person.objects.filter(pk__in=[p.pk for p in people]).prefetch_related("names"):
        variants[person.pk] = sorted((v.name, v.kind) for v in person.names.all())
    authorities = sorted(authorities, key=lambda a: (a.name, a.country.code or "", a.pk))
    sources = sorted(sources, key=lambda s: (s.published_on is None, s.published_on or "", s.title, s.url, s.pk))

    def said_on(statement: Statement) -> str:
        event = first_said[statement.pk]
        return partial_date_text(event.occurred_on, precision=event.date_precision)

    statements = sorted(statements.values(), key=lambda s: (
        first_said[s.pk].occurred_on, s.government.code, s.body, s.quote, s.gist, s.speaker.name if s.speaker_id else "", s.pk))
    keys = {
        "person": _unique_keys(people, label=lambda p: p.name),
        "authority": _unique_keys(authorities, label=lambda a: f"{a.name} {a.country.code or ''}"),
        "source": {source.pk: f"source-{index}" for index, source in enumerate(sources, start=1)},
        "statement": _unique_keys(statements, label=lambda s: f"statement {said_on(s)}"),
    }
    exported = {case.pk for case in cases}
    return {
        "format": SCHEMA_NAME,
        "schema_version": SCHEMA_VERSION,
        "treaties": [
            {"name": t.name, "countries": sorted(c.code for c in t.countries), "signed_on": _iso(t.signed_on),
             "in_force_on": _iso(t.in_force_on), "url": t.url}
            for t in sorted(treaties, key=lambda t: t.name)
        ],
        "people": [
            {
                "key": keys["person"][p.pk],
                "name": p.name,
                "variants": [{"name": name, "kind": kind} for name, kind in variants[p.pk]],
                "nationality": sorted(c.code for c in p.nationality),
                "description": p.description,
            }
            for p in people
        ],
        "authorities": [
            {"key": keys["authority"][a.pk], "name": a.name, "country": a.country.code or "", "jurisdiction": a.jurisdiction,
             "kind": a.kind, "level": a.level}
            for a in authorities
        ],
        "sources": [
            {"key": keys["source"][s.pk], "url": s.url, "publisher": s.publisher, "title": s.title,
             "published_on": _iso(s.published_on)}
            for s in sources
        ],
        "statements": [
            {
                "key": keys["statement"][s.pk],
                "government": s.government.code,
                "body": s.body,
                "speaker": keys["person"][s.speaker_id] if s.speaker_id else None,
                "speaker_title": s.speaker_title,
                "channel": s.channel,
                "reported_speech": s.reported_speech,
                "quote": s.quote,
                "gist": s.gist,
            }
            for s in statements
        ],
        "cases": [_case_entry(case, keys=keys, exported=exported) for case in cases],
    }


def _case_entry(case: Case, *, keys: dict, exported: set[int]) -> dict:
    track = case_stage_track(case=case)
    return {
        "reference": case.reference,
        "title": case.title,
        "requesting_state": case.requesting_state.code,
        "requested_state": case.requested_state.code,
        "offences": case.offences,
        "treaty": case.treaty.name if case.treaty_id else None,
        "legal_basis": case.legal_basis,
        "summary": case.summary,
        "opened_on": _iso(case.opened_on),
        "initial_stage": track[0].stage,
        "stage": case.stage,
        "stage_entered_on": partial_date_text(case.stage_entered_on, precision=case.stage_entered_precision)
        if case.stage_entered_on else None,
        "outcome": case.outcome,
        "after_surrender": case.after_surrender,
        "closed_on": _iso(case.closed_on),
        "parties": [
            {"person": keys["person"][party.person_id], "role": party.role, "note": party.note}
            for party in case.parties.all()
        ],
        # Each link is written once, on the case that holds it, and only when both ends are exported,
        # so that every export can be imported on its own.
        "related": [
            {"case": link.related_case.reference, "relation": link.relation, "note": link.note}
            for link in case.relations_from.all() if link.related_case_id in exported
        ],
        "events": [_event_entry(event, keys=keys) for event in case.events.all()],
    }


def _event_entry(event: Event, *, keys: dict) -> dict:
    entry = {
        "kind": event.kind,
        "date": partial_date_text(event.occurred_on, precision=event.date_precision),
        "date_precision": event.date_precision,
        "date_approximate": event.date_approximate,
        "reported_on": _iso(event.reported_on),
        "summary": event.summary,
        "note": event.note,
        "confidence": event.confidence,
        "sources": sorted(keys["source"][s.pk] for s in event.sources.all()),
        "authority": keys["authority"][event.authority_id] if event.authority_id else None,
    }
    for field in EVENT_KIND_FIELDS[event.kind]:
        if field == "statement":
            entry["statement"] = keys["statement"][event.statement_id]
        elif field == "official":
            entry["official"] = keys["person"][event.official_id] if event.official_id else None
        else:
            entry[field] = getattr(event, field)
    return entry


def export_json(document: dict) -> str:
    """The document as UTF-8 JSON text, keys in a fixed order, ready to diff."""
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


# CSV ---------------------------------------------------------------------------------------------


def _people_cell(case_entry: dict, people: dict) -> str:
    return "; ".join(f"{people[p['person']]['name']} [{p['role']}]" for p in case_entry["parties"])


def _sources_cell(keys: list[str], sources: dict) -> str:
    """One source per line: title | publisher | published on | address."""
    lines = []
    for key in keys:
        s = sources[key]
        lines.append(" | ".join([s["title"], s["publisher"], s["published_on"] or "", s["url"]]))
    return "\n".join(lines)


def _yes(value: bool) -> str:
    return "yes" if value else ""


def export_csv_rows(document: dict) -> list[dict]:
    """The document flattened: one dict per event, with the CSV_COLUMNS as keys."""
    people = {p["key"]: p for p in document["people"]}
    authorities = {a["key"]: a for a in document["authorities"]}
    sources = {s["key"]: s for s in document["sources"]}
    statements = {s["key"]: s for s in document["statements"]}
    rows = []
    for case in document["cases"]:
        case_columns = {
            "case_reference": case["reference"],
            "case_title": case["title"],
            "requesting_state": case["requesting_state"],
            "requested_state": case["requested_state"],
            "offences": case["offences"],
            "treaty": case["treaty"] or "",
            "legal_basis": case["legal_basis"],
            "case_summary": case["summary"],
            "opened_on": case["opened_on"] or "",
            "initial_stage": case["initial_stage"],
            "stage": case["stage"],
            "stage_entered_on": case["stage_entered_on"] or "",
            "outcome": case["outcome"],
            "after_surrender": case["after_surrender"],
            "closed_on": case["closed_on"] or "",
            "people": _people_cell(case, people),
        }
        if not case["events"]:
            rows.append(case_columns | {column: "" for column in CSV_EVENT_COLUMNS})
        for event in case["events"]:
            row = {column: "" for column in CSV_EVENT_COLUMNS}
            row.update(
                event_kind=event["kind"],
                event_date=event["date"],
                date_precision=event["date_precision"],
                date_approximate=_yes(event["date_approximate"]),
                reported_on=event["reported_on"] or "",
                event_summary=event["summary"],
                note=event["note"],
                confidence=event["confidence"],
                sources=_sources_cell(event["sources"], sources),
            )
            authority = authorities.get(event["authority"])
            if authority:
                row.update(authority=authority["name"], authority_country=authority["country"],
                           authority_kind=authority["kind"], authority_level=authority["level"])
            for field in EVENT_KIND_FIELDS[event["kind"]]:
                if field == "statement":
                    st = statements[event["statement"]]
                    row.update({name: st[name] for name in CSV_STATEMENT_COLUMNS})
                    row.update(speaker=people[st["speaker"]]["name"] if st["speaker"] else "",
                               reported_speech=_yes(st["reported_speech"]))
                elif field == "official":
                    row["official"] = people[event["official"]]["name"] if event["official"] else ""
                else:
                    row[field] = event[field]
            rows.append(case_columns | row)
    return rows


# A cell starting with one of these is run as a formula by spreadsheet programs.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell_protect(value: str) -> str:
    """Keep a spreadsheet from running a cell as a formula: an apostrophe in front, which
    spreadsheets hide and the import removes (csv_cell_unprotect)."""
    return "'" + value if value.startswith(FORMULA_STARTS) or value.startswith("'") else value


def csv_cell_unprotect(value: str) -> str:
    return value[1:] if value.startswith("'") and (value[1:].startswith(FORMULA_STARTS) or value[1:].startswith("'")) else value


def export_csv(document: dict) -> str:
    """The document as CSV text (RFC 4180, a header row, cells with newlines quoted)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in export_csv_rows(document):
        writer.writerow({column: csv_cell_protect(value) for column, value in row.items()})
    return out.getvalue()
