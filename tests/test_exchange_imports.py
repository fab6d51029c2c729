import copy
import datetime
import io
import json
from pathlib import Path

import jsonschema
import pytest
from django.core.management import CommandError, call_command

from cases import services
from cases.models import Authority, Case, CaseRelation, Event, ExecutiveDecision, Person, RulingDecision, Source, Statement
from exchange.exports import export_csv, export_document, export_json
from exchange.imports import document_upgrade_v1, import_bytes, import_document
from exchange.schema import SCHEMA_FILE, schema, schema_json
from tests.factories import CaseFactory, PersonFactory, PersonNameFactory

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def document():
    """The first demo (the Rana case of 31 Jan 2025, three events) as a version 2 export document, with the database
    then emptied; the tests below count and point into it, so it must not follow the demo as it grows."""
    from tests.test_exchange_exports import empty_database

    result = import_bytes((DATA / "rana-2025-01-31-v2.json").read_bytes(), format="json")
    assert result.ok, result.problems
    exported = export_document(everything=True)
    empty_database()
    return exported


def _counts():
    return Case.objects.count(), Event.objects.count(), Person.objects.count(), Source.objects.count()


def _problems(result):
    return [(p.row, p.field) for p in result.problems]


def _json(doc) -> bytes:
    return json.dumps(doc).encode()


def test_importing_creates_the_cases_through_the_services(document):
    result = import_document(copy.deepcopy(document))
    assert result.ok and result.applied
    case = Case.objects.get(reference="rana-us-india")
    assert case.stage == "surrender_pending"
    assert case.stage_entered_on == datetime.date(2025, 1, 21)
    assert case.events.get(kind="stage_change").from_stage == "appeal"
    assert case.last_activity_on == datetime.date(2025, 1, 31)
    assert result.counts()["create event"] == 3


def test_reimporting_the_same_file_creates_no_duplicates(document):
    import_bytes(_json(document), format="json")
    before = _counts()
    result = import_bytes(_json(document), format="json")
    assert result.ok and result.actions == []
    assert _counts() == before


def test_reimporting_a_corrected_event_changes_it_in_place(document):
    import_bytes(_json(document), format="json")
    document["cases"][0]["events"][0]["summary"] = "Certiorari denied."
    document["cases"][0]["events"][0]["confidence"] = "confirmed"
    document["cases"][0]["events"][0]["note"] = "Order list of 21 January."
    result = import_bytes(_json(document), format="json")
    assert [(a.verb, a.what) for a in result.actions] == [("change", "event")]
    ruling = Event.objects.get(kind="ruling")
    assert (ruling.summary, ruling.confidence, ruling.note) == ("Certiorari denied.", "confirmed", "Order list of 21 January.")
    assert Event.objects.count() == 3


def test_reimporting_a_corrected_statement_changes_the_one_statement(document):
    import_bytes(_json(document), format="json")
    document["statements"][0].update(channel="", speaker_title="Official spokesperson")
    result = import_bytes(_json(document), format="json")
    assert result.ok and [(a.verb, a.what) for a in result.actions] == [("change", "event")]
    statement = Statement.objects.get()
    assert (statement.channel, statement.speaker_title) == ("", "Official spokesperson")


def test_a_person_already_recorded_under_a_variant_is_reused(document):
    rana = PersonFactory(name="Tahawwur H. Rana")
    PersonNameFactory(person=rana, name="Tahawwur Hussain Rana")
    import_bytes(_json(document), format="json")
    assert Person.objects.filter(name__icontains="Rana").count() == 1
    assert Case.objects.get().parties.filter(person=rana).exists()


def test_a_statement_already_recorded_is_put_on_another_case_not_copied(document):
    import_bytes(_json(document), format="json")
    second = copy.deepcopy(document["cases"][0]) | {"reference": "second-case", "initial_stage": "", "stage": ""}
    second["events"] = [second["events"][2]]
    result = import_bytes(_json(document | {"cases": [second]}), format="json")
    assert result.ok, result.problems
    assert Statement.objects.get().events.count() == 2


