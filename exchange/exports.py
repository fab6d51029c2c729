"""
Export: cases with everything needed to rebuild them, as a versioned JSON document or as CSV.

The document holds natural keys only (case references, names, partial-date text), never database
ids or timestamps, so exporting the same data twice gives the same bytes, and exporting,
importing into an empty database and exporting again gives the same document. The schema is
described in README.md ("Import and export").
"""

import csv
import io
import json
from collections.abc import Iterable

from django.db.models import Prefetch, QuerySet
from django.utils.text import slugify

from cases.dates import partial_date_text
from cases.models import Case, CaseParty, Event, Authority, Person, Source, Treaty
from cases.selectors import case_stage_track

SCHEMA_NAME = "extradition-tracker"
SCHEMA_VERSION = 1

# The fields each kind of event carries in the document, besides the common ones.
EVENT_KIND_FIELDS = {
    Event.Kind.RULING: ("authority", "docket_number", "decision", "judges", "document_url"),
    Event.Kind.STATEMENT: ("statement",),
    Event.Kind.STATUS: (),
    Event.Kind.HEARING: ("authority", "docket_number", "hearing_status", "judges"),
    Event.Kind.FILING: ("authority", "docket_number", "filing_type", "filed_by", "document_url"),
    Event.Kind.CUSTODY: ("custody_change",),
    Event.Kind.STAGE_CHANGE: ("from_stage", "to_stage"),
}

# One row per event, the case's columns repeated on each; a case without events gets one row.
CSV_CASE_COLUMNS = [
    "case_reference", "case_title", "requesting_state", "requested_state", "offences", "treaty", "case_summary",
    "opened_on", "initial_stage", "stage", "stage_entered_on", "outcome", "closed_on", "people",
]
CSV_EVENT_COLUMNS = [
    "event_kind", "event_date", "date_precision", "date_approximate", "reported_on", "event_summary", "confidence",
    "sources", "authority", "authority_country", "authority_level", "docket_number", "decision", "judges", "document_url",
    "hearing_status", "filing_type", "filed_by", "custody_change", "from_stage", "to_stage",
    "government", "body", "speaker", "speaker_title", "channel", "quote",
]
CSV_COLUMNS = CSV_CASE_COLUMNS + CSV_EVENT_COLUMNS


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
        Prefetch(
            "events",
            queryset=Event.objects.order_by("occurred_on", "id").select_related(
                "authority", "statement", "statement__speaker"
            ).prefetch_related("sources"),
        ),
    )


def export_document(*, cases: QuerySet[Case] | None = None, everything: bool = False) -> dict:
    """The JSON-ready document for these cases (all cases when None).

    With ``everything``, people, courts, treaties and sources not linked to any exported case are
    included too, so that a full export restores the whole database."""
    cases = list(export_queryset(cases if cases is not None else Case.objects.all()))
    events = [event for case in cases for event in case.events.all()]

    people = {party.person for case in cases for party in case.parties.all()}
    people |= {e.statement.speaker for e in events if e.statement_id and e.statement.speaker_id}
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
    authorities = sorted(authorities, key=lambda f: (f.name, f.country.code, f.pk))
    sources = sorted(sources, key=lambda s: (s.published_on is None, s.published_on or "", s.title, s.url, s.pk))
    person_keys = _unique_keys(people, label=lambda p: p.name)
    authority_keys = _unique_keys(authorities, label=lambda f: f"{f.name} {f.country.code}")
    source_keys = {source.pk: f"source-{index}" for index, source in enumerate(sources, start=1)}

    return {
        "format": SCHEMA_NAME,
        "schema_version": SCHEMA_VERSION,
        "treaties": [
            {"name": t.name, "countries": sorted(c.code for c in t.countries), "signed_on": _iso(t.signed_on), "url": t.url}
            for t in sorted(treaties, key=lambda t: t.name)
        ],
        "people": [
            {
                "key": person_keys[p.pk],
                "name": p.name,
                "variants": [{"name": name, "kind": kind} for name, kind in variants[p.pk]],
                "nationality": sorted(c.code for c in p.nationality),
                "description": p.description,
            }
            for p in people
        ],
        "authorities": [
            {
                "key": authority_keys[f.pk],
                "name": f.name,
                "country": f.country.code or "",
                "jurisdiction": f.jurisdiction,
                "level": f.level,
            }
            for f in authorities
        ],
        "sources": [
            {
                "key": source_keys[s.pk],
                "url": s.url,
                "publisher": s.publisher,
                "title": s.title,
                "published_on": _iso(s.published_on),
            }
            for s in sources
        ],
        "cases": [_case_entry(case, person_keys=person_keys, authority_keys=authority_keys, source_keys=source_keys) for case in cases],
    }


