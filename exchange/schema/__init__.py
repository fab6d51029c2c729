"""
The exchange format, version 2, described once as a JSON Schema (draft 2020-12).

The schema is built here from the models (choices, lengths, help texts), so that it cannot drift
from what the database holds; ``tracker-v2.schema.json`` beside this module is the same schema
written out by ``manage.py write_schema``, committed for readers and editors, and served by the
app at ``/exchange/schema/v2.json``. The import validates every file against it
(``exchange.imports``) before the checks a schema cannot express.
"""

import copy
import functools
import json
from pathlib import Path

from django.db import models
from jsonschema import Draft202012Validator, validators

from cases.dates import DatePrecision
from cases.models import (
    AfterSurrender,
    Authority,
    Case,
    CaseParty,
    CaseRelation,
    Confidence,
    Event,
    ExecutiveDecision,
    Outcome,
    Person,
    PersonName,
    RulingDecision,
    Source,
    Stage,
    Statement,
    StatusCategory,
    Treaty,
)

SCHEMA_NAME = "extradition-tracker"
SCHEMA_VERSION = 2
SCHEMA_ID = "urn:extradition-tracker:exchange:v2"
SCHEMA_FILE = Path(__file__).with_name("tracker-v2.schema.json")

# Patterns the import turns into plain-language problems (see exchange.imports).
NOT_BLANK = r"\S"
DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
PARTIAL_DATE = r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$"
REFERENCE = r"^[A-Za-z0-9_-]+$"
WEB_ADDRESS = r"^(https?://\S+)?$"

# The fields every event carries in a file, then those of each kind, in the order the export writes them.
EVENT_COMMON_FIELDS = (
    "kind", "date", "date_precision", "date_approximate", "reported_on", "summary", "note", "confidence", "sources",
    "authority",
)
EVENT_KIND_FIELDS = {
    Event.Kind.RULING: ("decision", "decision_detail", "docket_number", "judges", "document_url"),
    Event.Kind.EXECUTIVE_DECISION: ("official", "decision", "decision_detail", "docket_number", "document_url"),
    Event.Kind.STATEMENT: ("statement",),
    Event.Kind.STATUS: ("category",),
    Event.Kind.HEARING: ("hearing_status", "docket_number", "judges"),
    Event.Kind.FILING: ("filing_type", "filed_by", "docket_number", "document_url"),
    Event.Kind.CUSTODY: ("custody_change", "custody_change_then"),
    Event.Kind.STAGE_CHANGE: ("from_stage", "to_stage"),
}


def _described(schema: dict, text) -> dict:
    return {**schema, "description": str(text)} if text else schema


def _field_text(model, name: str) -> str:
    field = model._meta.get_field(name)
    label = str(field.verbose_name)
    return f"{label[:1].upper()}{label[1:]}: {field.help_text}" if field.help_text else f"{label[:1].upper()}{label[1:]}."


def _text(model, name: str, *, required: bool = False) -> dict:
    """A text field with the model's length limit; ``required`` text may not be blank."""
    field = model._meta.get_field(name)
    schema: dict = {"type": "string"}
    if getattr(field, "max_length", None) and not isinstance(field, models.TextField):
        schema["maxLength"] = field.max_length
    if required:
        schema["pattern"] = NOT_BLANK
    else:
        schema["default"] = ""
    return _described(schema, _field_text(model, name))


def _choice(choices: type[models.TextChoices], text: str = "", *, blank: bool = False) -> dict:
    """One of the choices' values; "" too when the field may be left empty."""
    schema = {"type": "string", "enum": list(choices.values) + ([""] if blank else [])}
    return _described({**schema, "default": ""} if blank else schema, text)


def _date(text: str) -> dict:
    schema = {"type": ["string", "null"], "format": "date", "pattern": DATE, "default": None}
    return _described(schema, f"{text} YYYY-MM-DD, or null.")


def _country(text: str) -> dict:
    return _described({"type": "string"}, f"{text} An ISO 3166 code such as IN, US or GB (English names are accepted on import).")