def test_a_preview_saves_nothing_but_says_what_would_be_created(document):
    result = import_bytes(_json(document), format="json", dry_run=True)
    assert result.ok and not result.applied
    assert result.counts()["create case"] == 1
    assert _counts() == (0, 0, 0, 0)


def test_one_bad_event_stops_the_whole_import(document):
    second = copy.deepcopy(document["cases"][0]) | {"reference": "second-case"}
    second["events"] = second["events"][:1] + [
        {"kind": "custody", "date": "2025-01-22", "summary": "Moved.", "custody_change": "teleported"}]
    document["cases"].append(second)
    result = import_bytes(_json(document), format="json")
    assert _problems(result) == [("cases[1].events[1]", "custody_change")]
    assert "teleported" in result.problems[0].problem
    assert _counts() == (0, 0, 0, 0)


def test_a_refusal_by_a_service_rolls_everything_back(document):
    document["cases"][0]["events"][0]["date"] = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
    result = import_bytes(_json(document), format="json")
    assert _problems(result) == [("cases[0].events[0]", "date")]
    assert "future" in result.problems[0].problem
    assert _counts() == (0, 0, 0, 0)


def _event(d, index=0):
    return d["cases"][0]["events"][index]


@pytest.mark.parametrize(
    "change, where, field, words",
    [
        # What the schema finds.
        (lambda d: d["cases"][0].update(initial_stage="limbo"), "cases[0]", "initial_stage", "Unknown value"),
        (lambda d: _event(d, 1).update(kind="rumour"), "cases[0].events[1]", "kind", "Unknown value"),
        (lambda d: _event(d).update(date="21/01/2025"), "cases[0].events[0]", "date", "is not a date"),
        (lambda d: d["cases"][0].update(title=""), "cases[0]", "title", "Required"),
        (lambda d: d["cases"][0].update(title="x" * 201), "cases[0]", "title", "at most 200"),
        (lambda d: d["statements"][0].update(quote=""), "statements[0]", "quote", "Required for a verbatim statement"),
        (lambda d: d["statements"][0].update(quote="", reported_speech=True), "statements[0]", "gist", "Required for reported speech"),
        (lambda d: d["cases"][0].update(reference="has spaces"), "cases[0]", "reference", "letters, digits"),
        (lambda d: _event(d).pop("authority"), "cases[0].events[0]", "authority", "Required"),
        (lambda d: _event(d).update(authority=None), "cases[0].events[0]", "authority", "Required"),
        (lambda d: _event(d).update(custody_change="arrested"), "cases[0].events[0]", "custody_change", "has no field"),
        (lambda d: _event(d).update(sumary="typo"), "cases[0].events[0]", "sumary", "has no field"),
        (lambda d: d["cases"][0].update(ofences="typo"), "cases[0]", "ofences", "Unknown field"),
        (lambda d: _event(d).update(date_approximate="maybe"), "cases[0].events[0]", "date_approximate", "true or false"),
        (lambda d: _event(d).update(confidence="likely"), "cases[0].events[0]", "confidence", "disputed"),
        (lambda d: _event(d).update(kind="executive_decision", judges=None) or _event(d).pop("judges"),
         "cases[0].events[0]", "decision", "extradition_ordered"),
        (lambda d: d["cases"][0].update(closed_on="2025-02-01"), "cases[0]", "outcome", "closed case needs its outcome"),
        (lambda d: d["cases"][0].update(opened_on="2025-02-30"), "cases[0]", "opened_on", "not a real date"),
        (lambda d: d["sources"][0].update(url="ftp://x"), "sources[0]", "url", "web address"),
        (lambda d: d.update(format="other-tool"), "file", "format", "not an extradition-tracker export"),
        # What the checks after the schema find.
        (lambda d: d["cases"][0].update(requesting_state="Atlantis"), "cases[0]", "requesting_state", "Unknown country"),
        (lambda d: _event(d).update(date="2025-01"), "cases[0].events[0]", "date", "was written as a month"),
        (lambda d: _event(d).update(date="2025-02-30"), "cases[0].events[0]", "date", "not a real date"),
        (lambda d: _event(d).update(sources=["nowhere"]), "cases[0].events[0]", "sources", "Unknown source"),
        (lambda d: _event(d, 2).update(statement="nowhere"), "cases[0].events[2]", "statement", "Unknown statement"),
        (lambda d: d["statements"][0].update(speaker="nobody"), "statements[0]", "speaker", "Unknown person"),
        (lambda d: d["cases"][0].update(related=[{"case": "elsewhere", "relation": "parallel"}]),
         "cases[0].related[0]", "case", "neither in this file nor recorded"),
        (lambda d: d["cases"][0].update(related=[{"case": "rana-us-india", "relation": "parallel"}]),
         "cases[0].related[0]", "case", "itself"),
        (lambda d: d["statements"].append(dict(d["statements"][0])), "statements[1]", "key", "used twice"),
        (lambda d: d["cases"][0].update(stage="closed"), "cases[0]", "stage", "stage changes lead to"),
    ],
)
def test_bad_entries_are_reported_by_row_and_field_and_nothing_is_saved(document, change, where, field, words):
    change(document)
    result = import_bytes(_json(document), format="json")
    assert _problems(result) == [(where, field)], result.problems
    assert words in result.problems[0].problem
    assert _counts() == (0, 0, 0, 0)