def _case_entry(case: Case, *, person_keys, authority_keys, source_keys) -> dict:
    track = case_stage_track(case=case)
    return {
        "reference": case.reference,
        "title": case.title,
        "requesting_state": case.requesting_state.code,
        "requested_state": case.requested_state.code,
        "offences": case.offences,
        "treaty": case.treaty.name if case.treaty_id else None,
        "summary": case.summary,
        "opened_on": _iso(case.opened_on),
        "initial_stage": track[0].stage,
        "stage": case.stage,
        "stage_entered_on": _iso(case.stage_entered_on),
        "outcome": case.outcome,
        "closed_on": _iso(case.closed_on),
        "parties": [
            {"person": person_keys[party.person_id], "role": party.role, "note": party.note}
            for party in case.parties.all()
        ],
        "events": [
            _event_entry(event, person_keys=person_keys, authority_keys=authority_keys, source_keys=source_keys)
            for event in case.events.all()
        ],
    }


def _event_entry(event: Event, *, person_keys, authority_keys, source_keys) -> dict:
    entry = {
        "kind": event.kind,
        "date": partial_date_text(event.occurred_on, precision=event.date_precision),
        "date_precision": event.date_precision,
        "date_approximate": event.date_approximate,
        "reported_on": _iso(event.reported_on),
        "summary": event.summary,
        "confidence": event.confidence,
        "sources": sorted(source_keys[s.pk] for s in event.sources.all()),
    }
    for field in EVENT_KIND_FIELDS[event.kind]:
        if field == "authority":
            entry["authority"] = authority_keys[event.authority_id] if event.authority_id else None
        elif field == "statement":
            statement = event.statement
            entry["statement"] = {
                "government": statement.government.code,
                "body": statement.body,
                "speaker": person_keys[statement.speaker_id] if statement.speaker_id else None,
                "speaker_title": statement.speaker_title,
                "channel": statement.channel,
                "quote": statement.quote,
            }
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


def export_csv_rows(document: dict) -> list[dict]:
    """The document flattened: one dict per event, with the CSV_COLUMNS as keys."""
    people = {p["key"]: p for p in document["people"]}
    authorities = {f["key"]: f for f in document["authorities"]}
    sources = {s["key"]: s for s in document["sources"]}
    rows = []
    for case in document["cases"]:
        case_columns = {
            "case_reference": case["reference"],
            "case_title": case["title"],
            "requesting_state": case["requesting_state"],
            "requested_state": case["requested_state"],
            "offences": case["offences"],
            "treaty": case["treaty"] or "",
            "case_summary": case["summary"],
            "opened_on": case["opened_on"] or "",
            "initial_stage": case["initial_stage"],
            "stage": case["stage"],
            "stage_entered_on": case["stage_entered_on"] or "",
            "outcome": case["outcome"],
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
                date_approximate="yes" if event["date_approximate"] else "",
                reported_on=event["reported_on"] or "",
                event_summary=event["summary"],
                confidence=event["confidence"],
                sources=_sources_cell(event["sources"], sources),
            )
            for field in EVENT_KIND_FIELDS[event["kind"]]:
                if field == "authority":
                    authority = authorities.get(event["authority"])
                    if authority:
                        row.update(authority=authority["name"], authority_country=authority["country"], authority_level=authority["level"])
                elif field == "statement":
                    st = event["statement"]
                    row.update(
                        government=st["government"],
                        body=st["body"],
                        speaker=people[st["speaker"]]["name"] if st["speaker"] else "",
                        speaker_title=st["speaker_title"],
                        channel=st["channel"],
                        quote=st["quote"],
                    )
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
