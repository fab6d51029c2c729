"""
Import: the export's JSON document (version 2, or version 1 upgraded), or a CSV laid out like
the export (``spreadsheets``), written through the services.

An import runs in four steps: read the file (size, encoding, syntax); validate it against the
format's JSON Schema (``exchange.schema``: types, choices, lengths, what each kind of event
requires, and the defaults of what a file leaves out); check what a schema cannot (references
between entries, duplicates, dates whose text does not match their precision, country names,
records already in the database); then apply it in one transaction through ``cases.services``.
Any problem rolls the whole import back: nothing is half-imported. A preview is the same run,
always rolled back.

Re-importing the same file changes nothing: cases are matched by reference, people by name or
name variant, authorities by name and country, sources by address (or title, publisher and
date), statements by government, body and words, and events by their identity on the case
(see ``event_identity``).
"""

import datetime
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django_countries import countries

from cases import services
from cases.dates import DatePrecision, partial_date_parse, partial_date_text
from cases.models import Authority, Case, CaseRelation, Event, Outcome, Person, Source, Stage, Statement, Treaty

from .schema import DATE, NOT_BLANK, PARTIAL_DATE, REFERENCE, SCHEMA_NAME, SCHEMA_VERSION, WEB_ADDRESS, schema_validator
from .schema.v1 import CLOSURE_PREFIXES, document_upgrade_v1
from .spreadsheets import csv_read

# Files above this size are refused before they are read (settings.EXCHANGE_IMPORT_MAX_BYTES overrides).
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
# A file wrong throughout is reported up to this many problems, not one per cell.
MAX_SCHEMA_PROBLEMS = 200
CLOSING_PREFIX = CLOSURE_PREFIXES[0]


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
    if format == "csv":
        document, problems = csv_read(text)
        return document, [Problem(*problem) for problem in problems]
    if format != "json":
        return None, [Problem("file", "", f"Unknown format “{format}”: use json or csv.")]
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        return None, [Problem(f"line {error.lineno}", "", f"This is not valid JSON: {error.msg} (column {error.colno}).")]
    except RecursionError:
        return None, [Problem("file", "", "The JSON is nested too deeply to be an export.")]
    _locations_take(document)  # keys starting with "_" are the readers' own notes; a file may not set them
    return document, []


def _locations_take(document) -> dict[tuple, tuple[str, dict]]:
    """Remove the readers' notes ("_where": a CSV row or a version 1 path; "_columns": field → column)
    from every entry, and return them by the entry's path in the document."""
    found, stack = {}, [((), document)]
    while stack:  # not recursive: a hostile file may nest deeply
        path, value = stack.pop()
        if isinstance(value, dict):
            where, columns = value.pop("_where", None), value.pop("_columns", None)
            for key in [k for k in value if isinstance(k, str) and k.startswith("_")]:
                del value[key]
            if isinstance(where, str):
                found[path] = (where, columns if isinstance(columns, dict) else {})
            stack.extend((path + (key,), item) for key, item in value.items())
        elif isinstance(value, list):
            stack.extend((path + (index,), item) for index, item in enumerate(value))
    return found


def _problem(locations: dict, path: tuple, name: str, message: str) -> Problem:
    """The problem at its entry's CSV row and column when the entry came from a CSV, else at its JSON path."""
    if path in locations:
        row, columns = locations[path]
        return Problem(row, columns.get(name, name), message)
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return Problem(text or "file", name, message)


# Validating against the schema -------------------------------------------------------------------

_PATTERN_PROBLEMS = {
    DATE: "“{value}” is not a date; write it as YYYY-MM-DD, or null when unknown.",
    PARTIAL_DATE: "“{value}” is not a date; write it as YYYY-MM-DD, YYYY-MM or YYYY, as its precision says.",
    REFERENCE: "“{value}” may hold only letters, digits, hyphens and underscores.",
    WEB_ADDRESS: "“{value}” is not a web address (http:// or https://).",
}
_REQUIRED_PROBLEMS = {
    "authority": "Required: the court or other body that decided (a key of “authorities”).",
    "quote": "Required for a verbatim statement: the words as said. For reported speech, set “reported_speech” "
    "to true and say what was said in “gist”.",
    "gist": "Required for reported speech without a quote: what was said, as the source reports it.",
    "outcome": "Required: a closed case needs its outcome.",
}
_TYPE_WORDS = {"string": "text", "boolean": "true or false", "array": "a list", "object": "an object",
               "integer": "a whole number", "number": "a number", "null": "null"}