def test_a_reported_speech_statement_may_have_no_quote_and_no_channel(document):
    document["statements"][0].update(quote="", channel="", reported_speech=True, gist="India would seek his early extradition.")
    assert import_bytes(_json(document), format="json").ok
    statement = Statement.objects.get()
    assert (statement.reported_speech, statement.quote, statement.channel) == (True, "", "")


def test_a_reference_twice_in_one_file_is_refused(document):
    document["cases"].append(copy.deepcopy(document["cases"][0]))
    result = import_bytes(_json(document), format="json")
    assert ("cases[1]", "reference") in _problems(result)
    assert "appears twice" in result.problems[0].problem


def test_an_event_listed_twice_in_one_case_is_two_events_as_the_services_allow_and_a_reimport_adds_none(document):
    document["cases"][0]["events"].append(copy.deepcopy(document["cases"][0]["events"][0]))
    assert import_bytes(_json(document), format="json").ok
    assert Event.objects.count() == len(document["cases"][0]["events"])
    assert import_bytes(_json(document), format="json").ok
    assert Event.objects.count() == len(document["cases"][0]["events"])


def test_a_file_that_is_not_utf8_is_refused_clearly(db):
    result = import_bytes("case_reference,case_title\nx,Caf\xe9".encode("latin-1"), format="csv")
    assert "not UTF-8" in result.problems[0].problem


def test_a_50_megabyte_file_is_refused_before_it_is_read(db):
    result = import_bytes(b" " * (50 * 1024 * 1024), format="json")
    assert "50.0 MB" in result.problems[0].problem and "limit" in result.problems[0].problem


def test_invalid_json_and_unknown_schema_versions_are_refused(document):
    assert "not valid JSON" in import_bytes(b'{"cases": [', format="json").problems[0].problem
    document["schema_version"] = 99
    assert "version 99" in import_bytes(_json(document), format="json").problems[0].problem


def test_a_deleted_case_with_the_same_reference_is_reported(document):
    case = CaseFactory(reference="rana-us-india")
    services.case_delete(case=case, by=None)
    result = import_bytes(_json(document), format="json")
    assert _problems(result) == [("cases[0]", "reference")] and "deleted case" in result.problems[0].problem


def test_related_matters_are_linked_once_and_again_change_nothing(document):
    other = copy.deepcopy(document["cases"][0]) | {"reference": "rana-other", "events": [], "initial_stage": "", "stage": ""}
    other["related"] = [{"case": "rana-us-india", "relation": "parallel", "note": "Same conspiracy."}]
    document["cases"].insert(0, other)  # the related case comes later in the file
    assert import_bytes(_json(document), format="json").ok
    link = CaseRelation.objects.get()
    assert (link.case.reference, link.related_case.reference, link.note) == ("rana-other", "rana-us-india", "Same conspiracy.")
    assert import_bytes(_json(document), format="json").actions == []


