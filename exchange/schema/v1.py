"""
Version 1 of the format, read by upgrading it to version 2 before validation.

Version 1 had "forums" (courts, and ministries filed as courts) instead of authorities, one
decision vocabulary for courts and ministers, status updates without a category, and statements
written inside each event. The upgrade carries a file over as migration cases/0011 carried the
database over, so that a first-generation file and a first-generation database give the same record.
"""

import json

from cases.models import Authority, Event, ExecutiveDecision, RulingDecision, StatusCategory

from . import SCHEMA_VERSION

AUTHORITY_KIND_FROM_LEVEL = {"executive": Authority.Kind.EXECUTIVE, "human_rights": Authority.Kind.INTERNATIONAL}
EXECUTIVE_DECISION_FROM_RULING = {
    "order_made": ExecutiveDecision.EXTRADITION_ORDERED,
    "refused": ExecutiveDecision.EXTRADITION_REFUSED,
    "certified": ExecutiveDecision.REQUEST_CERTIFIED,
    "discharged": ExecutiveDecision.EXTRADITION_REFUSED,
}
RULING_DECISION_RENAMED = {"remanded": RulingDecision.REMITTED, "bail_denied": RulingDecision.BAIL_REFUSED}
# The notes case_close and case_reopen write on the timeline.
CLOSURE_PREFIXES = ("Case closed: ", "Case reopened: ")


def _dicts(value) -> list[dict]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def document_upgrade_v1(document: dict) -> dict:
    """The version 1 document as version 2 (changed in place). Shapes that are wrong are left as
    they are, for the schema to report; entries that moved keep their version 1 path for problems."""
    document["schema_version"] = SCHEMA_VERSION
    forums = document.pop("forums", None)
    if forums is not None:
        document.setdefault("authorities", forums)
    kinds = {}
    for index, authority in enumerate(_dicts(document.get("authorities"))):
        kind = AUTHORITY_KIND_FROM_LEVEL.get(_text(authority.get("level")), Authority.Kind.COURT)
        authority.setdefault("kind", kind)
        if kind == Authority.Kind.EXECUTIVE:
            authority["level"] = ""
        if forums is not None:
            authority.setdefault("_where", f"forums[{index}]")
        kinds[_text(authority.get("key"))] = kind
    for case in _dicts(document.get("cases")):
        for event in _dicts(case.get("events")):
            if "forum" in event:
                event.setdefault("authority", event.pop("forum"))
            kind, decision = event.get("kind"), _text(event.get("decision"))
            if kind == Event.Kind.RULING and kinds.get(_text(event.get("authority"))) == Authority.Kind.EXECUTIVE:
                event["kind"] = Event.Kind.EXECUTIVE_DECISION
                event["decision"] = EXECUTIVE_DECISION_FROM_RULING.get(decision, ExecutiveDecision.OTHER)
                judges = _text(event.pop("judges", "")).strip()
                if judges:  # the minister was often written as the "judge"
                    event["note"] = " ".join(filter(None, [_text(event.get("note")), f"Decided by: {judges}."]))
            elif kind == Event.Kind.RULING and decision in RULING_DECISION_RENAMED:
                event["decision"] = RULING_DECISION_RENAMED[decision]
            elif kind == Event.Kind.STATUS:
                closure = _text(event.get("summary")).startswith(CLOSURE_PREFIXES)
                event.setdefault("category", StatusCategory.CASE_CLOSURE if closure else StatusCategory.OTHER)
    statements_hoist(document)
    return document


def statements_hoist(document: dict) -> None:
    """Statements written inside their events (version 1, CSV rows) become entries of the top-level
    "statements" list, referred to by key: the same government, body and words make one statement,
    as they were one statement when the file was exported."""
    statements = document.setdefault("statements", [])
    if not isinstance(statements, list):
        return
    keys: dict[str, str] = {}
    cases = document.get("cases")
    for case_index, case in enumerate(cases if isinstance(cases, list) else []):
        events = case.get("events") if isinstance(case, dict) else None
        for index, event in enumerate(events if isinstance(events, list) else []):
            statement = event.get("statement") if isinstance(event, dict) else None
            if not isinstance(statement, dict):
                continue
            ident = json.dumps([statement.get(name) for name in ("government", "body", "quote", "gist")], default=str)
            if ident not in keys:
                keys[ident] = f"statement-{len(statements) + 1}"
                statement.setdefault("_where", event.get("_where", f"cases[{case_index}].events[{index}].statement"))
                statements.append({"key": keys[ident], **statement})
            event["statement"] = keys[ident]