def _shown(value) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 80 else text[:79] + "…"


def _explain(error) -> list[tuple[tuple, str, str]]:
    """A schema error in plain words, as (path of the entry, field, problem)."""
    path, value, rule = tuple(error.absolute_path), error.instance, error.validator_value
    if error.validator == "required":
        missing = [name for name in rule if name not in value]
        return [(path, name, _REQUIRED_PROBLEMS.get(name, "Required: this field is missing.")) for name in missing]
    if error.validator == "additionalProperties":
        if "date_precision" in error.schema["properties"]:  # an event: each kind allows its own fields
            message = f"A “{value['kind']}” event has no field “{{}}”."
        else:
            message = "Unknown field “{}”: check its spelling against the export."
        return [(path, name, message.format(name)) for name in value if name not in error.schema["properties"]]
    if error.validator == "type" and "object" in (rule if isinstance(rule, list) else [rule]):
        return [(path, "", "Must be an object, as the export writes it.")]
    # A problem with one value: reported on its entry, under the field's name.
    names = [index for index, part in enumerate(path) if isinstance(part, str)]
    entry, name = (path[: names[-1]], path[names[-1]]) if names else ((), "")
    empty = value in ("", None) and not (error.validator in ("pattern", "format") and rule in (DATE, "date"))
    if empty or (error.validator == "pattern" and rule == NOT_BLANK):
        message = _REQUIRED_PROBLEMS.get(name, "Required: this field cannot be empty.")
    elif error.validator == "pattern":
        message = _PATTERN_PROBLEMS.get(rule, error.message).format(value=_shown(value))
    elif error.validator == "format":
        message = f"“{_shown(value)}” is not a real date; write it as YYYY-MM-DD."
    elif error.validator == "type":
        message = f"Must be {' or '.join(_TYPE_WORDS.get(t, t) for t in (rule if isinstance(rule, list) else [rule]))}."
    elif error.validator == "enum":
        message = f"Unknown value “{_shown(value)}”; expected one of: {', '.join(v for v in rule if v)}."
    elif error.validator == "const":
        message = f"This is not an {SCHEMA_NAME} export." if name == "format" else f"Must be {_shown(rule)}."
    elif error.validator == "maxLength":
        message = f"Too long: {len(value)} characters, at most {rule}."
    else:
        message = error.message
    return [(entry, name, message)]


def document_validate(document: dict, locations: dict | None = None) -> list[Problem]:
    """Every way the document departs from the schema, as problems in file order. Fills in the
    defaults of what the document leaves out, so that a valid document has every field."""
    errors = sorted(schema_validator().iter_errors(document),
                    key=lambda e: [(0, p, "") if isinstance(p, int) else (1, 0, p) for p in e.absolute_path])
    problems, seen = [], set()
    for error in errors:
        for path, name, message in _explain(error):
            problem = _problem(locations or {}, path, name, message)
            if (problem.row, problem.field) not in seen:
                seen.add((problem.row, problem.field))
                problems.append(problem)
        if len(problems) >= MAX_SCHEMA_PROBLEMS:
            problems.append(Problem("file", "", f"Stopped after {MAX_SCHEMA_PROBLEMS} problems; correct these and check again."))
            break
    return problems


# Checking what the schema cannot ----------------------------------------------------------------


def event_identity(*, kind: str, occurred_on, precision: str, summary: str = "", authority=None, decision: str = "",
                   filing_type: str = "", filed_by: str = "", custody_change: str = "", to_stage: str = "",
                   statement: tuple = ()) -> tuple:
    """What makes an event the same event on re-import: its kind, its date, and what it is about.

    The rest (summary, note, confidence, sources, docket, judges, detail, official…) can be
    corrected by a later import. A hearing keeps its identity when its status moves from scheduled
    to held; a status note is known by its words."""
    detail = {
        Event.Kind.RULING: (authority, decision),
        Event.Kind.EXECUTIVE_DECISION: (authority, decision),
        Event.Kind.HEARING: (authority,),
        Event.Kind.FILING: (filing_type, filed_by.lower()),
        Event.Kind.CUSTODY: (custody_change,),
        Event.Kind.STAGE_CHANGE: (to_stage,),
        Event.Kind.STATEMENT: statement,
        Event.Kind.STATUS: (" ".join(summary.split()),),
    }[kind]
    return (kind, occurred_on, precision, *detail)