def test_a_corrected_executive_decision_is_changed_in_place(db):
    from tests.test_exchange_exports import record_every_item

    record_every_item()
    document = export_document()
    decision = next(e for c in document["cases"] for e in c["events"] if e["kind"] == "executive_decision")
    decision["decision_detail"] = "assurances received"
    decision["official"] = None
    result = import_bytes(_json(document), format="json")
    assert [(a.verb, a.what) for a in result.actions] == [("change", "event")]
    event = Event.objects.get(kind="executive_decision")
    assert (event.decision_detail, event.official) == ("assurances received", None)


# The schema ------------------------------------------------------------------------------------


def test_the_committed_schema_file_is_the_one_built_from_the_models():
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_json(), "run `python manage.py write_schema`"


def test_the_schema_is_a_valid_draft_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(schema())


def test_the_schema_lists_the_models_choices():
    events = schema()["$defs"]["event"]["allOf"]
    decisions = {branch["if"]["properties"]["kind"]["const"]: branch["then"]["properties"].get("decision", {}).get("enum")
                 for branch in events}
    assert decisions["ruling"] == RulingDecision.values
    assert decisions["executive_decision"] == ExecutiveDecision.values
    assert schema()["$defs"]["authority"]["properties"]["kind"]["enum"] == Authority.Kind.values


def test_write_schema_check_fails_when_the_file_is_out_of_date(tmp_path, monkeypatch):
    from exchange.management.commands import write_schema

    stale = tmp_path / "tracker-v2.schema.json"
    stale.write_text("{}\n", encoding="utf-8")
    monkeypatch.setattr(write_schema, "SCHEMA_FILE", stale)
    with pytest.raises(CommandError, match="out of date"):
        call_command("write_schema", "--check", stdout=io.StringIO())
    call_command("write_schema", stdout=io.StringIO())
    assert stale.read_text(encoding="utf-8") == schema_json()


# Version 1 -------------------------------------------------------------------------------------


def test_a_version_1_export_imports_with_its_vocabulary_carried_over(db):
    result = import_bytes((DATA / "export-v1.json").read_bytes(), format="json")
    assert result.ok, result.problems
    modi = Case.objects.get(reference="nirav-modi-uk-india")
    events = {(e.kind, e.decision) for e in modi.events.all()}
    assert {("executive_decision", "extradition_ordered"), ("executive_decision", "extradition_refused"),
            ("ruling", "remitted"), ("ruling", "bail_refused"), ("ruling", "certified")} <= events
    assert Authority.objects.get(name="Home Secretary").kind == Authority.Kind.EXECUTIVE
    assert Authority.objects.get(name="European Court of Human Rights").kind == Authority.Kind.INTERNATIONAL
    assert [e.category for e in modi.events.filter(kind="status").timeline_order(newest_first=False)] == [
        "other", "case_closure", "case_closure"]
    assert (modi.stage, modi.is_open) == ("committed", True)


def test_a_version_1_statement_on_two_cases_becomes_one_statement(db):
    assert import_bytes((DATA / "export-v1.json").read_bytes(), format="json").ok
    shared = Statement.objects.get(quote="We are pursuing every fugitive economic offender.")
    assert sorted(shared.events.values_list("case__reference", flat=True)) == ["nirav-modi-uk-india", "rana-us-india"]
    assert Statement.objects.count() == 2


def test_a_version_1_export_reimported_changes_nothing(db):
    data = (DATA / "export-v1.json").read_bytes()
    assert import_bytes(data, format="json").ok
    assert import_bytes(data, format="json").actions == []


def test_a_version_1_csv_export_imports_the_same_record_as_its_json(db):
    result = import_bytes((DATA / "export-v1.csv").read_bytes(), format="csv")
    assert result.ok, result.problems
    assert Event.objects.filter(kind="executive_decision").count() == 2
    assert Statement.objects.count() == 2
    assert Authority.objects.get(name="Home Secretary").kind == Authority.Kind.EXECUTIVE
    # The JSON of the same export then finds everything already there (it adds only what CSV cannot carry).
    again = import_bytes((DATA / "export-v1.json").read_bytes(), format="json")
    assert {a.what for a in again.actions} <= {"person"}, again.actions


