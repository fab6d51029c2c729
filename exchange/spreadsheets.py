"""
Reading the CSV export (one row per event, the case's columns repeated on each) into the JSON
document's shape, so that a CSV is validated and imported exactly as a JSON file is.

Each entry made from a row notes the row and its columns (``_where``, ``_columns``), so that a
problem is reported where the spreadsheet user will look for it. A file with the version 1
columns (forum, forum_country, forum_level) becomes a version 1 document.
"""

import csv
import io

from cases.dates import DatePrecision
from cases.models import (
    AfterSurrender,
    Authority,
    CaseParty,
    Confidence,
    Event,
    ExecutiveDecision,
    Outcome,
    RulingDecision,
    Stage,
    Statement,
    StatusCategory,
)

from .exports import CSV_CASE_COLUMNS, csv_cell_unprotect
from .schema import EVENT_KIND_FIELDS, SCHEMA_NAME, SCHEMA_VERSION
from .schema.v1 import statements_hoist

# Columns whose cells may hold a choice's label ("Court ruling") as well as its value ("ruling").
CHOICE_COLUMNS = {
    "initial_stage": Stage, "stage": Stage, "outcome": Outcome, "after_surrender": AfterSurrender,
    "event_kind": Event.Kind, "date_precision": DatePrecision, "confidence": Confidence,
    "hearing_status": Event.HearingStatus, "filing_type": Event.FilingType, "category": StatusCategory,
    "custody_change": Event.CustodyChange, "custody_change_then": Event.CustodyChange, "from_stage": Stage,
    "to_stage": Stage, "channel": Statement.Channel, "authority_kind": Authority.Kind, "authority_level": Authority.Level,
    "forum_level": Authority.Level,
}
# The CSV columns of a case entry's fields, where the names differ.
CASE_COLUMNS = {"title": "case_title", "summary": "case_summary", "reference": "case_reference", "parties": "people"}
EVENT_COLUMNS = {"date": "event_date", "summary": "event_summary", "kind": "event_kind"}


def choice_cell(value: str, choices) -> str:
    """A choice's value from its value or its label, in any case; other text unchanged, for the schema to report."""
    if value in choices.values:
        return value
    by_label = {str(label).lower(): v for v, label in choices.choices}
    return value.lower() if value.lower() in choices.values else by_label.get(value.lower(), value)


def yes_no(value: str):
    text = value.strip().lower()
    if text in ("", "no", "false", "0", "n"):
        return False
    if text in ("yes", "true", "1", "y", "x"):
        return True
    return value  # not a boolean: the schema says so


class _Rows:
    """The entries met so far, each listed once (people by name, authorities by name and country…)."""

    def __init__(self, acting: str):
        self.acting = acting
        self.people, self.authorities, self.sources, self.treaties, self.cases = {}, {}, {}, {}, {}

    def person(self, name: str, where: str, column: str) -> str:
        key = " ".join(name.split()).lower()
        self.people.setdefault(key, {"key": key, "name": " ".join(name.split()), "_where": where, "_columns": {"name": column}})
        return key

    def authority(self, row: dict, where: str) -> str | None:
        acting = self.acting
        if not row.get(acting):
            return None
        ident = (row[acting].lower(), row.get(f"{acting}_country", "").upper())
        if ident not in self.authorities:
            columns = {"name": acting, "country": f"{acting}_country", "level": f"{acting}_level", "kind": "authority_kind"}
            entry = {"key": f"authority-{len(self.authorities) + 1}", "_where": where, "_columns": columns,
                     **{field: row.get(column, "") for field, column in columns.items() if field != "kind"}}
            if acting == "authority":  # version 1 files have no kind: the upgrade makes it from the level
                entry["kind"] = row.get("authority_kind") or Authority.Kind.COURT
            self.authorities[ident] = entry
        return self.authorities[ident]["key"]

    def source_keys(self, cell: str, where: str) -> list[str]:
        """One source per line: title | publisher | published on | address."""
        keys = []
        for line in filter(None, (s.strip() for s in cell.splitlines())):
            title, publisher, published_on, url = ([p.strip() for p in line.split("|")] + ["", "", ""])[:4]
            ident = (url,) if url else (title, publisher, published_on)
            if ident not in self.sources:
                self.sources[ident] = {"key": f"source-{len(self.sources) + 1}", "title": title, "publisher": publisher,
                                       "published_on": published_on or None, "url": url, "_where": where,
                                       "_columns": dict.fromkeys(("title", "publisher", "published_on", "url"), "sources")}
            keys.append(self.sources[ident]["key"])
        return keys

    def case(self, row: dict, where: str, problems: list) -> dict:
        parties = []
        for item in filter(None, (p.strip() for p in row.get("people", "").split(";"))):
            name, _, role = item.partition("[")
            if not role.endswith("]") or not name.strip():
                problems.append((where, "people", f"“{item}” should be written “Name [role]”."))
                continue
            parties.append({"person": self.person(name, where, "people"), "role": choice_cell(role[:-1].strip(), CaseParty.Role)})
        if row.get("treaty"):
            self.treaties.setdefault(row["treaty"], {"name": row["treaty"], "_where": where, "_columns": {"name": "treaty"}})
        texts = ("requesting_state", "requested_state", "offences", "legal_basis", "initial_stage", "stage", "outcome",
                 "after_surrender")
        return {
            "_where": where, "_columns": CASE_COLUMNS,
            **{field: row.get(column, "") for field, column in CASE_COLUMNS.items() if field != "parties"},
            **{name: row.get(name, "") for name in texts},
            **{name: row.get(name) or None for name in ("treaty", "opened_on", "stage_entered_on", "closed_on")},
            "parties": parties,
            "events": [],
        }

    def event(self, row: dict, where: str) -> dict:
        kind = row["event_kind"]
        event = {
            "_where": where, "_columns": EVENT_COLUMNS,
            "kind": kind, "date": row.get("event_date", ""), "date_precision": row.get("date_precision") or DatePrecision.DAY,
            "date_approximate": yes_no(row.get("date_approximate", "")), "reported_on": row.get("reported_on") or None,
            "summary": row.get("event_summary", ""), "note": row.get("note", ""),
            "confidence": row.get("confidence") or Confidence.REPORTED,
            "sources": self.source_keys(row.get("sources", ""), where),
            self.acting: self.authority(row, where),
        }
        # A row holds every kind's columns; only its own kind's are read.
        for name in EVENT_KIND_FIELDS.get(kind, ()):
            if name == "statement":
                event["statement"] = {
                    **{name: row.get(name, "") for name in ("government", "body", "speaker_title", "channel", "quote", "gist")},
                    "speaker": self.person(row["speaker"], where, "speaker") if row.get("speaker") else None,
                    "reported_speech": yes_no(row.get("reported_speech", "")),
                    "_where": where,
                }
            elif name == "official":
                event["official"] = self.person(row["official"], where, "official") if row.get("official") else None
            elif name == "decision":
                vocabulary = ExecutiveDecision if kind == Event.Kind.EXECUTIVE_DECISION else RulingDecision
                event["decision"] = choice_cell(row.get("decision", ""), vocabulary)
            elif name != "category" or row.get("category"):  # no category: the schema's default
                event[name] = row.get(name, "")
        return event


