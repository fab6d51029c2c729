"""
Export: cases with everything needed to rebuild them, as the version 2 JSON document or as CSV.

The document holds natural keys only (case references, names, partial-date text), never database
ids or timestamps, so exporting the same data twice gives the same bytes, and exporting,
importing into an empty database and exporting again gives the same document. Its schema is
``exchange.schema`` (served at /exchange/schema/v2.json); README.md ("Import and export") explains it.

Two ways to write it, giving the same bytes: ``export_document`` builds the whole document in
memory (for imports, tests and round trips), ``export_json_chunks`` and ``export_csv_chunks``
stream it in pieces, in a fixed number of queries and in memory that does not grow with the number
of cases or events. Both build every entry with the same functions (``_case_head``,
``_event_entry``, ``_person_entry``…), so that they cannot drift apart.
"""

import csv
import io
import json
from json.encoder import encode_basestring as _json_string
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Collate
from django.http import QueryDict
from django.utils import timezone
from django.utils.text import slugify

from cases.dates import partial_date_text
from cases.filters import CaseFilter
from cases.models import Authority, Case, CaseParty, CaseRelation, Event, Person, PersonName, Source, Statement, Treaty
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


class _KeyMaker:
    """Readable keys (a slug of a label), made unique with -2, -3 in the order they are asked for."""

    def __init__(self):
        self.taken: set[str] = set()

    def __call__(self, label: str) -> str:
        base = slugify(label) or "item"
        key, n = base, 1
        while key in self.taken:
            n += 1
            key = f"{base}-{n}"
        self.taken.add(key)
        return key


def _unique_keys(items: Iterable, *, label) -> dict:
    """A readable key per item (a slug of its label), made unique with -2, -3 in the given order."""
    make = _KeyMaker()
    return {item.pk: make(label(item)) for item in items}


def _person_label(person: Person) -> str:
    return person.name


def _authority_label(authority: Authority) -> str:
    return f"{authority.name} {authority.country.code or ''}"


def _statement_label(*, said_on, precision: str) -> str:
    return f"statement {partial_date_text(said_on, precision=precision)}"


# Entries of the document -------------------------------------------------------------------------


def _treaty_entry(treaty: Treaty) -> dict:
    return {"name": treaty.name, "countries": sorted(c.code for c in treaty.countries), "signed_on": _iso(treaty.signed_on),
            "in_force_on": _iso(treaty.in_force_on), "url": treaty.url}


def _person_entry(person: Person, *, key: str, variants: Iterable[tuple[str, str]]) -> dict:
    return {
        "key": key,
        "name": person.name,
        "variants": [{"name": name, "kind": kind} for name, kind in sorted(variants)],
        "nationality": sorted(c.code for c in person.nationality),
        "description": person.description,
    }


def _authority_entry(authority: Authority, *, key: str) -> dict:
    return {"key": key, "name": authority.name, "country": authority.country.code or "",
            "jurisdiction": authority.jurisdiction, "kind": authority.kind, "level": authority.level}


def _source_entry(source: Source, *, key: str) -> dict:
    return {"key": key, "url": source.url, "publisher": source.publisher, "title": source.title,
            "published_on": _iso(source.published_on)}


def _statement_entry(statement: Statement, *, key: str, keys: dict) -> dict:
    return {
        "key": key,
        "government": statement.government.code,
        "body": statement.body,
        "speaker": keys["person"][statement.speaker_id] if statement.speaker_id else None,
        "speaker_title": statement.speaker_title,
        "channel": statement.channel,
        "reported_speech": statement.reported_speech,
        "quote": statement.quote,
        "gist": statement.gist,
    }