def _numbered(identity: tuple, seen: Counter) -> tuple:
    """The identity with its rank among the case's events that are otherwise alike, in timeline order.

    The services allow two events that nothing tells apart (a stage moved hearing → surrender
    pending → hearing in one day, two stays granted by one court on one day); the file and the
    database list a case's events in timeline order, so the n-th of them in the file is the n-th
    recorded, and an export always imports."""
    seen[identity] += 1
    return (*identity, seen[identity])


def _authority_ident(name: str, country: str) -> tuple:
    return (name.strip().lower(), country)


def _statement_ident(government: str, body: str, quote: str, gist: str) -> tuple:
    """Who spoke for whom, and the words: the quote, or for reported speech without one, the gist."""
    words = " ".join(quote.split())
    return (government, body.strip().lower(), words, "" if words else " ".join(gist.split()))


def _db_event_identity(event: Event) -> tuple:
    authority, st = event.authority, event.statement
    return event_identity(
        kind=event.kind, occurred_on=event.occurred_on, precision=event.date_precision, summary=event.summary,
        authority=_authority_ident(authority.name, authority.country.code or "") if authority else None,
        decision=event.decision, filing_type=event.filing_type, filed_by=event.filed_by,
        custody_change=event.custody_change, to_stage=event.to_stage,
        statement=_statement_ident(st.government.code, st.body, st.quote, st.gist) if st else (),
    )


def _date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None  # the schema checked the form


def _without(entry: dict, *names: str) -> dict:
    return {name: value for name, value in entry.items() if name not in names}