def csv_read(text: str) -> tuple[dict | None, list[tuple[str, str, str]]]:
    """The CSV as a document, or the (row, column, problem) triples that stop it being read."""
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = [h.strip() for h in reader.fieldnames or []]
        rows = list(reader)
    except csv.Error as error:
        return None, [("file", "", f"This is not a readable CSV file: {error}.")]
    missing = [c for c in ("case_reference", "case_title", "requesting_state", "requested_state", "offences") if c not in header]
    if missing:
        return None, [("row 1", ", ".join(missing), "Missing column(s); the first row must name the columns as the export does.")]
    version = 1 if "forum" in header and "authority" not in header else SCHEMA_VERSION
    found = _Rows(acting="forum" if version == 1 else "authority")
    problems, first_rows = [], {}
    # Columns the export does not write (a spreadsheet user's notes) are ignored.
    for number, raw in enumerate(rows, start=2):
        where = f"row {number}"
        if None in raw:  # more cells than columns
            problems.append((where, "", "This row has more cells than the header has columns."))
            continue
        row = {(k or "").strip(): csv_cell_unprotect((v or "").strip()) for k, v in raw.items()}
        if not any(row.values()):
            continue
        for column, choices in CHOICE_COLUMNS.items():
            if row.get(column):
                row[column] = choice_cell(row[column], choices)
        reference, values = row.get("case_reference", ""), [row.get(c, "") for c in CSV_CASE_COLUMNS]
        if reference in first_rows:
            first_number, first_values = first_rows[reference]
            problems.extend(
                (where, column, f"Differs from row {first_number} for the same case “{reference}”: "
                 "every row of a case must repeat the same case columns.")
                for column, value, first in zip(CSV_CASE_COLUMNS, values, first_values) if column in header and value != first
            )
        else:
            first_rows[reference] = (number, values)
            found.cases[reference] = found.case(row, where, problems)
        if row.get("event_kind"):
            found.cases[reference]["events"].append(found.event(row, where))
        elif any(row.get(c) for c in ("event_date", "event_summary", "quote", "decision")):
            problems.append((where, "event_kind", "Missing: say what kind of event this row records."))
    if problems:
        return None, problems
    if not found.cases:
        return None, [("file", "", "The file has a header but no rows.")]
    document = {
        "format": SCHEMA_NAME,
        "schema_version": version,
        "treaties": list(found.treaties.values()),
        "people": list(found.people.values()),
        "forums" if version == 1 else "authorities": list(found.authorities.values()),
        "sources": list(found.sources.values()),
        "cases": list(found.cases.values()),
    }
    if version > 1:
        statements_hoist(document)
    return document, []