def _key(text: str, *, nullable: bool = False) -> dict:
    schema = {"type": ["string", "null"], "default": None} if nullable else {"type": "string", "pattern": NOT_BLANK}
    return _described(schema, text)


def _list(items: dict, text: str = "") -> dict:
    return _described({"type": "array", "items": items, "default": []}, text)


def _entry(properties: dict, *, required: list[str], text: str = "", **rules) -> dict:
    return _described(
        {"type": "object", "required": required, "properties": properties, "additionalProperties": False, **rules}, text
    )


def _treaty() -> dict:
    return _entry(
        {
            "name": _text(Treaty, "name", required=True),
            "countries": _list(_country("A party."), "The states bound by the treaty."),
            "signed_on": _date("Signed on:"),
            "in_force_on": _date("In force since:"),
            "url": {**_text(Treaty, "url"), "pattern": WEB_ADDRESS},
        },
        required=["name"],
        text="A treaty or convention; cases refer to it by its name.",
    )


def _person() -> dict:
    variant = _entry(
        {"name": _text(PersonName, "name", required=True),
         "kind": {**_choice(PersonName.Kind), "default": PersonName.Kind.TRANSLITERATION}},
        required=["name"],
        text="Another way the name is written.",
    )
    return _entry(
        {
            "key": _key("Any text unique among the people of this file; statements, parties and officials refer to it."),
            "name": _text(Person, "name", required=True),
            "variants": _list(variant),
            "nationality": _list(_country("A nationality.")),
            "description": _text(Person, "description"),
        },
        required=["key", "name"],
        text="A person: someone sought, an official, a speaker. Matched on import by name or any variant.",
    )


def _authority() -> dict:
    return _entry(
        {
            "key": _key("Any text unique among the authorities of this file; events refer to it."),
            "name": _text(Authority, "name", required=True),
            "country": {**_country("Country (empty for an international body)."), "default": ""},
            "jurisdiction": _text(Authority, "jurisdiction"),
            "kind": {**_choice(Authority.Kind, _field_text(Authority, "kind")), "default": Authority.Kind.COURT},
            "level": _choice(Authority.Level, "For a court: its place in an extradition matter "
                             "(needed for a court not yet recorded).", blank=True),
        },
        required=["key", "name"],
        text="A body that acts: a court, a ministry, a prosecutor, the police, an international body, a legislature. "
        "Matched on import by name and country.",
    )


def _source() -> dict:
    return _entry(
        {
            "key": _key("Any text unique among the sources of this file; events refer to it."),
            "url": {**_text(Source, "url"), "pattern": WEB_ADDRESS},
            "publisher": _text(Source, "publisher"),
            "title": _text(Source, "title", required=True),
            "published_on": _date("Published on:"),
        },
        required=["key", "title"],
        text="Where events were learned. Matched on import by address, or by title, publisher and date.",
    )


def _statement() -> dict:
    return _entry(
        {
            "key": _key("Any text unique among the statements of this file; statement events refer to it."),
            "government": _country("The state on whose behalf the speaker spoke."),
            "body": _text(Statement, "body", required=True),
            "speaker": _key("The key of the speaker in “people”, or null when the body spoke without a named person.",
                            nullable=True),
            "speaker_title": _text(Statement, "speaker_title"),
            "channel": _choice(Statement.Channel, "How it was said; empty when unknown.", blank=True),
            "reported_speech": {"type": "boolean", "default": False, "description": _field_text(Statement, "reported_speech")},
            "quote": _text(Statement, "quote"),
            "gist": _text(Statement, "gist"),
        },
        required=["key", "government", "body"],
        text="What a government said, listed once however many cases it concerns. A verbatim statement needs "
        "its quote; reported speech may quote nothing and says what was said in “gist”.",
        **{
            "if": {"properties": {"reported_speech": {"const": True}}, "required": ["reported_speech"]},
            "then": {
                "if": {"properties": {"quote": {"maxLength": 0}}},
                "then": {"required": ["gist"], "properties": {"gist": {"pattern": NOT_BLANK}}},
            },
            "else": {"required": ["quote"], "properties": {"quote": {"pattern": NOT_BLANK}}},
        },
    )


