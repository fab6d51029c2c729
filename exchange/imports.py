"""
Import: the export's JSON document, or a CSV laid out like the export, written through the services.

An import runs in three steps: read the file (size, encoding, syntax), check every entry without
writing (unknown countries, stages and kinds, malformed dates, dates whose precision does not
match their text, missing fields, duplicates inside the file), then apply it in one transaction
through ``cases.services``. Any problem, found by the checks or refused by a service, rolls the
whole import back: nothing is half-imported. A preview is the same run, always rolled back.

Re-importing the same file changes nothing: cases are matched by reference, people by name or
name variant, courts by name and country, sources by address (or title, publisher and date), and
events by their identity on the case (see ``event_identity``).
"""

import csv
import datetime
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django_countries import countries

from cases import services
from cases.dates import DatePrecision, partial_date_parse, partial_date_text
from cases.models import (
    Case,
    CaseParty,
    Confidence,
    Event,
    Authority,
    Outcome,
    Person,
    PersonName,
    Source,
    Stage,
    Statement,
    Treaty,
)

from .exports import CSV_CASE_COLUMNS, EVENT_KIND_FIELDS, SCHEMA_NAME, SCHEMA_VERSION, csv_cell_unprotect

# Files above this size are refused before they are read (settings.EXCHANGE_IMPORT_MAX_BYTES overrides).
DEFAULT_MAX_BYTES = 10 * 1024 * 1024

CLOSING_PREFIX = "Case closed: "


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file: where (a CSV row or a JSON path), which field, and what."""

    row: str
    field: str
    problem: str

    def __str__(self):
        return f"{self.row}: {self.field}: {self.problem}" if self.field else f"{self.row}: {self.problem}"


@dataclass(frozen=True)
class Action:
    """One write the import makes (or, in a preview, would make)."""

    verb: str  # "create" or "change"
    what: str  # "case", "event", "person", ...
    label: str


@dataclass
class ImportResult:
    problems: list[Problem] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def counts(self) -> dict[str, int]:
        """How many of each kind of record are created or changed, e.g. {"create event": 3}."""
        counts: dict[str, int] = {}
        for action in self.actions:
            key = f"{action.verb} {action.what}"
            counts[key] = counts.get(key, 0) + 1
        return counts

    def summary(self) -> str:
        if not self.actions:
            return "Nothing to create or change: everything in the file is already recorded."
        return ", ".join(f"{n} × {key}" for key, n in sorted(self.counts().items()))


class _Problems(Exception):
    """Stops an import: the problems are in the result."""


# Reading the file --------------------------------------------------------------------------------


def max_bytes() -> int:
    return getattr(settings, "EXCHANGE_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)


def guess_format(filename: str, data: bytes) -> str:
    """"json" or "csv", from the file name, else from the first character."""
    name = (filename or "").lower()
    if name.endswith(".json"):
        return "json"
    if name.endswith(".csv"):
        return "csv"
    return "json" if data.lstrip()[:1] in (b"{", b"[") else "csv"


def document_read(data: bytes, *, format: str) -> tuple[dict | None, list[Problem]]:
    """The file as a document in the export's JSON shape, or the problems that stop it being read."""
    limit = max_bytes()
    if len(data) > limit:
        return None, [
            Problem("file", "", f"The file is {len(data) / 1024 / 1024:.1f} MB; the limit is {limit / 1024 / 1024:.0f} MB. "
                    "Split it into several files (for example one per case) and import them one after the other.")
        ]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return None, [
            Problem("file", "", f"The file is not UTF-8 text (byte {error.start + 1} cannot be read). "
                    "Save it again as “CSV UTF-8” or UTF-8 JSON.")
        ]
    if "\x00" in text:
        return None, [Problem("file", "", "The file contains NUL characters: it is not a text file.")]
    if format == "json":
        return _json_read(text)
    if format == "csv":
        return _csv_read(text)
    return None, [Problem("file", "", f"Unknown format “{format}”: use json or csv.")]


def _json_read(text: str) -> tuple[dict | None, list[Problem]]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        return None, [Problem(f"line {error.lineno}", "", f"This is not valid JSON: {error.msg} (column {error.colno}).")]
    except RecursionError:
        return None, [Problem("file", "", "The JSON is nested too deeply to be an export.")]
    if not isinstance(document, dict) or not isinstance(document.get("cases"), list):
        return None, [Problem("file", "cases", "The JSON must be an object with a “cases” list, as the export writes it.")]
    version = document.get("schema_version")
    if version != SCHEMA_VERSION:
        return None, [
            Problem("file", "schema_version", f"Schema version {version!r} is not supported; this tracker reads version {SCHEMA_VERSION}.")
        ]
    if document.get("format", SCHEMA_NAME) != SCHEMA_NAME:
        return None, [Problem("file", "format", f"This is not an {SCHEMA_NAME} export.")]
    for name in ("treaties", "people", "authorities", "sources"):
        if not isinstance(document.setdefault(name, []), list):
            return None, [Problem("file", name, "Must be a list.")]
    _drop_private_keys(document)
    return document, []


