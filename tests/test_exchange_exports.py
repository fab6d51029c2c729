import csv
import datetime
import io
import json
import random

import pytest
from django.core.management import call_command

from alerts.models import Alert, Follow
from cases import services
from cases.models import Case, CaseParty, Event, Authority, Person, PersonName, Source, Stage, Statement, Treaty
from exchange.exports import CSV_COLUMNS, SCHEMA_VERSION, export_csv, export_document, export_json
from exchange.imports import import_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(tmp_path, settings):
    settings.VAR_DIR = tmp_path
    call_command("load_demo", stdout=io.StringIO())
    return Case.objects.get(reference="rana-us-india")


def empty_database():
    """Remove every case record, as if the import ran on a new installation."""
    Alert.objects.all().delete()
    Follow.objects.all().delete()
    Case.all_objects.update(last_event=None)
    Event.all_objects.all().delete()
    CaseParty.objects.all().delete()
    Case.all_objects.all().delete()
    Statement.objects.all().delete()
    Source.objects.all().delete()
    Authority.objects.all().delete()
    PersonName.objects.all().delete()
    Person.objects.all().delete()
    Treaty.objects.all().delete()


def generated_cases(*, count: int, seed: int = 7) -> None:
    """Cases with every kind of event, partial and approximate dates, shared sources, closed cases."""
    rng = random.Random(seed)
    treaty = Treaty.objects.create(name="India–UK Extradition Treaty (1992)", countries=["IN", "GB"])
    court = services.authority_get_or_create(name="Westminster Magistrates' Court", country="GB", level=Authority.Level.FIRST_INSTANCE)
    high = services.authority_get_or_create(name="High Court of England and Wales", country="GB", level=Authority.Level.APPEAL)
    spokesperson = services.person_create(name="Asha Rao", variants=[("A. Rao", "alias")], nationality=["IN"])
    shared = services.source_get_or_create(url="https://news.example.org/briefing", title="Weekly briefing",
                                           publisher="Example News", published_on=datetime.date(2024, 6, 7))
    for n in range(count):
        person = services.person_create(name=f"Person {n:03d}", variants=[(f"P. {n:03d}", "transliteration")])
        case = services.case_create(
            title=f"Person {n:03d} (UK → India)", reference=f"gen-{n:03d}", requesting_state="IN", requested_state="GB",
            offences="Fraud and money laundering.", treaty=treaty if n % 2 else None, stage=Stage.ARREST,
            opened_on=datetime.date(2020, 1, 1) + datetime.timedelta(days=n), summary=f"Generated case {n}.",
        )
        services.case_add_party(case=case, person=person, role=CaseParty.Role.PERSON_SOUGHT, note="sought")
        services.case_add_party(case=case, person=spokesperson, role=CaseParty.Role.OFFICIAL)
        own = services.source_get_or_create(title=f"Report {n}", publisher="Wire", published_on=datetime.date(2024, 1, 2))
        day = datetime.date(2021, 1, 1) + datetime.timedelta(days=rng.randint(0, 300))
        services.event_record(case=case, kind=Event.Kind.CUSTODY, custody_change="arrested", occurred_on=day,
                              summary="Arrested on an extradition warrant.", sources=[own], by=None)
        services.event_record(case=case, kind=Event.Kind.HEARING, authority=court, hearing_status="held",
                              occurred_on=datetime.date(2022, 3, 1), date_precision="month", summary="Hearing held.", by=None)
        services.case_change_stage(case=case, to_stage=Stage.HEARING, reason="Hearing began.",
                                   occurred_on=datetime.date(2022, 3, 1), date_precision="month", by=None)
        services.event_record(case=case, kind=Event.Kind.RULING, authority=court, decision="certified",
                              occurred_on=datetime.date(2022, 6, 10), summary="Sent to the Home Secretary.",
                              judges="District Judge A", confidence="confirmed", sources=[own, shared], by=None)
        services.event_record(case=case, kind=Event.Kind.FILING, authority=high, filing_type="appeal", filed_by="The defence",
                              occurred_on=datetime.date(2022, 1, 1), date_precision="year", date_approximate=True,
                              summary="Appeal lodged.", by=None)
        services.statement_record(cases=[case], government="IN", body="Ministry of External Affairs", speaker=spokesperson,
                                  speaker_title="Spokesperson", channel="briefing", quote=f"We are pursuing case {n}.",
                                  occurred_on=datetime.date(2024, 6, 7), reported_on=datetime.date(2024, 6, 8),
                                  summary="India said it is pursuing the request.", sources=[shared])
        if n % 3 == 0:
            services.case_close(case=case, outcome="extradited", closed_on=datetime.date(2024, 9, 1), note="Flown to Mumbai.", by=None)
        else:
            services.event_record(case=case, kind=Event.Kind.STATUS, occurred_on=datetime.date(2024, 7, 1),
                                  summary=f"Awaiting the appeal ({rng.random():.3f}).", by=None)