def _case_head(case: Case, *, initial_stage: str, parties: Iterable[CaseParty], related: Iterable[CaseRelation],
               keys: dict) -> dict:
    """The case's entry but for its events, which come last (so that a stream can write them one by one).

    ``related``: the links held by this case whose other end is exported too."""
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
        "initial_stage": initial_stage,
        "stage": case.stage,
        "stage_entered_on": partial_date_text(case.stage_entered_on, precision=case.stage_entered_precision)
        if case.stage_entered_on else None,
        "outcome": case.outcome,
        "after_surrender": case.after_surrender,
        "closed_on": _iso(case.closed_on),
        "parties": [
            {"person": keys["person"][party.person_id], "role": party.role, "note": party.note}
            for party in parties
        ],
        "related": [
            {"case": link.related_case.reference, "relation": link.relation, "note": link.note}
            for link in related
        ],
    }


# What _event_entry reads of an event: the columns a streamed JSON export asks for.
EVENT_ROW_FIELDS = (
    "id", "case_id", "kind", "occurred_on", "date_precision", "date_approximate", "reported_on", "summary", "note",
    "confidence", "authority_id", "statement_id", "official_id",
    *sorted({field for fields in EVENT_KIND_FIELDS.values() for field in fields} - {"statement", "official"}),
)