def _drop_private_keys(value) -> None:
    """Keys starting with "_" carry the checker's own notes (row numbers); a file may not set them."""
    if isinstance(value, dict):
        for key in [k for k in value if isinstance(k, str) and k.startswith("_")]:
            del value[key]
        for item in value.values():
            _drop_private_keys(item)
    elif isinstance(value, list):
        for item in value:
            _drop_private_keys(item)


def _csv_read(text: str) -> tuple[dict | None, list[Problem]]:
    """Turn the rows (one per event, case columns repeated) into the JSON document's shape."""
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = reader.fieldnames or []
        rows = list(reader)
    except csv.Error as error:
        return None, [Problem("file", "", f"This is not a readable CSV file: {error}.")]
    header = [h.strip() for h in header]
    missing = [c for c in ("case_reference", "case_title", "requesting_state", "requested_state", "offences") if c not in header]
    if missing:
        return None, [Problem("row 1", ", ".join(missing), "Missing column(s); the first row must name the columns as the export does.")]
    # Columns the export does not write (a spreadsheet user's notes) are ignored.
    problems: list[Problem] = []
    people: dict[str, dict] = {}
    authorities: dict[tuple, dict] = {}
    sources: dict[tuple, dict] = {}
    cases: dict[str, dict] = {}
    case_rows: dict[str, tuple[int, dict]] = {}

    def person_key(name: str) -> str:
        key = " ".join(name.split()).lower()
        people.setdefault(key, {"key": key, "name": " ".join(name.split()), "_where": "", "_columns": {}})
        return key

    for number, raw in enumerate(rows, start=2):
        where = f"row {number}"
        if None in raw:  # more cells than columns
            problems.append(Problem(where, "", "This row has more cells than the header has columns."))
            continue
        row = {(k or "").strip(): csv_cell_unprotect((v or "").strip()) for k, v in raw.items()}
        if not any(row.values()):
            continue
        reference = row.get("case_reference", "")
        case_values = {c: row.get(c, "") for c in CSV_CASE_COLUMNS}
        if reference in case_rows:
            first_number, first_values = case_rows[reference]
            for column in CSV_CASE_COLUMNS:
                if column in header and case_values[column] != first_values[column]:
                    problems.append(
                        Problem(where, column, f"Differs from row {first_number} for the same case “{reference}”: "
                                "every row of a case must repeat the same case columns.")
                    )
        else:
            case_rows[reference] = (number, case_values)
            parties = []
            for item in filter(None, (p.strip() for p in row.get("people", "").split(";"))):
                name, _, role = item.partition("[")
                if not role.endswith("]") or not name.strip():
                    problems.append(Problem(where, "people", f"“{item}” should be written “Name [role]”."))
                    continue
                parties.append({"person": person_key(name), "role": role[:-1].strip(), "note": ""})
            cases[reference] = {
                "_where": where,
                "_columns": {"title": "case_title", "summary": "case_summary", "reference": "case_reference"},
                "reference": reference,
                "title": row.get("case_title", ""),
                "requesting_state": row.get("requesting_state", ""),
                "requested_state": row.get("requested_state", ""),
                "offences": row.get("offences", ""),
                "treaty": row.get("treaty") or None,
                "summary": row.get("case_summary", ""),
                "opened_on": row.get("opened_on") or None,
                "initial_stage": row.get("initial_stage", ""),
                "stage": row.get("stage", ""),
                "stage_entered_on": row.get("stage_entered_on") or None,
                "outcome": row.get("outcome", ""),
                "closed_on": row.get("closed_on") or None,
                "parties": parties,
                "events": [],
            }
        kind = row.get("event_kind", "")
        if not kind:
            filled = [c for c in ("event_date", "event_summary", "quote", "decision") if row.get(c)]
            if filled:
                problems.append(Problem(where, "event_kind", "Missing: say what kind of event this row records."))
            continue
        event = {
            "_where": where,
            "_columns": {"date": "event_date", "summary": "event_summary", "kind": "event_kind"},
            "kind": kind,
            "date": row.get("event_date", ""),
            "date_precision": row.get("date_precision") or DatePrecision.DAY,
            "date_approximate": row.get("date_approximate", ""),
            "reported_on": row.get("reported_on") or None,
            "summary": row.get("event_summary", ""),
            "confidence": row.get("confidence") or Confidence.REPORTED,
            "sources": [],
        }
        for line in filter(None, (s.strip() for s in row.get("sources", "").splitlines())):
            parts = [p.strip() for p in line.split("|")] + ["", "", ""]
            title, publisher, published_on, url = parts[:4]
            key = (url,) if url else (title, publisher, published_on)
            if key not in sources:
                sources[key] = {
                    "key": f"source-{len(sources) + 1}",
                    "title": title,
                    "publisher": publisher,
                    "published_on": published_on or None,
                    "url": url,
                    "_where": where,
                    "_columns": {k: "sources" for k in ("title", "publisher", "published_on", "url")},
                }
            event["sources"].append(sources[key]["key"])
        for name in ("docket_number", "decision", "judges", "document_url", "hearing_status", "filing_type",
                     "filed_by", "custody_change", "from_stage", "to_stage"):
            event[name] = row.get(name, "")
        if row.get("authority"):
            authority_key = (row["authority"].lower(), row.get("authority_country", "").upper())
            if authority_key not in authorities:
                authorities[authority_key] = {
                    "key": f"authority-{len(authorities) + 1}",
                    "name": row["authority"],
                    "country": row.get("authority_country", ""),
                    "jurisdiction": "",
                    "level": row.get("authority_level", ""),
                    "_where": where,
                    "_columns": {"name": "authority", "country": "authority_country", "level": "authority_level"},
                }
            event["authority"] = authorities[authority_key]["key"]
        else:
            event["authority"] = None
        if kind == Event.Kind.STATEMENT or any(row.get(c) for c in ("quote", "government", "body")):
            event["statement"] = {
                "government": row.get("government", ""),
                "body": row.get("body", ""),
                "speaker": person_key(row["speaker"]) if row.get("speaker") else None,
                "speaker_title": row.get("speaker_title", ""),
                "channel": row.get("channel", ""),
                "quote": row.get("quote", ""),
            }
        cases[reference]["events"].append(event)
    if problems:
        return None, problems
    if not cases:
        return None, [Problem("file", "", "The file has a header but no rows.")]
    return {
        "format": SCHEMA_NAME,
        "schema_version": SCHEMA_VERSION,
        "treaties": [],
        "people": list(people.values()),
        "authorities": list(authorities.values()),
        "sources": list(sources.values()),
        "cases": list(cases.values()),
        "_csv": True,
    }, []