def test_the_document_names_its_schema_and_version(demo):
    document = export_document()
    assert document["format"] == "extradition-tracker"
    assert document["schema_version"] == SCHEMA_VERSION == 1


def test_the_demo_case_is_exported_with_people_courts_events_and_sources(demo):
    document = export_document()
    case = document["cases"][0]
    assert case["reference"] == "rana-us-india"
    assert (case["initial_stage"], case["stage"]) == ("appeal", "surrender_pending")
    assert {p["name"] for p in document["people"]} == {"Tahawwur Rana", "David Headley", "Randhir Jaiswal"}
    rana = next(p for p in document["people"] if p["name"] == "Tahawwur Rana")
    assert rana["variants"] == [{"name": "Tahawwur Hussain Rana", "kind": "full"}]
    ruling, move, statement = case["events"]
    assert (ruling["kind"], ruling["date"], ruling["decision"]) == ("ruling", "2025-01-21", "cert_denied")
    assert document["authorities"][0]["name"] == "Supreme Court of the United States" and ruling["authority"] == document["authorities"][0]["key"]
    assert (move["from_stage"], move["to_stage"]) == ("appeal", "surrender_pending")
    assert statement["statement"]["speaker"] == "randhir-jaiswal"
    assert statement["sources"] == ["source-1"] and document["sources"][0]["published_on"] == "2025-01-31"


def test_a_partial_date_is_written_at_its_precision(case):
    services.event_record(case=case, kind="status", occurred_on=datetime.date(2018, 1, 1), date_precision="year",
                          date_approximate=True, summary="Fled.", by=None)
    event = export_document()["cases"][0]["events"][0]
    assert (event["date"], event["date_precision"], event["date_approximate"]) == ("2018", "year", True)


def test_exporting_twice_gives_the_same_bytes(demo):
    assert export_json(export_document()) == export_json(export_document())


def test_a_filtered_export_holds_only_those_cases_and_what_they_mention(demo, case):
    document = export_document(cases=Case.objects.filter(reference=case.reference))
    assert [c["reference"] for c in document["cases"]] == [case.reference]
    assert document["people"] == [] and document["sources"] == []


def test_round_trip_of_the_demo_data_gives_the_same_document(demo):
    before = export_json(export_document(everything=True))
    empty_database()
    result = import_bytes(before.encode(), format="json")
    assert result.ok, result.problems
    assert export_json(export_document(everything=True)) == before


def test_round_trip_of_generated_data_gives_the_same_document(db):
    generated_cases(count=6)
    before = export_json(export_document(everything=True))
    assert len(json.loads(before)["cases"]) == 6
    empty_database()
    result = import_bytes(before.encode(), format="json")
    assert result.ok, result.problems
    assert export_json(export_document(everything=True)) == before
    assert Case.objects.filter(outcome="extradited").count() == 2


def test_csv_has_one_row_per_event_with_the_case_columns_repeated(demo):
    rows = list(csv.DictReader(io.StringIO(export_csv(export_document()))))
    assert list(rows[0]) == CSV_COLUMNS
    assert [row["event_kind"] for row in rows] == ["ruling", "stage_change", "statement"]
    assert {row["case_reference"] for row in rows} == {"rana-us-india"}
    assert rows[2]["speaker"] == "Randhir Jaiswal" and rows[2]["quote"].startswith("The US Supreme Court")
    assert "Tahawwur Rana [person_sought]" in rows[0]["people"]


def test_a_case_without_events_still_gets_a_csv_row(case):
    rows = list(csv.DictReader(io.StringIO(export_csv(export_document()))))
    assert len(rows) == 1 and rows[0]["case_reference"] == case.reference and rows[0]["event_kind"] == ""


def test_csv_round_trip_of_generated_data_gives_the_same_file(db):
    generated_cases(count=3)
    before = export_csv(export_document())
    empty_database()
    result = import_bytes(before.encode(), format="csv")
    assert result.ok, result.problems
    assert export_csv(export_document()) == before


def test_export_command_writes_json_or_csv_for_the_chosen_cases(demo, case, tmp_path):
    out = io.StringIO()
    call_command("export_cases", "rana-us-india", stdout=out)
    assert [c["reference"] for c in json.loads(out.getvalue())["cases"]] == ["rana-us-india"]
    target = tmp_path / "list.csv"
    call_command("export_cases", "--format", "csv", "--filter", "stage=surrender_pending", "-o", str(target), stderr=io.StringIO())
    assert {row["case_reference"] for row in csv.DictReader(target.open(encoding="utf-8"))} == {"rana-us-india"}