def _event_kind_fields(kind: str) -> tuple[dict, list[str]]:
    """The properties of one kind of event and those it requires."""
    fields = {
        "decision": _choice(ExecutiveDecision if kind == Event.Kind.EXECUTIVE_DECISION else RulingDecision,
                            "What was decided, in this kind's own vocabulary."),
        "decision_detail": _text(Event, "decision_detail"),
        "docket_number": _text(Event, "docket_number"),
        "judges": _text(Event, "judges"),
        "document_url": {**_text(Event, "document_url"), "pattern": WEB_ADDRESS},
        "official": _key("The key in “people” of the minister or official who decided, or null.", nullable=True),
        "statement": _key("The key of the statement in the top-level “statements”."),
        "category": {**_choice(StatusCategory, "What the update is about."), "default": StatusCategory.OTHER},
        "hearing_status": _choice(Event.HearingStatus),
        "filing_type": _choice(Event.FilingType),
        "filed_by": _text(Event, "filed_by"),
        "custody_change": _choice(Event.CustodyChange),
        "custody_change_then": _choice(Event.CustodyChange, "A second change that followed at once.", blank=True),
        "from_stage": _choice(Stage, "The stage the case left (checked on import).", blank=True),
        "to_stage": _choice(Stage, "The stage the case moved to."),
    }
    required = {
        Event.Kind.RULING: ["authority", "decision"],
        Event.Kind.EXECUTIVE_DECISION: ["authority", "decision"],
        Event.Kind.STATEMENT: ["statement"],
        Event.Kind.HEARING: ["hearing_status"],
        Event.Kind.FILING: ["filing_type"],
        Event.Kind.CUSTODY: ["custody_change"],
        Event.Kind.STAGE_CHANGE: ["to_stage"],
    }.get(kind, [])
    properties = {name: fields[name] for name in EVENT_KIND_FIELDS[kind]}
    if "authority" in required:
        properties["authority"] = {"type": "string", "pattern": NOT_BLANK}
    return properties, required


def _event() -> dict:
    common = {
        "kind": _choice(Event.Kind, "What kind of event; each kind has its own fields."),
        "date": _described({"type": "string", "pattern": PARTIAL_DATE},
                           "When it happened, written at its precision: YYYY-MM-DD, YYYY-MM or YYYY."),
        "date_precision": {**_choice(DatePrecision), "default": DatePrecision.DAY},
        "date_approximate": {"type": "boolean", "default": False, "description": _field_text(Event, "date_approximate")},
        "reported_on": _date("Reported on:"),
        "summary": _text(Event, "summary", required=True),
        "note": _text(Event, "note"),
        "confidence": {**_choice(Confidence, _field_text(Event, "confidence")), "default": Confidence.REPORTED},
        "sources": _list({"type": "string"}, "Keys of entries in the top-level “sources”."),
        "authority": _key("The key of the acting authority in the top-level “authorities”, or null.", nullable=True),
    }
    assert tuple(common) == EVENT_COMMON_FIELDS
    branches = []
    for kind in Event.Kind.values:
        properties, required = _event_kind_fields(kind)
        branches.append({
            "if": {"properties": {"kind": {"const": kind}}, "required": ["kind"]},
            # Each kind's own fields are allowed on that kind only. (Listing the common fields again,
            # as true, is several times faster to check than "unevaluatedProperties".)
            "then": {"properties": {**dict.fromkeys(common, True), **properties}, "required": required,
                     "additionalProperties": False},
        })
    return _described(
        {"type": "object", "required": ["kind", "date", "summary"], "properties": common, "allOf": branches},
        "Something that happened on a case. Events are listed in timeline order, which the import keeps "
        "where their dates overlap.",
    )