# Checking entries --------------------------------------------------------------------------------


class _Checker:
    """Reads one entry's fields into Python values, noting each problem with where it is."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems

    def items(self, entry, name) -> list:
        """A list field, or [] with a problem when it is something else."""
        value = entry.get(name)
        if value in (None, ""):
            return []
        if not isinstance(value, list):
            self.fail(entry, name, "Must be a list.")
            return []
        return value

    def key(self, entry, name) -> str | None:
        """A reference to another entry: text, or None with a problem."""
        value = entry.get(name)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            self.fail(entry, name, "Must be the key (text) of an entry listed in this file.")
            return None
        return value

    def fail(self, entry: dict, name: str, message: str) -> None:
        column = entry.get("_columns", {}).get(name, name)
        self.problems.append(Problem(entry.get("_where", ""), column, message))

    def text(self, entry, name, *, required=False, max_length=None) -> str:
        value = entry.get(name)
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.fail(entry, name, "Must be text.")
            return ""
        value = value.strip()
        if required and not value:
            self.fail(entry, name, "Required: this field cannot be empty.")
        if max_length and len(value) > max_length:
            self.fail(entry, name, f"Too long: {len(value)} characters, at most {max_length}.")
        return value

    def choice(self, entry, name, choices, *, required=True) -> str:
        value = self.text(entry, name, required=required)
        if not value:
            return ""
        by_label = {label.lower(): v for v, label in choices.choices}
        if value in choices.values:
            return value
        if value.lower() in choices.values:
            return value.lower()
        if value.lower() in by_label:
            return by_label[value.lower()]
        self.fail(entry, name, f"Unknown value “{value}”; expected one of: {', '.join(choices.values)}.")
        return ""

    def country(self, entry, name, *, required=True) -> str:
        value = self.text(entry, name, required=required)
        if not value:
            return ""
        if value.upper() in dict(countries):
            return value.upper()
        code = countries.by_name(value)
        if code:
            return code
        self.fail(entry, name, f"Unknown country “{value}”; use a two-letter code such as IN, US or GB.")
        return ""

    def date(self, entry, name, *, required=False) -> datetime.date | None:
        value = entry.get(name)
        if value in (None, ""):
            if required:
                self.fail(entry, name, "Required: give the date as YYYY-MM-DD.")
            return None
        try:
            return datetime.date.fromisoformat(str(value).strip())
        except ValueError:
            self.fail(entry, name, f"“{value}” is not a date; write it as YYYY-MM-DD.")
            return None

    def boolean(self, entry, name) -> bool:
        value = entry.get(name)
        if isinstance(value, bool):
            return value
        text = str(value or "").strip().lower()
        if text in ("", "no", "false", "0", "n"):
            return False
        if text in ("yes", "true", "1", "y", "x"):
            return True
        self.fail(entry, name, f"“{value}” is not yes or no.")
        return False

    def partial_date(self, entry, name, precision_name) -> tuple[datetime.date | None, str]:
        precision = self.choice(entry, precision_name, DatePrecision) or DatePrecision.DAY
        value = entry.get(name)
        if value in (None, ""):
            self.fail(entry, name, "Required: when did it happen?")
            return None, precision
        try:
            return partial_date_parse(str(value), precision=precision), precision
        except ValidationError as error:
            self.fail(entry, name, " ".join(error.messages))
            return None, precision


def event_identity(*, kind: str, occurred_on, precision: str, summary: str = "", authority=None, decision: str = "",
                   filing_type: str = "", filed_by: str = "", custody_change: str = "", to_stage: str = "",
                   statement: tuple = ()) -> tuple:
    """What makes an event the same event on re-import: its kind, its date, and what it is about.

    The rest (summary, confidence, sources, docket, judges…) can be corrected by a later import.
    A hearing keeps its identity when its status moves from scheduled to held; a status note is
    known by its words."""
    detail = {
        Event.Kind.RULING: (authority, decision),
        Event.Kind.HEARING: (authority,),
        Event.Kind.FILING: (filing_type, filed_by.lower()),
        Event.Kind.CUSTODY: (custody_change,),
        Event.Kind.STAGE_CHANGE: (to_stage,),
        Event.Kind.STATEMENT: statement,
        Event.Kind.STATUS: (" ".join(summary.split()),),
    }[kind]
    return (kind, occurred_on, precision, *detail)


def _authority_ident(name: str, country: str) -> tuple:
    return (name.strip().lower(), country)


def _statement_ident(government: str, body: str, quote: str) -> tuple:
    return (government, body.strip().lower(), " ".join(quote.split()))


def _db_event_identity(event: Event) -> tuple:
    return event_identity(
        kind=event.kind,
        occurred_on=event.occurred_on,
        precision=event.date_precision,
        summary=event.summary,
        authority=_authority_ident(event.authority.name, event.authority.country.code or "") if event.authority_id else None,
        decision=event.decision,
        filing_type=event.filing_type,
        filed_by=event.filed_by,
        custody_change=event.custody_change,
        to_stage=event.to_stage,
        statement=_statement_ident(event.statement.government.code, event.statement.body, event.statement.quote)
        if event.statement_id
        else (),
    )


def _check(document: dict, problems: list[Problem]) -> dict:
    """Every entry read and checked, with references between entries resolved; no writes."""
    c = _Checker(problems)
    plan = {"treaties": {}, "people": {}, "authorities": {}, "sources": {}, "cases": []}

    def entries(name, path):
        for index, entry in enumerate(document.get(name) or []):
            if not isinstance(entry, dict):
                problems.append(Problem(f"{path}[{index}]", "", "Must be an object."))
                continue
            entry.setdefault("_where", f"{path}[{index}]")
            yield entry

    for entry in entries("treaties", "treaties"):
        name = c.text(entry, "name", required=True, max_length=200)
        if name in plan["treaties"]:
            c.fail(entry, "name", f"The treaty “{name}” is listed twice.")
        codes = entry.get("countries") or []
        if not isinstance(codes, list):
            c.fail(entry, "countries", "Must be a list of country codes.")
            codes = []
        parties = [c.country({"_where": entry["_where"], "country": code}, "country") for code in codes]
        plan["treaties"][name] = {
            "name": name, "countries": [p for p in parties if p], "signed_on": c.date(entry, "signed_on"),
            "url": c.text(entry, "url", max_length=500),
        }
    for entry in entries("people", "people"):
        key = c.text(entry, "key", required=True)
        if key in plan["people"]:
            c.fail(entry, "key", f"The person key “{key}” is used twice in this file.")
        variants = []
        for v in c.items(entry, "variants"):
            if isinstance(v, dict):
                v = (v.get("name", ""), v.get("kind", PersonName.Kind.TRANSLITERATION))
            if not isinstance(v, (list, tuple)) or len(v) != 2:
                c.fail(entry, "variants", "Each variant needs a name and a kind.")
                continue
            kind = c.choice({"_where": entry["_where"], "kind": v[1]}, "kind", PersonName.Kind)
            if str(v[0]).strip():
                variants.append((str(v[0]).strip(), kind or PersonName.Kind.TRANSLITERATION))
        nationality = entry.get("nationality") or []
        plan["people"][key] = {
            "name": c.text(entry, "name", required=True, max_length=200),
            "variants": variants,
            "nationality": [
                code for code in (c.country({"_where": entry["_where"], "nationality": n}, "nationality") for n in nationality) if code
            ] if isinstance(nationality, list) else [],
            "description": c.text(entry, "description"),
        }
    for entry in entries("authorities", "authorities"):
        key = c.text(entry, "key", required=True)
        if key in plan["authorities"]:
            c.fail(entry, "key", f"The court key “{key}” is used twice in this file.")
        name = c.text(entry, "name", required=True, max_length=200)
        country = c.country(entry, "country", required=False)
        level = c.choice(entry, "level", Authority.Level, required=False)
        if not level and not Authority.objects.filter(name__iexact=name, country=country).exists():
            c.fail(entry, "level", f"Required for a court not yet recorded (“{name}”); one of: {', '.join(Authority.Level.values)}.")
        plan["authorities"][key] = {"name": name, "country": country, "level": level or Authority.Level.OTHER,
                               "jurisdiction": c.text(entry, "jurisdiction", max_length=200)}
    for entry in entries("sources", "sources"):
        key = c.text(entry, "key", required=True)
        if key in plan["sources"]:
            c.fail(entry, "key", f"The source key “{key}” is used twice in this file.")
        url = c.text(entry, "url", max_length=500)
        if url and not url.startswith(("http://", "https://")):
            c.fail(entry, "url", f"“{url}” is not a web address (http:// or https://).")
        plan["sources"][key] = {
            "url": url, "title": c.text(entry, "title", required=True, max_length=300),
            "publisher": c.text(entry, "publisher", max_length=200), "published_on": c.date(entry, "published_on"),
        }

    references = {}
    for index, entry in enumerate(document["cases"]):  # a list: _json_read checked it
        if not isinstance(entry, dict):
            problems.append(Problem(f"cases[{index}]", "", "Must be an object."))
            continue
        entry.setdefault("_where", f"cases[{index}]")
        plan["cases"].append(_check_case(entry, c, plan, references))
    if not plan["cases"] and not problems:
        problems.append(Problem("file", "cases", "The file holds no cases."))
    return plan


def _check_case(entry: dict, c: _Checker, plan: dict, references: dict) -> dict:
    path = entry["_where"]
    reference = c.text(entry, "reference", required=True, max_length=50)
    if reference and not (reference.isascii() and all(ch.isalnum() or ch in "-_" for ch in reference)):
        c.fail(entry, "reference", f"“{reference}” may hold only letters, digits, hyphens and underscores.")
    if reference in references:
        c.fail(entry, "reference", f"The case reference “{reference}” appears twice in this file (first at {references[reference]}).")
    references.setdefault(reference, path)
    case = {
        "_where": path,
        "reference": reference,
        "title": c.text(entry, "title", required=True, max_length=200),
        "requesting_state": c.country(entry, "requesting_state"),
        "requested_state": c.country(entry, "requested_state"),
        "offences": c.text(entry, "offences", required=True),
        "summary": c.text(entry, "summary"),
        "opened_on": c.date(entry, "opened_on"),
        "initial_stage": c.choice(entry, "initial_stage", Stage, required=False),
        "stage": c.choice(entry, "stage", Stage, required=False),
        "stage_entered_on": c.date(entry, "stage_entered_on"),
        "outcome": c.choice(entry, "outcome", Outcome, required=False),
        "closed_on": c.date(entry, "closed_on"),
        "parties": [],
        "events": [],
    }
    if case["requesting_state"] and case["requesting_state"] == case["requested_state"]:
        c.fail(entry, "requested_state", "The requesting and requested states must differ.")
    if bool(case["outcome"]) != bool(case["closed_on"]):
        c.fail(entry, "closed_on" if case["outcome"] else "outcome", "A closed case needs both an outcome and the date it closed.")
    treaty = c.key(entry, "treaty")
    if treaty and treaty not in plan["treaties"] and not Treaty.objects.filter(name=treaty).exists():
        if document_is_csv(entry):
            plan["treaties"][treaty] = {"name": treaty, "countries": [], "signed_on": None, "url": ""}
        else:
            c.fail(entry, "treaty", f"Unknown treaty “{treaty}”: list it under “treaties” or use the name of a recorded one.")
    case["treaty"] = treaty or None

    for index, party in enumerate(c.items(entry, "parties")):
        party = party if isinstance(party, dict) else {}
        party.setdefault("_where", entry["_where"] if "_columns" in entry else f"{path}.parties[{index}]")
        if "_columns" in entry:
            party.setdefault("_columns", {"person": "people", "role": "people"})
        role = c.choice(party, "role", CaseParty.Role)
        person = c.key(party, "person")
        if person not in plan["people"]:
            c.fail(party, "person", f"Unknown person “{person}”: list them under “people”.")
        case["parties"].append({"person": person, "role": role, "note": c.text(party, "note", max_length=300)})

    identities = {}
    for index, event in enumerate(c.items(entry, "events")):
        if not isinstance(event, dict):
            c.problems.append(Problem(f"{path}.events[{index}]", "", "Must be an object."))
            continue
        event.setdefault("_where", f"{path}.events[{index}]")
        checked = _check_event(event, c, plan)
        if checked is None:
            continue
        if checked["identity"] in identities:
            c.fail(event, "kind", f"The same event appears twice in this file for case “{reference}” (first at {identities[checked['identity']]}).")
        identities.setdefault(checked["identity"], event["_where"])
        case["events"].append(checked)
    return case


def document_is_csv(entry: dict) -> bool:
    return "_columns" in entry


def _check_event(entry: dict, c: _Checker, plan: dict) -> dict | None:
    before = len(c.problems)
    kind = c.choice(entry, "kind", Event.Kind)
    occurred_on, precision = c.partial_date(entry, "date", "date_precision")
    event = {
        "_where": entry["_where"],
        "_columns": entry.get("_columns", {}),
        "kind": kind,
        "occurred_on": occurred_on,
        "date_precision": precision,
        "date_approximate": c.boolean(entry, "date_approximate"),
        "reported_on": c.date(entry, "reported_on"),
        "summary": c.text(entry, "summary", required=True),
        "confidence": c.choice(entry, "confidence", Confidence, required=False) or Confidence.REPORTED,
        "sources": [],
        "fields": {},
    }
    for key in c.items(entry, "sources"):
        if not isinstance(key, str) or key not in plan["sources"]:
            c.fail(entry, "sources", f"Unknown source “{key}”: list it under “sources”.")
        else:
            event["sources"].append(key)
    if not kind:
        return None
    fields = event["fields"]
    for name in EVENT_KIND_FIELDS[kind]:
        if name == "authority":
            key = c.key(entry, "authority")
            if key and key not in plan["authorities"]:
                c.fail(entry, "authority", f"Unknown court “{key}”: list it under “authorities”.")
            elif kind in (Event.Kind.RULING,) and not key:
                c.fail(entry, "authority", "Required: which court ruled?")
            fields["authority"] = key or None
        elif name == "decision":
            fields["decision"] = c.choice(entry, "decision", Event.Decision)
        elif name == "hearing_status":
            fields["hearing_status"] = c.choice(entry, "hearing_status", Event.HearingStatus)
        elif name == "filing_type":
            fields["filing_type"] = c.choice(entry, "filing_type", Event.FilingType)
        elif name == "custody_change":
            fields["custody_change"] = c.choice(entry, "custody_change", Event.CustodyChange)
        elif name in ("from_stage", "to_stage"):
            fields[name] = c.choice(entry, name, Stage, required=name == "to_stage")
        elif name == "statement":
            st = entry.get("statement")
            if not isinstance(st, dict):
                c.fail(entry, "statement", "Required for a statement: government, body, channel and quote.")
                st = {}
            st = {"_where": entry["_where"], "_columns": {}, **{k: v for k, v in st.items() if not k.startswith("_")}}
            speaker = c.key(st, "speaker")
            if speaker and speaker not in plan["people"]:
                c.fail(entry, "speaker", f"Unknown person “{speaker}”: list them under “people”.")
            fields["statement"] = {
                "government": c.country(st, "government"),
                "body": c.text(st, "body", required=True, max_length=200),
                "speaker": speaker or None,
                "speaker_title": c.text(st, "speaker_title", max_length=200),
                "channel": c.choice(st, "channel", Statement.Channel),
                "quote": c.text(st, "quote", required=True),
            }
        elif name == "document_url":
            fields[name] = c.text(entry, name, max_length=500)
        else:
            fields[name] = c.text(entry, name, max_length=300)
    if len(c.problems) > before:
        return None
    authority = plan["authorities"].get(fields.get("authority")) if fields.get("authority") else None
    st = fields.get("statement")
    event["identity"] = event_identity(
        kind=kind,
        occurred_on=occurred_on,
        precision=precision,
        summary=event["summary"],
        authority=_authority_ident(authority["name"], authority["country"]) if authority else None,
        decision=fields.get("decision", ""),
        filing_type=fields.get("filing_type", ""),
        filed_by=fields.get("filed_by", ""),
        custody_change=fields.get("custody_change", ""),
        to_stage=fields.get("to_stage", ""),
        statement=_statement_ident(st["government"], st["body"], st["quote"]) if st else (),
    )
    return event


# Applying ----------------------------------------------------------------------------------------


def _messages(error: ValidationError) -> list[tuple[str, str]]:
    if hasattr(error, "error_dict"):
        return [(name if name != "__all__" else "", " ".join(messages)) for name, messages in error.message_dict.items()]
    return [("", " ".join(error.messages))]


class _Applier:
    def __init__(self, plan: dict, *, by, result: ImportResult, progress: Callable[[int, int], None] | None):
        self.plan, self.by, self.result, self.progress = plan, by, result, progress
        self.people: dict[str, Person] = {}
        self.authorities: dict[str, Authority] = {}
        self.sources: dict[str, Source] = {}
        self.treaties: dict[str, Treaty] = {}

    def act(self, verb, what, label):
        self.result.actions.append(Action(verb, what, label))

    def attempt(self, where: str, field_map: dict, call):
        """Run one service call in its own savepoint; note its refusal instead of stopping."""
        try:
            with transaction.atomic():
                return call()
        except ValidationError as error:
            for name, message in _messages(error):
                self.result.problems.append(Problem(where, field_map.get(name, name), message))
        except (IntegrityError, ValueError, TypeError) as error:
            self.result.problems.append(Problem(where, "", f"Refused by the database: {error}"))
        return None

    def run(self):
        for name, spec in self.plan["treaties"].items():
            self.treaties[name] = self.treaty(spec)
        for key, spec in self.plan["people"].items():
            self.people[key] = self.person(spec)
        for key, spec in self.plan["authorities"].items():
            existing = Authority.objects.filter(name__iexact=spec["name"], country=spec["country"]).first()
            if existing is None:
                self.act("create", "court", spec["name"])
            self.authorities[key] = existing or self.attempt("authorities", {}, lambda spec=spec: services.authority_get_or_create(**spec))
        for key, spec in self.plan["sources"].items():
            self.sources[key] = self.source(spec)
        self.total = sum(len(case["events"]) for case in self.plan["cases"])
        self.done = 0
        for case_spec in self.plan["cases"]:
            case = self.case(case_spec)
            if case is not None:
                self.parties(case, case_spec)
                self.events(case, case_spec)
                self.close_and_check(case, case_spec)
            else:
                self.advance(len(case_spec["events"]))

    def advance(self, events: int = 1):
        self.done += events
        if self.progress:
            self.progress(self.done, self.total)

    def treaty(self, spec) -> Treaty:
        existing = Treaty.objects.filter(name=spec["name"]).first()
        if existing:
            return existing
        self.act("create", "treaty", spec["name"])
        # There is no treaty service yet (treaties are kept in the admin); validate as the services do.
        treaty = Treaty(**spec)
        treaty.full_clean()
        treaty.save()
        return treaty

    def person(self, spec) -> Person | None:
        names = [spec["name"]] + [name for name, _kind in spec["variants"]]
        query = Q()
        for name in names:
            query |= Q(name__iexact=name) | Q(names__name__iexact=name)
        existing = Person.objects.filter(query).distinct().order_by("pk").first()
        if existing is None:
            self.act("create", "person", spec["name"])
            return self.attempt("people", {}, lambda: services.person_create(by=self.by, **spec))
        known = {existing.name.lower()} | {n.lower() for n in existing.names.values_list("name", flat=True)}
        for name, kind in spec["variants"]:
            if name.lower() not in known:
                self.act("change", "person", f"{existing.name}: add the name “{name}”")
                self.attempt("people", {}, lambda name=name, kind=kind: services.person_add_name(
                    person=existing, name=name, kind=kind, by=self.by))
                known.add(name.lower())
        return existing

    def source(self, spec) -> Source | None:
        exists = (Source.objects.filter(url=spec["url"]) if spec["url"] else Source.objects.filter(
            url="", title=spec["title"], publisher=spec["publisher"], published_on=spec["published_on"])).exists()
        if not exists:
            self.act("create", "source", spec["title"])
        return self.attempt("sources", {}, lambda: services.source_get_or_create(**spec))

    def case(self, spec) -> Case | None:
        where = spec["_where"]
        fields = {name: spec[name] for name in ("title", "requesting_state", "requested_state", "offences", "summary", "opened_on")}
        fields["treaty"] = self.treaties.get(spec["treaty"]) or (
            Treaty.objects.filter(name=spec["treaty"]).first() if spec["treaty"] else None)
        existing = Case.objects.filter(reference=spec["reference"]).first()
        if existing is None and Case.all_objects.filter(reference=spec["reference"]).exists():
            self.result.problems.append(Problem(where, spec.get("_columns", {}).get("reference", "reference"),
                f"A deleted case has the reference “{spec['reference']}”: an administrator can restore it, or use another reference."))
            return None
        if existing is None:
            has_moves = any(e["kind"] == Event.Kind.STAGE_CHANGE for e in spec["events"])
            self.act("create", "case", spec["reference"])
            return self.attempt(where, {}, lambda: services.case_create(
                reference=spec["reference"],
                stage=spec["initial_stage"] or spec["stage"] or Stage.REQUEST_MADE,
                stage_entered_on=None if has_moves else spec["stage_entered_on"],
                by=self.by,
                **fields,
            ))
        changed = {name: value for name, value in fields.items() if getattr(existing, name) != value and not (
            name in ("requesting_state", "requested_state") and getattr(existing, name).code == value)}
        if changed:
            self.act("change", "case", f"{spec['reference']}: {', '.join(sorted(changed))}")
            return self.attempt(where, {}, lambda: services.case_update(case=existing, by=self.by, **changed))
        return existing

    def parties(self, case: Case, spec):
        have = set(case.parties.values_list("person_id", "role"))
        for party in spec["parties"]:
            person = self.people.get(party["person"])
            if person is None or (person.pk, party["role"]) in have:
                continue
            self.act("create", "person on a case", f"{case.reference}: {person} ({party['role']})")
            self.attempt(spec["_where"], {}, lambda person=person, party=party: services.case_add_party(
                case=case, person=person, role=party["role"], note=party["note"], by=self.by))
            have.add((person.pk, party["role"]))

    def events(self, case: Case, spec):
        existing = {}
        for event in case.events.select_related("authority", "statement", "statement__speaker").prefetch_related("sources").order_by("pk"):
            existing.setdefault(_db_event_identity(event), event)
        for event_spec in spec["events"]:
            match = existing.get(event_spec["identity"])
            if match is not None:
                self.event_correct(match, event_spec)
            else:
                created = self.event_create(case, spec, event_spec)
                if created is not None:
                    existing[event_spec["identity"]] = created
            self.advance()

    def _kind_fields(self, event_spec) -> dict:
        fields = {k: v for k, v in event_spec["fields"].items() if k not in ("statement", "from_stage", "to_stage")}
        if "authority" in fields:
            fields["authority"] = self.authorities.get(fields["authority"]) if fields["authority"] else None
        return fields

    def _common(self, event_spec) -> dict:
        return {
            "occurred_on": event_spec["occurred_on"],
            "date_precision": event_spec["date_precision"],
            "date_approximate": event_spec["date_approximate"],
            "reported_on": event_spec["reported_on"],
            "confidence": event_spec["confidence"],
            "sources": [self.sources[key] for key in event_spec["sources"] if self.sources.get(key)],
        }

    def event_create(self, case: Case, case_spec, event_spec) -> Event | None:
        where, columns = event_spec["_where"], {**event_spec["_columns"], "occurred_on": event_spec["_columns"].get("date", "date")}
        kind, common = event_spec["kind"], self._common(event_spec)
        label = f"{case.reference}: {event_spec['kind']} {partial_date_text(event_spec['occurred_on'], precision=event_spec['date_precision'])}"
        self.act("create", "event", label)
        if kind == Event.Kind.STAGE_CHANGE:
            from_stage = event_spec["fields"].get("from_stage")
            case.refresh_from_db(fields=["stage", "stage_entered_on"])
            if from_stage and from_stage != case.stage:
                self.result.problems.append(Problem(where, columns.get("from_stage", "from_stage"),
                    f"The case is at “{case.stage}” at this point, not “{from_stage}”: stage changes must follow each other."))
                return None
            return self.attempt(where, columns, lambda: services.case_change_stage(
                case=case, to_stage=event_spec["fields"]["to_stage"], reason=event_spec["summary"], by=self.by, **common))
        if kind == Event.Kind.STATEMENT:
            st = event_spec["fields"]["statement"]
            statement = self.attempt(where, columns, lambda: services.statement_record(
                cases=[case], government=st["government"], body=st["body"], channel=st["channel"], quote=st["quote"],
                speaker=self.people.get(st["speaker"]) if st["speaker"] else None, speaker_title=st["speaker_title"],
                summary=event_spec["summary"], by=self.by, **common))
            return statement.events.get(case=case) if statement else None
        if (kind == Event.Kind.STATUS and case_spec["outcome"] and case.is_open
                and event_spec["occurred_on"] == case_spec["closed_on"] and event_spec["summary"].startswith(CLOSING_PREFIX)):
            return self.event_close(case, case_spec, event_spec)
        return self.attempt(where, columns, lambda: services.event_record(
            case=case, kind=kind, summary=event_spec["summary"], by=self.by, **common, **self._kind_fields(event_spec)))

    def event_close(self, case: Case, case_spec, event_spec) -> Event | None:
        """The file's "Case closed" note is the one case_close writes: close the case to write it."""
        opening = f"{CLOSING_PREFIX}{Outcome(case_spec['outcome']).label.lower()}."
        note = event_spec["summary"].removeprefix(opening).strip() if event_spec["summary"].startswith(opening) else ""
        event = self.attempt(case_spec["_where"], {}, lambda: services.case_close(
            case=case, outcome=case_spec["outcome"], closed_on=case_spec["closed_on"], note=note, by=self.by))
        if event is not None:
            event.refresh_from_db()
            self.event_correct(event, event_spec, quiet=True)
        return event

    def event_correct(self, event: Event, event_spec, *, quiet: bool = False):
        """Apply what the file says differently about an event already recorded."""
        common = self._common(event_spec)
        sources = common.pop("sources")
        wanted = {"summary": event_spec["summary"], "reported_on": common["reported_on"],
                  "confidence": common["confidence"]}
        if event.kind != Event.Kind.STAGE_CHANGE:
            wanted["date_approximate"] = common["date_approximate"]
            wanted.update(self._kind_fields(event_spec))
        changes = {name: value for name, value in wanted.items() if getattr(event, name) != value}
        source_change = {s.pk for s in event.sources.all()} != {s.pk for s in sources}
        statement_changes = {}
        if event.kind == Event.Kind.STATEMENT:
            st = event_spec["fields"]["statement"]
            speaker = self.people.get(st["speaker"]) if st["speaker"] else None
            for name, value in (("speaker", speaker), ("speaker_title", st["speaker_title"]), ("channel", st["channel"])):
                if getattr(event.statement, name) != value:
                    statement_changes[name] = value
        if not (changes or source_change or statement_changes):
            return
        if not quiet:
            self.act("change", "event", f"{event.case.reference}: {event.kind} {event.date_display}: "
                     + ", ".join(sorted([*changes, *statement_changes] + (["sources"] if source_change else []))))
        columns = {**event_spec["_columns"], "occurred_on": event_spec["_columns"].get("date", "date")}
        self.attempt(event_spec["_where"], columns, lambda: services.event_update(
            event=event, by=self.by, sources=sources, statement_changes=statement_changes or None, **changes))

    def close_and_check(self, case: Case, spec):
        case.refresh_from_db()
        if spec["outcome"] and case.is_open:
            self.act("change", "case", f"{case.reference}: closed ({spec['outcome']})")
            self.attempt(spec["_where"], {}, lambda: services.case_close(
                case=case, outcome=spec["outcome"], closed_on=spec["closed_on"], by=self.by))
            case.refresh_from_db()
        if spec["stage"] and case.stage != spec["stage"] and not self.result.problems:
            self.result.problems.append(Problem(
                spec["_where"], "stage",
                f"The file says the case is at “{spec['stage']}”, but its stage changes lead to “{case.stage}”: "
                "a stage is changed by adding a stage_change event, not by editing the stage column."))


def import_document(document: dict, *, by=None, dry_run: bool = False,
                    progress: Callable[[int, int], None] | None = None) -> ImportResult:
    """Check and apply a document in one transaction; with ``dry_run`` (a preview), always roll back."""
    result = ImportResult()
    try:
        plan = _check(document, result.problems)
    except (TypeError, AttributeError, ValueError, KeyError) as error:
        # A shape the checks did not foresee (a number where a list belongs…): refuse, do not crash.
        result.problems.append(Problem("file", "", f"The file is not laid out like the export ({type(error).__name__}: {error})."))
    if result.problems:
        return result
    try:
        with transaction.atomic():
            _Applier(plan, by=by, result=result, progress=progress).run()
            if result.problems or dry_run:
                raise _Problems
    except _Problems:
        return result
    result.applied = True
    return result


def import_bytes(data: bytes, *, format: str, by=None, dry_run: bool = False,
                 progress: Callable[[int, int], None] | None = None) -> ImportResult:
    """Read a file's bytes (JSON or CSV) and import it, or say why not."""
    document, problems = document_read(data, format=format)
    if document is None:
        return ImportResult(problems=problems)
    return import_document(document, by=by, dry_run=dry_run, progress=progress)