def test_upgrading_version_1_moves_the_ministers_name_into_the_note():
    document = {
        "schema_version": 1,
        "forums": [{"key": "home", "name": "Home Secretary", "country": "GB", "level": "executive"}],
        "cases": [{"events": [{"kind": "ruling", "forum": "home", "decision": "order_made", "judges": "Priti Patel",
                               "summary": "Ordered."}]}],
    }
    upgraded = document_upgrade_v1(document)
    (event,) = upgraded["cases"][0]["events"]
    assert (event["kind"], event["decision"], event["authority"], event["note"]) == (
        "executive_decision", "extradition_ordered", "home", "Decided by: Priti Patel.")
    assert "judges" not in event and upgraded["authorities"][0]["kind"] == "executive"


def test_problems_in_a_version_1_file_name_its_own_paths(db):
    document = json.loads((DATA / "export-v1.json").read_bytes())
    document["forums"][0]["name"] = ""
    document["cases"][1]["events"][0]["statement"]["body"] = ""
    result = import_document(document)
    assert set(_problems(result)) == {("forums[0]", "name"), ("cases[1].events[0].statement", "body")}


# CSV -------------------------------------------------------------------------------------------


def test_a_csv_laid_out_like_the_export_imports_and_reimports_without_duplicates(document):
    text = export_csv(document)
    assert import_bytes(text.encode("utf-8-sig"), format="csv").ok
    before = _counts()
    assert import_bytes(text.encode(), format="csv").actions == []
    assert _counts() == before
    assert Event.objects.get(kind="statement").statement.speaker.name == "Randhir Jaiswal"


def test_csv_problems_name_the_spreadsheet_row_and_column(document):
    lines = export_csv(document).splitlines()
    lines[2] = lines[2].replace(",2025-01-21,day,", ",21 Jan 2025,day,", 1)
    result = import_bytes("\n".join(lines).encode(), format="csv")
    assert _problems(result) == [("row 3", "event_date")]


def test_csv_schema_problems_name_the_row_and_column_too(document):
    lines = export_csv(document).splitlines()
    lines[1] = lines[1].replace(",cert_denied,", ",declined,", 1).replace(",Federal,", ",", 1)
    result = import_bytes("\n".join(lines).encode(), format="csv")
    assert _problems(result) == [("row 2", "decision")] and "Unknown value “declined”" in result.problems[0].problem


def test_csv_cells_may_hold_labels_instead_of_values(document):
    lines = export_csv(document).splitlines()
    lines[1] = lines[1].replace(",ruling,", ",Court ruling,", 1).replace(",cert_denied,", ",Declined to hear (certiorari denied),", 1)
    assert import_bytes("\n".join(lines).encode(), format="csv").ok
    assert Event.objects.get(kind="ruling").decision == "cert_denied"


def test_csv_rows_of_one_case_must_agree_on_the_case_columns(document):
    lines = export_csv(document).splitlines()
    lines[3] = lines[3].replace("Tahawwur Rana (US → India)", "Rana", 1)
    result = import_bytes("\n".join(lines).encode(), format="csv")
    assert _problems(result) == [("row 4", "case_title")]
    assert "Differs from row 2" in result.problems[0].problem


def test_a_csv_with_missing_columns_is_refused(db):
    result = import_bytes(b"reference,title\nx,y\n", format="csv")
    assert _problems(result) == [("row 1", "case_reference, case_title, requesting_state, requested_state, offences")]


# Commands --------------------------------------------------------------------------------------


def test_import_command_imports_a_file_and_reports_what_it_did(document, tmp_path):
    path = tmp_path / "cases.json"
    path.write_text(export_json(document), encoding="utf-8")
    out = io.StringIO()
    call_command("import_cases", str(path), stdout=out, stderr=io.StringIO())
    assert "1 × create case" in out.getvalue()
    assert Case.objects.filter(reference="rana-us-india").exists()