class _Checker:
    """Turns the valid document's text into values (country codes, dates) in place and checks what
    the schema cannot, noting each problem where it is. The result indexes the entries by key."""

    def __init__(self, locations: dict):
        self.locations, self.problems = locations, []

    def fail(self, path: tuple, name: str, message: str) -> None:
        self.problems.append(_problem(self.locations, path, name, message))

    def country(self, path, name, value: str, *, required: bool = True) -> str:
        value = value.strip()
        code = value.upper() if value.upper() in countries else countries.by_name(value) if value else ""
        if value and not code:
            self.fail(path, name, f"Unknown country “{value}”; use a two-letter code such as IN, US or GB.")
        elif required and not value:
            self.fail(path, name, "Required: a two-letter country code such as IN, US or GB.")
        return code or ""

    def keyed(self, document: dict, name: str, what: str) -> dict[str, tuple[tuple, dict]]:
        found = {}
        for index, entry in enumerate(document[name]):
            if entry["key"] in found:
                self.fail((name, index), "key", f"The {what} key “{entry['key']}” is used twice in this file.")
            found.setdefault(entry["key"], ((name, index), entry))
        return found

    def refer(self, path, name, key, known: dict, what: str, listed: str) -> None:
        if key and key not in known:
            self.fail(path, name, f"Unknown {what} “{key}”: list it under “{listed}”.")

    def partial_date(self, path, name, text: str, precision: str) -> datetime.date | None:
        try:
            return partial_date_parse(text, precision=precision)
        except ValidationError as error:
            self.fail(path, name, " ".join(error.messages))
            return None

    def check(self, document: dict) -> dict:
        index = {"treaties": {}}
        for number, treaty in enumerate(document["treaties"]):
            path = ("treaties", number)
            if treaty["name"] in index["treaties"]:
                self.fail(path, "name", f"The treaty “{treaty['name']}” is listed twice.")
            treaty["countries"] = [self.country(path, "countries", code) for code in treaty["countries"]]
            treaty["signed_on"], treaty["in_force_on"] = _date(treaty["signed_on"]), _date(treaty["in_force_on"])
            index["treaties"][treaty["name"]] = treaty
        for name, what in (("people", "person"), ("authorities", "authority"), ("sources", "source"),
                           ("statements", "statement")):
            index[name] = self.keyed(document, name, what)
        for path, person in index["people"].values():
            person["nationality"] = [self.country(path, "nationality", code) for code in person["nationality"]]
        for path, authority in index["authorities"].values():
            authority["country"] = self.country(path, "country", authority["country"], required=False)
            if authority["kind"] == Authority.Kind.COURT and not authority["level"] and not Authority.objects.filter(
                    name__iexact=authority["name"], country=authority["country"]).exists():
                self.fail(path, "level", f"Required for a court not yet recorded (“{authority['name']}”); "
                          f"one of: {', '.join(Authority.Level.values)}.")
        for _path, source in index["sources"].values():
            source["published_on"] = _date(source["published_on"])
        for path, statement in index["statements"].values():
            statement["government"] = self.country(path, "government", statement["government"])
            self.refer(path, "speaker", statement["speaker"], index["people"], "person", "people")
            statement["ident"] = _statement_ident(*(statement[name] for name in ("government", "body", "quote", "gist")))
        references = {}
        for number, case in enumerate(document["cases"]):
            path = ("cases", number)
            if case["reference"] in references:
                self.fail(path, "reference", f"The case reference “{case['reference']}” appears twice in this file "
                          f"(first at {references[case['reference']]}).")
            references.setdefault(case["reference"], _problem(self.locations, path, "", "").row)
        for number, case in enumerate(document["cases"]):
            self.case(("cases", number), case, index, references)
        if not document["cases"]:
            self.fail((), "cases", "The file holds no cases.")
        return index

    def case(self, path: tuple, case: dict, index: dict, references: dict) -> None:
        case["path"] = path
        for name in ("requesting_state", "requested_state"):
            case[name] = self.country(path, name, case[name])
        if case["requesting_state"] and case["requesting_state"] == case["requested_state"]:
            self.fail(path, "requested_state", "The requesting and requested states must differ.")
        case["opened_on"], case["closed_on"] = _date(case["opened_on"]), _date(case["closed_on"])
        text = case.pop("stage_entered_on")
        case["stage_entered_precision"] = {4: DatePrecision.YEAR, 7: DatePrecision.MONTH}.get(len(text or ""), DatePrecision.DAY)
        case["stage_entered_on"] = (
            self.partial_date(path, "stage_entered_on", text, case["stage_entered_precision"]) if text else None)
        treaty = case["treaty"]
        if treaty and treaty not in index["treaties"] and not Treaty.objects.filter(name=treaty).exists():
            self.fail(path, "treaty", f"Unknown treaty “{treaty}”: list it under “treaties” or use the name of a recorded one.")
        for number, party in enumerate(case["parties"]):
            self.refer(path + ("parties", number), "person", party["person"], index["people"], "person", "people")
        for number, link in enumerate(case["related"]):
            if link["case"] == case["reference"]:
                self.fail(path + ("related", number), "case", "A case cannot be related to itself.")
            elif link["case"] not in references and not Case.objects.filter(reference=link["case"]).exists():
                self.fail(path + ("related", number), "case",
                          f"Unknown case “{link['case']}”: it is neither in this file nor recorded.")
        seen = Counter()
        for number, event in enumerate(case["events"]):
            self.event(path + ("events", number), event, index)
            if "identity" in event:
                event["identity"] = _numbered(event["identity"], seen)

    def event(self, path: tuple, event: dict, index: dict) -> None:
        before = len(self.problems)
        event["path"] = path
        event["occurred_on"] = self.partial_date(path, "date", event.pop("date"), event["date_precision"])
        event["reported_on"] = _date(event["reported_on"])
        for key in event["sources"]:
            self.refer(path, "sources", key, index["sources"], "source", "sources")
        self.refer(path, "authority", event["authority"], index["authorities"], "authority", "authorities")
        self.refer(path, "official", event.get("official"), index["people"], "person", "people")
        self.refer(path, "statement", event.get("statement"), index["statements"], "statement", "statements")
        if len(self.problems) > before:
            return
        authority = index["authorities"].get(event["authority"], (None, None))[1]
        statement = index["statements"].get(event.get("statement"), (None, None))[1]
        event["identity"] = event_identity(
            kind=event["kind"], occurred_on=event["occurred_on"], precision=event["date_precision"], summary=event["summary"],
            authority=_authority_ident(authority["name"], authority["country"]) if authority else None,
            decision=event.get("decision", ""), filing_type=event.get("filing_type", ""), filed_by=event.get("filed_by", ""),
            custody_change=event.get("custody_change", ""), to_stage=event.get("to_stage", ""),
            statement=statement["ident"] if statement else (),
        )


