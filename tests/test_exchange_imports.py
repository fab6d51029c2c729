import copy
import datetime
import io
import json

import pytest
from django.core.management import CommandError, call_command

from cases import services
from cases.models import Case, Event, Person, Source
from exchange.exports import export_csv, export_document, export_json
from exchange.imports import import_bytes, import_document
from tests.factories import CaseFactory, PersonFactory, PersonNameFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def document(tmp_path, settings):
    """The demo case as an export document, with the database then emptied."""
    from tests.test_exchange_exports import empty_database

    settings.VAR_DIR = tmp_path
    call_command("load_demo", stdout=io.StringIO())
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
    result = import_bytes(_json(document), format="json")
    assert [(a.verb, a.what) for a in result.actions] == [("change", "event")]
    ruling = Event.objects.get(kind="ruling")
    assert (ruling.summary, ruling.confidence) == ("Certiorari denied.", "confirmed")
    assert Event.objects.count() == 3


def test_a_person_already_recorded_under_a_variant_is_reused(document):
    rana = PersonFactory(name="Tahawwur H. Rana")
    PersonNameFactory(person=rana, name="Tahawwur Hussain Rana")
    import_bytes(_json(document), format="json")
    assert Person.objects.filter(name__icontains="Rana").count() == 1
    assert Case.objects.get().parties.filter(person=rana).exists()


def test_a_preview_saves_nothing_but_says_what_would_be_created(document):
    result = import_bytes(_json(document), format="json", dry_run=True)
    assert result.ok and not result.applied
    assert result.counts()["create case"] == 1
    assert _counts() == (0, 0, 0, 0)


def test_one_bad_event_stops_the_whole_import(document):
    second = copy.deepcopy(document["cases"][0]) | {"reference": "second-case"}
    second["events"] = second["events"][:1] + [dict(second["events"][0], kind="custody", custody_change="teleported")]
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


@pytest.mark.parametrize(
    "change, where, field, words",
    [
        (lambda d: d["cases"][0].update(requesting_state="Atlantis"), "cases[0]", "requesting_state", "Unknown country"),
        (lambda d: d["cases"][0].update(initial_stage="limbo"), "cases[0]", "initial_stage", "Unknown value"),
        (lambda d: d["cases"][0]["events"][1].update(kind="rumour"), "cases[0].events[1]", "kind", "Unknown value"),
        (lambda d: d["cases"][0]["events"][0].update(date="21/01/2025"), "cases[0].events[0]", "date", "Enter the date"),
        (lambda d: d["cases"][0]["events"][0].update(date="2025-01"), "cases[0].events[0]", "date", "was written as a month"),
        (lambda d: d["cases"][0]["events"][0].update(date="2025-02-30"), "cases[0].events[0]", "date", "not a real date"),
        (lambda d: d["cases"][0].update(title=""), "cases[0]", "title", "Required"),
        (lambda d: d["cases"][0]["events"][2]["statement"].update(quote=""), "cases[0].events[2]", "quote", "Required"),
        (lambda d: d["cases"][0].update(reference="has spaces"), "cases[0]", "reference", "letters, digits"),
        (lambda d: d["cases"][0]["events"][0].update(sources=["nowhere"]), "cases[0].events[0]", "sources", "Unknown source"),
        (lambda d: d["cases"][0].update(stage="closed"), "cases[0]", "stage", "stage changes lead to"),
    ],
)
def test_bad_entries_are_reported_by_row_and_field_and_nothing_is_saved(document, change, where, field, words):
    change(document)
    result = import_bytes(_json(document), format="json")
    assert _problems(result) == [(where, field)], result.problems
    assert words in result.problems[0].problem
    assert _counts() == (0, 0, 0, 0)


def test_a_reference_twice_in_one_file_is_refused(document):
    document["cases"].append(copy.deepcopy(document["cases"][0]))
    result = import_bytes(_json(document), format="json")
    assert ("cases[1]", "reference") in _problems(result)
    assert "appears twice" in result.problems[0].problem


def test_the_same_event_twice_in_one_case_is_refused(document):
    document["cases"][0]["events"].append(copy.deepcopy(document["cases"][0]["events"][0]))
    result = import_bytes(_json(document), format="json")
    assert _problems(result) == [("cases[0].events[3]", "kind")]


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


@pytest.mark.parametrize(
    "text",
    [
        '{"schema_version": 1, "cases": [5]}',
        '{"schema_version": 1, "cases": [{"parties": 5, "events": "x"}]}',
        '{"schema_version": 1, "cases": [{"events": [{"kind": "ruling", "authority": {"a": 1}, "sources": [{"b": 2}]}]}]}',
        '{"schema_version": 1, "cases": [{"treaty": ["x"], "parties": [{"person": [1], "role": 3}]}]}',
        '{"schema_version": 1, "people": [{"key": 1, "name": 2, "variants": 3}], "cases": [{"_where": [1], "_columns": 5}]}',
        '{"schema_version": 1, "cases": [{"events": [{"kind": "statement", "date": 2025, "statement": "said"}]}]}',
        '{"schema_version": 1, "cases": []}',
        "[" * 100000,
        '"just a string"',
    ],
)
def test_hostile_json_is_refused_with_problems_never_an_exception(db, text):
    result = import_bytes(text.encode(), format="json")
    assert result.problems and not result.applied
    assert not Case.objects.exists()


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