def test_import_command_prints_the_report_and_fails_on_a_bad_file(document, tmp_path):
    document["cases"][0]["requested_state"] = "ZZ"
    path = tmp_path / "cases.json"
    path.write_text(export_json(document), encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_cases", str(path), stdout=io.StringIO(), stderr=err)
    assert "cases[0]\trequested_state\tUnknown country" in err.getvalue()
    assert not Case.objects.exists()


@pytest.mark.parametrize("version", [1, 2])
@pytest.mark.parametrize(
    "text",
    [
        '{"schema_version": V, "cases": [5]}',
        '{"schema_version": V, "cases": [{"parties": 5, "events": "x"}]}',
        '{"schema_version": V, "cases": [{"events": [{"kind": "ruling", "authority": {"a": 1}, "sources": [{"b": 2}]}]}]}',
        '{"schema_version": V, "cases": [{"treaty": ["x"], "parties": [{"person": [1], "role": 3}]}]}',
        '{"schema_version": V, "people": [{"key": 1, "name": 2, "variants": 3}], "cases": [{"_where": [1], "_columns": 5}]}',
        '{"schema_version": V, "cases": [{"events": [{"kind": "statement", "date": 2025, "statement": "said"}]}]}',
        '{"schema_version": V, "forums": 7, "statements": {"x": 1}, "cases": [{"events": [{"forum": [], "statement": {"quote": []}}]}]}',
        '{"schema_version": V, "cases": []}',
        '{"schema_version": V}',
    ],
)
def test_hostile_json_is_refused_with_problems_never_an_exception(db, text, version):
    result = import_bytes(text.replace("V", str(version)).encode(), format="json")
    assert result.problems and not result.applied
    assert not Case.objects.exists()


@pytest.mark.parametrize("text", ["[" * 100000, '"just a string"', "[]", "null"])
def test_json_that_is_not_an_object_is_refused(db, text):
    result = import_bytes(text.encode(), format="json")
    assert result.problems and not result.applied


def test_csv_cells_that_spreadsheets_would_run_as_formulas_are_protected_and_restored(case):
    services.event_record(case=case, kind="status", occurred_on=datetime.date(2024, 1, 1),
                          summary='=HYPERLINK("http://evil.example","x")', by=None)
    text = export_csv(export_document())
    assert ',"\'=HYPERLINK(' in text
    Event.objects.all().delete()
    assert import_bytes(text.encode(), format="csv").ok
    assert Event.objects.get().summary == '=HYPERLINK("http://evil.example","x")'


def test_progress_is_reported_event_by_event(document):
    seen = []
    import_bytes(_json(document), format="json", progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 3), (2, 3), (3, 3)]


def _flush_and_reimport(document: dict) -> dict:
    """Import a document into an empty database and export it again."""
    from django.contrib.auth import get_user_model

    Event.all_objects.all().delete()
    Case.all_objects.all().delete()
    Statement.objects.all().delete()
    result = import_bytes(_json(document), format="json")
    assert result.ok, [p.problem for p in result.problems]
    assert get_user_model()  # the import needs no user
    return export_document(everything=True)


def test_stage_changes_back_and_forth_on_one_day_export_and_import_again_identically(db):
    case = CaseFactory(stage="hearing")
    day = datetime.date(2025, 3, 3)
    for stage in ("surrender_pending", "hearing", "surrender_pending", "hearing"):
        services.case_change_stage(case=case, to_stage=stage, reason=f"to {stage}", occurred_on=day, by=None)
    first = export_document(everything=True)
    assert len(first["cases"][0]["events"]) == 4
    second = _flush_and_reimport(first)
    assert _without_times(second) == _without_times(first)
    # Importing the same file again finds every event: nothing new is written.
    again = import_bytes(_json(first), format="json")
    assert again.ok and Event.objects.count() == 4


def test_two_identical_rulings_on_one_day_are_two_events_on_the_way_back(db):
    case = CaseFactory()
    court = services.authority_get_or_create(name="High Court", country="GB", kind=Authority.Kind.COURT)
    for _ in range(2):
        services.event_record(case=case, kind="ruling", authority=court, decision="stay_granted", summary="Stay.",
                              occurred_on=datetime.date(2025, 3, 3), by=None)
    first = export_document(everything=True)
    assert _without_times(_flush_and_reimport(first)) == _without_times(first)


def _without_times(document: dict) -> dict:
    """The document without the moments of export and recording, which a re-import cannot keep."""
    document = copy.deepcopy(document)
    for key in ("exported_at", "generated_at"):
        document.pop(key, None)
    return json.loads(json.dumps(document, default=str))