def _case() -> dict:
    party = _entry(
        {"person": _key("The key of the person in “people”."), "role": _choice(CaseParty.Role), "note": _text(CaseParty, "note")},
        required=["person", "role"],
    )
    related = _entry(
        {
            "case": _key("The reference of the related case, in this file or already recorded."),
            "relation": _choice(CaseRelation.Relation, _field_text(CaseRelation, "relation")),
            "note": _text(CaseRelation, "note"),
        },
        required=["case", "relation"],
        text="A tie to another matter, written once, on one of the two cases.",
    )
    return _entry(
        {
            "reference": {**_text(Case, "reference"), "pattern": REFERENCE},
            "title": _text(Case, "title", required=True),
            "requesting_state": _country("The state that wants the person."),
            "requested_state": _country("The state where the person is."),
            "offences": _text(Case, "offences", required=True),
            "treaty": _key("The name of a treaty in “treaties” or already recorded, or null.", nullable=True),
            "legal_basis": _text(Case, "legal_basis"),
            "summary": _text(Case, "summary"),
            "opened_on": _date("Opened on:"),
            "initial_stage": _choice(Stage, "The stage the case was opened at.", blank=True),
            "stage": _choice(Stage, "The stage its stage changes lead to (checked, not set, on import).", blank=True),
            "stage_entered_on": _described({"type": ["string", "null"], "pattern": PARTIAL_DATE, "default": None},
                                           "When it entered that stage, at the precision known (not set on import)."),
            "outcome": _choice(Outcome, _field_text(Case, "outcome"), blank=True),
            "after_surrender": _choice(AfterSurrender, _field_text(Case, "after_surrender"), blank=True),
            "closed_on": _date("Closed on (null while open):"),
            "parties": _list(party, "People and their role on the case."),
            "related": _list(related),
            "events": _list({"$ref": "#/$defs/event"}, "The timeline, oldest first."),
        },
        required=["reference", "title", "requesting_state", "requested_state", "offences"],
        text="One extradition matter, matched on import by its reference.",
        **{
            "if": {"properties": {"closed_on": {"type": "string"}}, "required": ["closed_on"]},
            "then": {"required": ["outcome"], "properties": {"outcome": {"minLength": 1}}},
        },
    )


@functools.cache
def schema() -> dict:
    """The schema of the version 2 document, as a JSON-ready dict."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "Extradition tracker: import and export, version 2",
        "description": "Cases with everything needed to rebuild them. People, authorities, sources and statements "
        "are listed once and referred to by key; treaties by name; cases by reference.",
        "type": "object",
        "required": ["schema_version", "cases"],
        "properties": {
            "$schema": {"type": "string", "description": "Optional: the address of this schema, for editors."},
            "format": {"const": SCHEMA_NAME},
            "schema_version": {"const": SCHEMA_VERSION},
            "treaties": _list({"$ref": "#/$defs/treaty"}),
            "people": _list({"$ref": "#/$defs/person"}),
            "authorities": _list({"$ref": "#/$defs/authority"}),
            "sources": _list({"$ref": "#/$defs/source"}),
            "statements": _list({"$ref": "#/$defs/statement"}),
            "cases": _list({"$ref": "#/$defs/case"}),
        },
        "additionalProperties": False,
        "$defs": {
            "treaty": _treaty(),
            "person": _person(),
            "authority": _authority(),
            "source": _source(),
            "statement": _statement(),
            "case": _case(),
            "event": _event(),
        },
    }


def schema_json() -> str:
    """The schema as the text of the committed file (and of the served one)."""
    return json.dumps(schema(), ensure_ascii=False, indent=2) + "\n"


def _properties_with_defaults(validator, properties, instance, schema):
    """The "properties" keyword, filling in each absent property's "default" first."""
    if validator.is_type(instance, "object"):
        for name, subschema in properties.items():
            if isinstance(subschema, dict) and "default" in subschema and name not in instance:
                default = subschema["default"]
                instance[name] = copy.deepcopy(default) if isinstance(default, (list, dict)) else default
    yield from Draft202012Validator.VALIDATORS["properties"](validator, properties, instance, schema)


@functools.cache
def schema_validator() -> Draft202012Validator:
    """Validates a document against the schema and, as it goes, fills in what the schema says an
    absent field means, so that a valid document has every field."""
    filling = validators.extend(Draft202012Validator, {"properties": _properties_with_defaults})
    return filling(schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)