def _event_entry(event: Event, *, keys: dict, source_ids: Iterable[int]) -> dict:
    """The event's entry; ``event`` is an instance or a row with EVENT_ROW_FIELDS as attributes."""
    entry = {
        "kind": event.kind,
        "date": partial_date_text(event.occurred_on, precision=event.date_precision),
        "date_precision": event.date_precision,
        "date_approximate": event.date_approximate,
        "reported_on": _iso(event.reported_on),
        "summary": event.summary,
        "note": event.note,
        "confidence": event.confidence,
        "sources": sorted(keys["source"][pk] for pk in source_ids),
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


# The document in memory --------------------------------------------------------------------------


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
        variants[person.pk] = [(v.name, v.kind) for v in person.names.all()]
    authorities = sorted(authorities, key=lambda a: (a.name, a.country.code or "", a.pk))
    sources = sorted(sources, key=lambda s: (s.published_on is None, s.published_on or "", s.title, s.url, s.pk))

    statements = sorted(statements.values(), key=lambda s: (
        first_said[s.pk].occurred_on, s.government.code, s.body, s.quote, s.gist, s.speaker.name if s.speaker_id else "", s.pk))
    keys = {
        "person": _unique_keys(people, label=_person_label),
        "authority": _unique_keys(authorities, label=_authority_label),
        "source": {source.pk: f"source-{index}" for index, source in enumerate(sources, start=1)},
        "statement": _unique_keys(statements, label=lambda s: _statement_label(
            said_on=first_said[s.pk].occurred_on, precision=first_said[s.pk].date_precision)),
    }
    exported = {case.pk for case in cases}
    return {
        "format": SCHEMA_NAME,
        "schema_version": SCHEMA_VERSION,
        "treaties": [_treaty_entry(t) for t in sorted(treaties, key=lambda t: t.name)],
        "people": [_person_entry(p, key=keys["person"][p.pk], variants=variants[p.pk]) for p in people],
        "authorities": [_authority_entry(a, key=keys["authority"][a.pk]) for a in authorities],
        "sources": [_source_entry(s, key=keys["source"][s.pk]) for s in sources],
        "statements": [_statement_entry(s, key=keys["statement"][s.pk], keys=keys) for s in statements],
        "cases": [_case_entry(case, keys=keys, exported=exported) for case in cases],
    }


def _case_entry(case: Case, *, keys: dict, exported: set[int]) -> dict:
    events = list(case.events.all())
    head = _case_head(
        case,
        initial_stage=case_stage_track(case=case, events=events)[0].stage,
        parties=case.parties.all(),
        # Each link is written once, on the case that holds it, and only when both ends are exported,
        # so that every export can be imported on its own.
        related=[link for link in case.relations_from.all() if link.related_case_id in exported],
        keys=keys,
    )
    return head | {
        "events": [_event_entry(event, keys=keys, source_ids=[s.pk for s in event.sources.all()]) for event in events]
    }


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


def _csv_case_columns(case: dict, *, people: dict) -> dict:
    """The case's columns, repeated on each of its rows; ``people`` holds at least the case's people by key."""
    return {
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


def _csv_no_event() -> dict:
    return {column: "" for column in CSV_EVENT_COLUMNS}


def _csv_event_columns(event: dict, *, people: dict, authorities: dict, sources: dict, statements: dict) -> dict:
    """The event's columns; the maps hold at least what the event names, by key."""
    row = _csv_no_event()
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
    return row


def export_csv_rows(document: dict) -> list[dict]:
    """The document flattened: one dict per event, with the CSV_COLUMNS as keys."""
    maps = {
        "people": {p["key"]: p for p in document["people"]},
        "authorities": {a["key"]: a for a in document["authorities"]},
        "sources": {s["key"]: s for s in document["sources"]},
        "statements": {s["key"]: s for s in document["statements"]},
    }
    rows = []
    for case in document["cases"]:
        case_columns = _csv_case_columns(case, people=maps["people"])
        if not case["events"]:
            rows.append(case_columns | _csv_no_event())
        for event in case["events"]:
            rows.append(case_columns | _csv_event_columns(event, **maps))
    return rows


# A cell starting with one of these is run as a formula by spreadsheet programs.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell_protect(value: str) -> str:
    """Keep a spreadsheet from running a cell as a formula: an apostrophe in front, which
    spreadsheets hide and the import removes (csv_cell_unprotect)."""
    return "'" + value if value.startswith(FORMULA_STARTS) or value.startswith("'") else value


def csv_cell_unprotect(value: str) -> str:
    return value[1:] if value.startswith("'") and (value[1:].startswith(FORMULA_STARTS) or value[1:].startswith("'")) else value


def _csv_writer(out) -> csv.DictWriter:
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    return writer


def _csv_write(writer: csv.DictWriter, row: dict) -> None:
    writer.writerow({column: csv_cell_protect(value) for column, value in row.items()})


def export_csv(document: dict) -> str:
    """The document as CSV text (RFC 4180, a header row, cells with newlines quoted)."""
    out = io.StringIO()
    writer = _csv_writer(out)
    for row in export_csv_rows(document):
        _csv_write(writer, row)
    return out.getvalue()


# The document streamed ---------------------------------------------------------------------------

# Rows fetched per round trip of each streamed query (a server-side cursor on PostgreSQL).
CHUNK_ROWS = 2000
# Text gathered before a piece is handed on: fewer, larger writes to the response or the file.
CHUNK_CHARS = 64 * 1024

_END = object()


def _binary(name: str) -> Collate:
    """Text ordered by code point, as Python's ``sorted`` orders it, whatever the database's collation:
    the keys of the streamed sections must come out in the order ``export_document`` sorts them."""
    return Collate(F(name), "C" if connection.vendor == "postgresql" else "BINARY")


class _Rows:
    """The rows of one streamed query ordered as their parents are, handed out parent by parent."""

    def __init__(self, rows: Iterable, *, parent: Callable):
        self._rows = iter(rows)
        self._parent = parent
        self._next = next(self._rows, _END)

    def of(self, pk: int) -> Iterator:
        while self._next is not _END and self._parent(self._next) == pk:
            row, self._next = self._next, next(self._rows, _END)
            yield row


class _Stream:
    """One streamed export: the queries over the selected cases, and the keys given as the sections
    are read (the only thing kept: a key per person, authority, source and statement).

    Each section is one query, ordered in the database as ``export_document`` sorts in Python; the
    cases and what hangs off them are four more, merged case by case. ``details``: the CSV names
    people, authorities and sources in its cells, so its queries join them in."""

    def __init__(self, *, cases: QuerySet[Case] | None, everything: bool, details: bool):
        self.cases = cases if cases is not None else Case.objects.all()
        self.case_ids = self.cases.values("pk")
        self.events = Event.objects.filter(case__in=self.case_ids)
        self.everything = everything
        self.details = details
        self.keys: dict[str, dict[int, str]] = {"person": {}, "authority": {}, "source": {}, "statement": {}}

    def treaties(self) -> Iterator[dict]:
        treaties = Treaty.objects.all() if self.everything else Treaty.objects.filter(pk__in=self.cases.values("treaty_id"))
        # A handful of rows: sorted here, exactly as export_document sorts them.
        yield from (_treaty_entry(t) for t in sorted(treaties, key=lambda t: t.name))

    def people(self) -> Iterator[dict]:
        if self.everything:
            people = Person.objects.all()
        else:
            people = Person.objects.filter(
                Q(pk__in=CaseParty.objects.filter(case__in=self.case_ids).values("person_id"))
                | Q(pk__in=self.events.values("official_id"))
                | Q(pk__in=self.events.values("statement__speaker_id"))
            )
        variants = _Rows(
            PersonName.objects.filter(person__in=people)
            .order_by(_binary("person__name"), _binary("person__description"), "person_id")
            .values_list("person_id", "name", "kind").iterator(chunk_size=CHUNK_ROWS),
            parent=lambda row: row[0],
        )
        make = _KeyMaker()
        for person in people.order_by(_binary("name"), _binary("description"), "pk").iterator(chunk_size=CHUNK_ROWS):
            key = self.keys["person"][person.pk] = make(_person_label(person))
            yield _person_entry(person, key=key, variants=[(name, kind) for _, name, kind in variants.of(person.pk)])

    def authorities(self) -> Iterator[dict]:
        authorities = Authority.objects.all() if self.everything else Authority.objects.filter(
            pk__in=self.events.values("authority_id"))
        make = _KeyMaker()
        for authority in authorities.order_by(_binary("name"), _binary("country"), "pk").iterator(chunk_size=CHUNK_ROWS):
            key = self.keys["authority"][authority.pk] = make(_authority_label(authority))
            yield _authority_entry(authority, key=key)

    def sources(self) -> Iterator[dict]:
        sources = Source.objects.all() if self.everything else Source.objects.filter(
            pk__in=Event.sources.through.objects.filter(
                event__case__in=self.case_ids, event__deleted_at__isnull=True).values("source_id"))
        order = (F("published_on").asc(nulls_last=True), _binary("title"), _binary("url"), "pk")
        for index, source in enumerate(sources.order_by(*order).iterator(chunk_size=CHUNK_ROWS), start=1):
            key = self.keys["source"][source.pk] = f"source-{index}"
            yield _source_entry(source, key=key)

    def statements(self) -> Iterator[dict]:
        # Dated by the event that first says it: the earliest, and of those the first in the document.
        first = self.events.filter(statement=OuterRef("pk")).order_by("occurred_on", "case__reference", "position", "pk")
        statements = Statement.objects.filter(pk__in=self.events.values("statement_id")).annotate(
            said_on=Subquery(first.values("occurred_on")[:1]),
            said_precision=Subquery(first.values("date_precision")[:1]),
            speaker_name=Coalesce("speaker__name", Value("")),
        ).order_by("said_on", _binary("government"), _binary("body"), _binary("quote"), _binary("gist"),
                   _binary("speaker_name"), "pk")
        make = _KeyMaker()
        for statement in statements.iterator(chunk_size=CHUNK_ROWS):
            key = self.keys["statement"][statement.pk] = make(
                _statement_label(said_on=statement.said_on, precision=statement.said_precision))
            yield _statement_entry(statement, key=key, keys=self.keys)

    def sections(self) -> Iterator[tuple[str, Iterator[dict]]]:
        """The document's lists before its cases, in order; each must be read to its end before the next."""
        yield "treaties", self.treaties()
        yield "people", self.people()
        yield "authorities", self.authorities()
        yield "sources", self.sources()
        yield "statements", self.statements()

    def cases_with_events(self) -> Iterator[tuple[dict, list[CaseParty], Iterator[tuple[Event, list]]]]:
        """Each case's entry but for its events, its parties, and its events one by one with their
        sources (through rows); the keys must have been given (``sections`` read) first."""
        # The first stage is the one the first stage change left (cases.selectors.case_stage_track),
        # else the current one: read here in the cases' query rather than once per case.
        first_stage_from = Event.objects.filter(case=OuterRef("pk"), kind=Event.Kind.STAGE_CHANGE).timeline_order(
            newest_first=False).values("from_stage")[:1]
        cases = self.cases.order_by("reference").select_related("treaty").defer(
            "search_vector", "search_text").annotate(first_stage_from=Subquery(first_stage_from))
        parties = CaseParty.objects.filter(case__in=self.case_ids).order_by("case__reference", "role", "person__name", "pk")
        # A link is written only when both ends are exported, so that every export imports on its own.
        relations = CaseRelation.objects.filter(case__in=self.case_ids, related_case__in=self.case_ids).select_related(
            "related_case").only("case", "relation", "note", "related_case__reference").order_by(
            "case__reference", "related_case__reference")
        events = self.events.order_by("case__reference", "position", "pk")
        sources = Event.sources.through.objects.filter(
            event__case__in=self.case_ids, event__deleted_at__isnull=True
        ).order_by("event__case__reference", "event__position", "event_id")
        if self.details:
            parties = parties.select_related("person")
            events = events.select_related("authority", "official", "statement", "statement__speaker")
            sources = sources.select_related("source")
        else:
            # The JSON names everything by key, so its columns are all it needs: a light row, not a
            # model instance, per event and per link (building instances was half an export's time).
            events = events.values_list(*EVENT_ROW_FIELDS, named=True)
            sources = sources.values_list("event_id", "source_id", named=True)
        parties = _Rows(parties.iterator(chunk_size=CHUNK_ROWS), parent=lambda row: row.case_id)
        relations = _Rows(relations.iterator(chunk_size=CHUNK_ROWS), parent=lambda row: row.case_id)
        events = _Rows(events.iterator(chunk_size=CHUNK_ROWS), parent=lambda row: row.case_id)
        sources = _Rows(sources.iterator(chunk_size=CHUNK_ROWS), parent=lambda row: row.event_id)
        for case in cases.iterator(chunk_size=CHUNK_ROWS):
            case_parties = list(parties.of(case.pk))
            head = _case_head(
                case,
                initial_stage=case.stage if case.first_stage_from is None else case.first_stage_from,
                parties=case_parties,
                related=relations.of(case.pk),
                keys=self.keys,
            )
            yield head, case_parties, ((event, list(sources.of(event.id))) for event in events.of(case.pk))


def _buffered(pieces: Iterable[str]) -> Iterator[str]:
    parts, length = [], 0
    for piece in pieces:
        parts.append(piece)
        length += len(piece)
        if length >= CHUNK_CHARS:
            yield "".join(parts)
            parts, length = [], 0
    if parts:
        yield "".join(parts)


def _json_value(value, *, indent: str) -> str:
    """``value`` as ``json.dumps(value, ensure_ascii=False, indent=2)`` writes it inside a document,
    at this depth.

    Written out rather than by json.dumps: with an indent, json.dumps takes its pure-Python encoder
    and builds it afresh on every call, which was most of an export's time (a call per entry)."""
    if isinstance(value, str):
        return _json_string(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = indent + "  "
        # Most values are text or null: written here rather than by a call each (a million entries).
        return "{\n" + ",\n".join([
            f"{inner}{_json_string(key)}: "
            + (_json_string(item) if item.__class__ is str else "null" if item is None else _json_value(item, indent=inner))
            for key, item in value.items()
        ]) + "\n" + indent + "}"
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        inner = indent + "  "
        return "[\n" + ",\n".join([
            inner + (_json_string(item) if item.__class__ is str else _json_value(item, indent=inner)) for item in value
        ]) + "\n" + indent + "]"
    # Anything else (no field of the document is one): as json.dumps would write it.
    return json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n" + indent)


def _json_list(items: Iterable[Iterable[str]], *, indent: str) -> Iterator[str]:
    """A list as json.dumps(indent=2) writes it at this depth, each item given as pieces of text."""
    empty = True
    for pieces in items:
        yield ("[\n" if empty else ",\n") + indent + "  "
        empty = False
        yield from pieces
    yield "[]" if empty else "\n" + indent + "]"


def _json_case(head: dict, events: Iterable[dict], *, indent: str) -> Iterator[str]:
    """A case's entry, its events (its last field) written one by one."""
    text = _json_value(head, indent=indent)
    closing = "\n" + indent + "}"
    yield text[: -len(closing)]
    yield ",\n" + indent + '  "events": '
    yield from _json_list(([_json_value(event, indent=indent + "    ")] for event in events), indent=indent + "  ")
    yield closing


def export_takes_snapshot() -> bool:
    """Whether a streamed export started now reads in a transaction of its own, at REPEATABLE READ.

    Its sections give the keys its cases use, read in separate statements: without one snapshot, a
    source linked or a person added while a long export runs would be named by a case but missing
    from its list (the export would fail or not import). PostgreSQL gives that snapshot to a reader
    without holding up writers. SQLite's transactions here take the write lock (IMMEDIATE), so there
    an export reads statement by statement; inside a caller's transaction, it reads in that one."""
    return connection.vendor == "postgresql" and not connection.in_atomic_block


def _in_one_snapshot(pieces: Iterator[str]) -> Iterator[str]:
    # Decided when reading starts, not when the export is made: a streamed response is read after its view returns.
    if not export_takes_snapshot():
        yield from pieces
        return
    # Closing the generator (a client gone) rolls the read-only work back.
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield from pieces


def export_json_chunks(*, cases: QuerySet[Case] | None = None, everything: bool = False,
                       on_case: Callable[[int], None] | None = None) -> Iterator[str]:
    """``export_json(export_document(...))`` in pieces of text, read and written as it goes, from one
    snapshot of the data where ``export_takes_snapshot``.

    ``on_case``: called with the number of cases written so far, after each case (inside the
    snapshot's transaction: what it writes there shows only once the export ends)."""
    stream = _Stream(cases=cases, everything=everything, details=False)
    return _in_one_snapshot(_buffered(_json_pieces(stream, on_case=on_case)))


def _json_pieces(stream: _Stream, *, on_case) -> Iterator[str]:
    yield "{\n"
    yield f'  "format": {_json_value(SCHEMA_NAME, indent="  ")},\n'
    yield f'  "schema_version": {_json_value(SCHEMA_VERSION, indent="  ")}'
    for name, entries in stream.sections():
        yield f",\n  {_json_value(name, indent='  ')}: "
        yield from _json_list(([_json_value(entry, indent="    ")] for entry in entries), indent="  ")

    def cases():
        for done, (head, _parties, events) in enumerate(stream.cases_with_events(), start=1):
            yield _json_case(head, (_event_entry(event, keys=stream.keys, source_ids=[row.source_id for row in rows])
                                    for event, rows in events), indent="    ")
            if on_case:
                on_case(done)

    yield ',\n  "cases": '
    yield from _json_list(cases(), indent="  ")
    yield "\n}\n"


def _csv_event_maps(event: Event, source_rows: list, *, keys: dict) -> dict:
    """What one event's cells name (people, authority, sources, statement), as the document's maps by key."""
    people, statements = {}, {}
    if event.official_id:
        people[keys["person"][event.official_id]] = {"name": event.official.name}
    if event.statement_id:
        statement = event.statement
        key = keys["statement"][statement.pk]
        statements[key] = _statement_entry(statement, key=key, keys=keys)
        if statement.speaker_id:
            people[keys["person"][statement.speaker_id]] = {"name": statement.speaker.name}
    authorities = {}
    if event.authority_id:
        key = keys["authority"][event.authority_id]
        authorities[key] = _authority_entry(event.authority, key=key)
    sources = {}
    for row in source_rows:
        key = keys["source"][row.source_id]
        sources[key] = _source_entry(row.source, key=key)
    return {"people": people, "authorities": authorities, "sources": sources, "statements": statements}


def export_csv_chunks(*, cases: QuerySet[Case] | None = None, everything: bool = False,
                      on_case: Callable[[int], None] | None = None) -> Iterator[str]:
    """``export_csv(export_document(...))`` in pieces of text, as ``export_json_chunks`` writes the JSON."""
    stream = _Stream(cases=cases, everything=everything, details=True)
    return _in_one_snapshot(_buffered(_csv_pieces(stream, on_case=on_case)))


def _csv_pieces(stream: _Stream, *, on_case) -> Iterator[str]:
    out = io.StringIO()
    writer = _csv_writer(out)
    for _name, entries in stream.sections():
        for _entry in entries:  # the CSV has no such lists, but its cells are ordered by their keys
            pass
    keys = stream.keys
    for done, (head, parties, events) in enumerate(stream.cases_with_events(), start=1):
        people = {keys["person"][party.person_id]: {"name": party.person.name} for party in parties}
        columns = _csv_case_columns(head, people=people)
        written = False
        for event, source_rows in events:
            entry = _event_entry(event, keys=keys, source_ids=[row.source_id for row in source_rows])
            _csv_write(writer, columns | _csv_event_columns(entry, **_csv_event_maps(event, source_rows, keys=keys)))
            written = True
            if out.tell() >= CHUNK_CHARS:
                yield _drained(out)
        if not written:
            _csv_write(writer, columns | _csv_no_event())
        if on_case:
            on_case(done)
        yield _drained(out)
    yield _drained(out)


def _drained(out: io.StringIO) -> str:
    text = out.getvalue()
    out.seek(0)
    out.truncate()
    return text


def export_counts(*, cases: QuerySet[Case]) -> int:
    """How many live events the selected cases hold: what an export's size is judged by, in one query."""
    return Event.objects.filter(case__in=cases.values("pk")).count()


# What to export ----------------------------------------------------------------------------------

# Query parameters of the export that are not case-list filters.
EXPORT_PARAMETERS = ("format", "case", "page")


@dataclass(frozen=True)
class ExportSelection:
    cases: QuerySet[Case]
    everything: bool
    # The download's file name, without its extension.
    name: str


def export_selection(*, query: QueryDict, today=None) -> ExportSelection:
    """The cases an export's query string asks for: one (?case=reference), or the case list's
    filters, everything (people, sources… not on any case too) when there is none.

    Raises Case.DoesNotExist for an unknown reference, ValueError for filters the list refuses."""
    reference = query.get("case")
    if reference:
        cases = Case.objects.filter(reference=reference)
        if not cases.exists():
            raise Case.DoesNotExist(f"No case {reference!r}.")
        return ExportSelection(cases=cases, everything=False, name=reference)
    filters = query.copy()
    for parameter in EXPORT_PARAMETERS:
        filters.pop(parameter, None)
    filterset = CaseFilter(filters, queryset=Case.objects.all())
    if not filterset.is_valid():
        raise ValueError(filterset.errors.as_text())
    everything = not any(value for value in filters.values())
    return ExportSelection(cases=filterset.qs, everything=everything,
                           name=f"cases-{today or timezone.localdate():%Y-%m-%d}")