# Applying ----------------------------------------------------------------------------------------

# Fields of a service's refusal that have another name in the file.
_FILE_NAMES = {"occurred_on": "date", "reason": "summary"}
# What an event's entry holds besides the services' arguments.
_EVENT_NOTES = ("path", "identity", "kind", "summary", "statement", "from_stage", "to_stage")


class _Applier:
    def __init__(self, document: dict, index: dict, *, by, result: ImportResult, locations: dict,
                 progress: Callable[[int, int], None] | None):
        self.document, self.index, self.by, self.result = document, index, by, result
        self.locations, self.progress = locations, progress
        self.people: dict[str, Person] = {}
        self.authorities: dict[str, Authority] = {}
        self.sources: dict[str, Source] = {}
        self.treaties: dict[str, Treaty] = {}
        self.statements: dict[str, Statement] = {}
        self.cases: dict[str, Case] = {}

    def act(self, verb, what, label):
        self.result.actions.append(Action(verb, what, label))

    def attempt(self, path: tuple, call):
        """Run one service call in its own savepoint; note its refusal instead of stopping."""
        try:
            with transaction.atomic():
                return call()
        except ValidationError as error:
            messages = error.message_dict.items() if hasattr(error, "error_dict") else [("", error.messages)]
            for name, texts in messages:
                name = "" if name == "__all__" else _FILE_NAMES.get(name, name)
                self.result.problems.append(_problem(self.locations, path, name, " ".join(texts)))
        except (IntegrityError, ValueError, TypeError) as error:
            self.result.problems.append(_problem(self.locations, path, "", f"Refused by the database: {error}"))
        return None

    def run(self):
        for name, spec in self.index["treaties"].items():
            existing = Treaty.objects.filter(name=name).first()
            if existing is None:
                self.act("create", "treaty", name)
            self.treaties[name] = existing or self.attempt(
                ("treaties",), lambda spec=spec: services.treaty_create(by=self.by, **spec))
        for key, (path, spec) in self.index["people"].items():
            self.people[key] = self.person(path, spec)
        for key, (path, spec) in self.index["authorities"].items():
            existing = Authority.objects.filter(name__iexact=spec["name"], country=spec["country"]).first()
            if existing is None:
                self.act("create", "authority", spec["name"])
            self.authorities[key] = existing or self.attempt(
                path, lambda spec=spec: services.authority_get_or_create(**_without(spec, "key")))
        for key, (path, spec) in self.index["sources"].items():
            self.sources[key] = self.source(path, _without(spec, "key"))
        self.total, self.done = sum(len(case["events"]) for case in self.document["cases"]), 0
        for spec in self.document["cases"]:
            case = self.case(spec)
            if case is None:
                self.advance(len(spec["events"]))
                continue
            self.cases[spec["reference"]] = case
            self.parties(case, spec)
            self.events(case, spec)
            self.close_and_check(case, spec)
        for spec in self.document["cases"]:
            if spec["reference"] in self.cases:
                self.related(self.cases[spec["reference"]], spec)

    def advance(self, events: int = 1):
        self.done += events
        if self.progress:
            self.progress(self.done, self.total)

    def person(self, path, spec) -> Person | None:
        variants = [(variant["name"], variant["kind"]) for variant in spec["variants"]]
        query = Q()
        for name in [spec["name"]] + [name for name, _kind in variants]:
            query |= Q(name__iexact=name) | Q(names__name__iexact=name)
        # Two entries of one file are two people, even with one name: each takes a person no other has taken,
        # the one with the same name and description first.
        claimed = [person.pk for person in self.people.values() if person is not None]
        existing = min(Person.objects.filter(query).exclude(pk__in=claimed).distinct(),
                       key=lambda p: (p.name != spec["name"], p.description != spec["description"], p.pk), default=None)
        if existing is None:
            self.act("create", "person", spec["name"])
            return self.attempt(path, lambda: services.person_create(
                name=spec["name"], variants=variants, nationality=spec["nationality"], description=spec["description"],
                by=self.by))
        known = {existing.name.lower()} | {n.lower() for n in existing.names.values_list("name", flat=True)}
        for name, kind in variants:
            if name.lower() not in known:
                self.act("change", "person", f"{existing.name}: add the name “{name}”")
                self.attempt(path, lambda name=name, kind=kind: services.person_add_name(
                    person=existing, name=name, kind=kind, by=self.by))
                known.add(name.lower())
        return existing

    def source(self, path, spec) -> Source | None:
        exists = (Source.objects.filter(url=spec["url"]) if spec["url"] else Source.objects.filter(
            url="", title=spec["title"], publisher=spec["publisher"], published_on=spec["published_on"])).exists()
        if not exists:
            self.act("create", "source", spec["title"])
        return self.attempt(path, lambda: services.source_get_or_create(**spec))

    def case(self, spec) -> Case | None:
        path = spec["path"]
        fields = {name: spec[name] for name in ("title", "requesting_state", "requested_state", "offences", "legal_basis",
                                                "summary", "opened_on")}
        fields["treaty"] = self.treaties.get(spec["treaty"]) or (
            Treaty.objects.filter(name=spec["treaty"]).first() if spec["treaty"] else None)
        existing = Case.objects.filter(reference=spec["reference"]).first()
        if existing is None and Case.all_objects.filter(reference=spec["reference"]).exists():
            self.result.problems.append(_problem(self.locations, path, "reference",
                f"A deleted case has the reference “{spec['reference']}”: an administrator can restore it, "
                "or use another reference."))
            return None
        if existing is None:
            first_move = next((e for e in spec["events"] if e["kind"] == Event.Kind.STAGE_CHANGE), None)
            # The file does not say when the case entered the stage it was opened at, only that it was no
            # later than its first stage change: that change's date, which the services then accept.
            entered_on, entered_precision = (
                (first_move["occurred_on"], first_move["date_precision"]) if first_move
                else (spec["stage_entered_on"], spec["stage_entered_precision"]))
            self.act("create", "case", spec["reference"])
            return self.attempt(path, lambda: services.case_create(
                reference=spec["reference"], stage=spec["initial_stage"] or spec["stage"] or Stage.REQUEST_MADE,
                stage_entered_on=entered_on, stage_entered_precision=entered_precision, by=self.by, **fields))
        changed = {name: value for name, value in fields.items() if getattr(existing, name) != value and not (
            name in ("requesting_state", "requested_state") and getattr(existing, name).code == value)}
        if changed:
            self.act("change", "case", f"{spec['reference']}: {', '.join(sorted(changed))}")
            return self.attempt(path, lambda: services.case_update(case=existing, by=self.by, **changed))
        return existing

    def parties(self, case: Case, spec):
        have = set(case.parties.values_list("person_id", "role"))
        for party in spec["parties"]:
            person = self.people.get(party["person"])
            if person is None or (person.pk, party["role"]) in have:
                continue
            self.act("create", "person on a case", f"{case.reference}: {person} ({party['role']})")
            self.attempt(spec["path"], lambda person=person, party=party: services.case_add_party(
                case=case, person=person, role=party["role"], note=party["note"], by=self.by))
            have.add((person.pk, party["role"]))

    def related(self, case: Case, spec):
        for link in spec["related"]:
            other = self.cases.get(link["case"]) or Case.objects.filter(reference=link["case"]).first()
            if other is None:
                continue  # its own case was refused, and that is reported
            existing = CaseRelation.objects.filter(Q(case=case, related_case=other) | Q(case=other, related_case=case)).first()
            if existing and (existing.case_id, existing.relation, existing.note) == (case.pk, link["relation"], link["note"]):
                continue
            label = f"{case.reference} → {link['relation']} → {other.reference}"
            self.act("change" if existing else "create", "related matter", label)
            self.attempt(spec["path"], lambda other=other, link=link: services.case_relate(
                case=case, related_case=other, relation=link["relation"], note=link["note"], by=self.by))

    def events(self, case: Case, spec):
        existing = {}
        events = case.events.select_related("authority", "official", "statement", "statement__speaker")
        events = events.prefetch_related("sources")
        seen = Counter()
        for event in events.timeline_order(newest_first=False):
            existing[_numbered(_db_event_identity(event), seen)] = event
        for event_spec in spec["events"]:
            match = existing.get(event_spec["identity"])
            if match is not None:
                if match.statement_id:
                    self.statements.setdefault(event_spec["statement"], match.statement)
                self.event_correct(match, event_spec)
            else:
                created = self.event_create(case, spec, event_spec)
                if created is not None:
                    existing[event_spec["identity"]] = created
            self.advance()

    def _fields(self, event_spec) -> dict:
        """The services' arguments: every field of the event's entry but its notes, with keys made records."""
        fields = _without(event_spec, *_EVENT_NOTES)
        fields["authority"] = self.authorities.get(fields["authority"])
        fields["sources"] = [self.sources[key] for key in fields["sources"] if self.sources.get(key)]
        if "official" in fields:
            fields["official"] = self.people.get(fields["official"])
        return fields

    def _statement(self, key) -> dict:
        statement = _without(self.index["statements"][key][1], "key", "ident")
        return statement | {"speaker": self.people.get(statement["speaker"])}

    def event_create(self, case: Case, case_spec, event_spec) -> Event | None:
        path, kind, fields = event_spec["path"], event_spec["kind"], self._fields(event_spec)
        when = partial_date_text(fields["occurred_on"], precision=fields["date_precision"])
        self.act("create", "event", f"{case.reference}: {kind} {when}")
        if kind == Event.Kind.STAGE_CHANGE:
            case.refresh_from_db(fields=["stage", "stage_entered_on"])
            if event_spec["from_stage"] and event_spec["from_stage"] != case.stage:
                self.result.problems.append(_problem(self.locations, path, "from_stage",
                    f"The case is at “{case.stage}” at this point, not “{event_spec['from_stage']}”: "
                    "stage changes must follow each other."))
                return None
            return self.attempt(path, lambda: services.case_change_stage(
                case=case, to_stage=event_spec["to_stage"], reason=event_spec["summary"], by=self.by, **fields))
        if kind == Event.Kind.STATEMENT:
            return self.statement_event(case, event_spec, fields)
        if (kind == Event.Kind.STATUS and case_spec["outcome"] and case.is_open
                and fields["occurred_on"] == case_spec["closed_on"] and event_spec["summary"].startswith(CLOSING_PREFIX)):
            return self.event_close(case, case_spec, event_spec)
        return self.attempt(path, lambda: services.event_record(
            case=case, kind=kind, summary=event_spec["summary"], by=self.by, **fields))

    def statement_event(self, case: Case, event_spec, fields) -> Event | None:
        """Put the file's statement on this case: recorded with its first case, then added to the next ones."""
        key, path = event_spec["statement"], event_spec["path"]
        statement = self.statements.get(key)
        if statement is None:
            ident, spec = self.index["statements"][key][1]["ident"], self._statement(key)
            candidates = Statement.objects.filter(government=spec["government"], body__iexact=spec["body"])
            claimed = {s.pk for s in self.statements.values() if s is not None}
            statement = next((s for s in candidates if s.pk not in claimed
                              and _statement_ident(s.government.code, s.body, s.quote, s.gist) == ident), None)
            if statement is None:
                self.act("create", "statement", f"{spec['body']} ({spec['government']})")
                statement = self.attempt(path, lambda: services.statement_record(
                    cases=[case], summary=event_spec["summary"], by=self.by, **spec, **fields))
                self.statements[key] = statement
                return statement.events.get(case=case) if statement else None
            self.statements[key] = statement
        events = self.attempt(path, lambda: services.statement_add_cases(
            statement=statement, cases=[case], summary=event_spec["summary"], by=self.by, **fields))
        return events[0] if events else None

    def event_close(self, case: Case, case_spec, event_spec) -> Event | None:
        """The file's "Case closed" note is the one case_close writes: close the case to write it."""
        opening = f"{CLOSING_PREFIX}{Outcome(case_spec['outcome']).label.lower()}."
        note = event_spec["summary"].removeprefix(opening).strip() if event_spec["summary"].startswith(opening) else ""
        event = self.attempt(case_spec["path"], lambda: services.case_close(
            case=case, outcome=case_spec["outcome"], closed_on=case_spec["closed_on"], note=note,
            after_surrender=case_spec["after_surrender"], by=self.by))
        if event is not None:
            event.refresh_from_db()
            self.event_correct(event, event_spec, quiet=True)
        return event

    def event_correct(self, event: Event, event_spec, *, quiet: bool = False):
        """Apply what the file says differently about an event already recorded."""
        wanted = self._fields(event_spec) | {"summary": event_spec["summary"]}
        sources = wanted.pop("sources")
        if event.kind == Event.Kind.STAGE_CHANGE:  # its date is the case's audit trail
            for name in ("occurred_on", "date_precision", "date_approximate"):
                wanted.pop(name)
        changes = {name: value for name, value in wanted.items() if getattr(event, name) != value}
        source_change = {s.pk for s in event.sources.all()} != {s.pk for s in sources}
        statement_changes = {}
        if event.kind == Event.Kind.STATEMENT:
            spec = self._statement(event_spec["statement"])
            statement_changes = {name: spec[name] for name in ("speaker", "speaker_title", "channel", "reported_speech", "gist")
                                 if getattr(event.statement, name) != spec[name]}
        if not (changes or source_change or statement_changes):
            return
        if not quiet:
            self.act("change", "event", f"{event.case.reference}: {event.kind} {event.date_display}: "
                     + ", ".join(sorted([*changes, *statement_changes] + (["sources"] if source_change else []))))
        self.attempt(event_spec["path"], lambda: services.event_update(
            event=event, by=self.by, sources=sources, statement_changes=statement_changes or None, **changes))

    def close_and_check(self, case: Case, spec):
        case.refresh_from_db()
        if spec["closed_on"] and case.is_open:
            self.act("change", "case", f"{case.reference}: closed ({spec['outcome']})")
            self.attempt(spec["path"], lambda: services.case_close(
                case=case, outcome=spec["outcome"], closed_on=spec["closed_on"], after_surrender=spec["after_surrender"],
                by=self.by))
            case.refresh_from_db()
        if spec["outcome"] and (case.outcome, case.after_surrender) != (spec["outcome"], spec["after_surrender"]):
            self.act("change", "case", f"{case.reference}: outcome {spec['outcome']} {spec['after_surrender']}".rstrip())
            self.attempt(spec["path"], lambda: services.case_set_outcome(
                case=case, outcome=spec["outcome"], after_surrender=spec["after_surrender"], by=self.by))
        if spec["stage"] and case.stage != spec["stage"] and not self.result.problems:
            self.result.problems.append(_problem(
                self.locations, spec["path"], "stage",
                f"The file says the case is at “{spec['stage']}”, but its stage changes lead to “{case.stage}”: "
                "a stage is changed by adding a stage_change event, not by editing the stage column."))


def import_document(document, *, by=None, dry_run: bool = False,
                    progress: Callable[[int, int], None] | None = None) -> ImportResult:
    """Check and apply a document (version 1 or 2; changed in place) in one transaction; with
    ``dry_run`` (a preview), always roll back."""
    result = ImportResult()
    if not isinstance(document, dict):
        result.problems.append(
            Problem("file", "cases", "The JSON must be an object with a “cases” list, as the export writes it."))
        return result
    version = document.get("schema_version")
    if version == 1:
        document_upgrade_v1(document)
    elif version != SCHEMA_VERSION:
        result.problems.append(Problem("file", "schema_version",
            f"Schema version {_shown(version)} is not supported; this tracker reads versions 1 and {SCHEMA_VERSION}."))
        return result
    locations = _locations_take(document)
    result.problems.extend(document_validate(document, locations))
    if result.problems:
        return result
    checker = _Checker(locations)
    index = checker.check(document)
    result.problems.extend(checker.problems)
    if result.problems:
        return result
    try:
        with transaction.atomic():
            _Applier(document, index, by=by, result=result, locations=locations, progress=progress).run()
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
    if problems:
        return ImportResult(problems=problems)
    return import_document(document, by=by, dry_run=dry_run, progress=progress)
