import csv
import datetime
import io
from pathlib import Path
import json
import random

import pytest
from django.core.management import call_command

from alerts.models import Alert, Follow
from cases import services
from cases.models import (
    Authority,
    Case,
    CaseParty,
    CaseRelation,
    Event,
    Person,
    PersonName,
    Source,
    Stage,
    Statement,
    StatusCategory,
    Treaty,
)
from exchange.exports import CSV_COLUMNS, export_csv, export_document, export_json
from exchange.imports import document_validate, import_bytes
from exchange.schema import SCHEMA_VERSION

pytestmark = pytest.mark.django_db

FIRST_DEMO = Path(__file__).resolve().parent / "data" / "rana-2025-01-31-v2.json"

D = datetime.date


@pytest.fixture
def demo(tmp_path, settings):
    """The first demo (the Rana case of 31 Jan 2025, three events), whose facts these tests check."""
    settings.VAR_DIR = tmp_path
    call_command("load_demo", "--file", str(FIRST_DEMO), stdout=io.StringIO())
    return Case.objects.get(reference="rana-us-india")


@pytest.fixture
def current_demo(tmp_path, settings):
    settings.VAR_DIR = tmp_path
    call_command("load_demo", stdout=io.StringIO())


def empty_database():
    """Remove every case record, as if the import ran on a new installation."""
    Alert.objects.all().delete()
    Follow.objects.all().delete()
    Case.all_objects.update(last_event=None)
    Event.all_objects.all().delete()
    CaseParty.objects.all().delete()
    CaseRelation.objects.all().delete()
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
    home = services.authority_get_or_create(name="Home Office", country="GB", kind=Authority.Kind.EXECUTIVE)
    spokesperson = services.person_create(name="Asha Rao", variants=[("A. Rao", "alias")], nationality=["IN"])
    shared = services.source_get_or_create(url="https://news.example.org/briefing", title="Weekly briefing",
                                           publisher="Example News", published_on=D(2024, 6, 7))
    for n in range(count):
        person = services.person_create(name=f"Person {n:03d}", variants=[(f"P. {n:03d}", "transliteration")])
        case = services.case_create(
            title=f"Person {n:03d} (UK → India)", reference=f"gen-{n:03d}", requesting_state="IN", requested_state="GB",
            offences="Fraud and money laundering.", treaty=treaty if n % 2 else None, stage=Stage.ARREST,
            opened_on=D(2020, 1, 1) + datetime.timedelta(days=n), summary=f"Generated case {n}.",
            legal_basis="" if n % 2 else "Extradition Act 2003, Part 2",
        )
        services.case_add_party(case=case, person=person, role=CaseParty.Role.PERSON_SOUGHT, note="sought")
        services.case_add_party(case=case, person=spokesperson, role=CaseParty.Role.OFFICIAL)
        own = services.source_get_or_create(title=f"Report {n}", publisher="Wire", published_on=D(2024, 1, 2))
        day = D(2021, 1, 1) + datetime.timedelta(days=rng.randint(0, 300))
        services.event_record(case=case, kind=Event.Kind.CUSTODY, custody_change="arrested", occurred_on=day,
                              summary="Arrested on an extradition warrant.", sources=[own], by=None)
        services.event_record(case=case, kind=Event.Kind.HEARING, authority=court, hearing_status="held",
                              occurred_on=D(2022, 3, 1), date_precision="month", summary="Hearing held.", by=None)
        services.case_change_stage(case=case, to_stage=Stage.HEARING, reason="Hearing began.",
                                   occurred_on=D(2022, 3, 1), date_precision="month", by=None)
        services.event_record(case=case, kind=Event.Kind.RULING, authority=court, decision="certified",
                              occurred_on=D(2022, 6, 10), summary="Sent to the Home Secretary.",
                              judges="District Judge A", confidence="confirmed", sources=[own, shared], by=None)
        services.event_record(case=case, kind=Event.Kind.EXECUTIVE_DECISION, authority=home, decision="extradition_ordered",
                              occurred_on=D(2022, 8, 1), date_precision="month", summary="Extradition ordered.",
                              note=f"Month from a later report ({n}).", by=None)
        services.event_record(case=case, kind=Event.Kind.FILING, authority=high, filing_type="appeal", filed_by="The defence",
                              occurred_on=D(2022, 1, 1), date_precision="year", date_approximate=True,
                              summary="Appeal lodged.", by=None)
        services.statement_record(cases=[case], government="IN", body="Ministry of External Affairs", speaker=spokesperson,
                                  speaker_title="Spokesperson", channel="briefing", quote=f"We are pursuing case {n}.",
                                  occurred_on=D(2024, 6, 7), reported_on=D(2024, 6, 8),
                                  summary="India said it is pursuing the request.", sources=[shared])
        if n % 3 == 0:
            services.case_close(case=case, outcome="extradited", closed_on=D(2024, 9, 1), note="Flown to Mumbai.",
                                after_surrender="pending", by=None)
        else:
            services.event_record(case=case, kind=Event.Kind.STATUS, occurred_on=D(2024, 7, 1),
                                  summary=f"Awaiting the appeal ({rng.random():.3f}).", by=None)


LONG_TREATY = (
    "Treaty between the Kingdom of Belgium and the Republic of India on Extradition, signed at Brussels, "
    "together with the Protocol amending it and the Exchange of Letters concerning its application to "
    "offences of a fiscal character and to requests for provisional arrest pending a formal request (as amended)"
)


def record_every_item() -> None:
    """Two matters that use every item of the issue's list (1–12), written through the services."""
    choksi = services.person_create(name="Mehul Choksi", variants=[("Mehul Chinubhai Choksi", "full")], nationality=["IN"])
    minister = services.person_create(name="Steadroy Benjamin", description="Attorney General of Antigua and Barbuda.")
    victim = services.person_create(name="Punjab National Bank")
    counsel = services.person_create(name="Vijay Aggarwal")
    treaty = services.treaty_create(name=LONG_TREATY, countries=["BE", "IN"], signed_on=D(1901, 10, 29),
                                    in_force_on=D(1902, 1, 1), url="https://treaties.example.org/be-in")
    antigua = services.case_create(
        title="Mehul Choksi (Antigua → India)", reference="choksi-ag-in", requesting_state="IN", requested_state="AG",
        offences="Fraud on Punjab National Bank.", stage=Stage.REQUEST_MADE, opened_on=D(2016, 1, 10),
        legal_basis="Extradition Act 1993 (Antigua and Barbuda), read with the London Scheme for extradition within the Commonwealth.",
    )
    belgium = services.case_create(
        title="Mehul Choksi (Belgium → India)", reference="choksi-be-in", requesting_state="IN", requested_state="BE",
        offences="Fraud on Punjab National Bank.", treaty=treaty, stage=Stage.ARREST, opened_on=D(2025, 4, 1),
    )
    for case in (antigua, belgium):
        services.case_add_party(case=case, person=choksi, role=CaseParty.Role.PERSON_SOUGHT)
        services.case_add_party(case=case, person=victim, role=CaseParty.Role.VICTIM, note="The defrauded bank.")
        services.case_add_party(case=case, person=counsel, role=CaseParty.Role.COUNSEL, note="Defence counsel.")
    services.case_relate(case=belgium, related_case=antigua, relation="same_person", note="India's earlier request.", by=None)

    court = services.authority_get_or_create(name="Special PMLA Court, Mumbai", country="IN", level=Authority.Level.REQUESTING_STATE)
    high_court = services.authority_get_or_create(name="High Court of Antigua and Barbuda", country="AG", level=Authority.Level.FIRST_INSTANCE)
    ministry = services.authority_get_or_create(name="Office of the Attorney General", country="AG", kind=Authority.Kind.EXECUTIVE)
    police = services.authority_get_or_create(name="Royal Police Force of Antigua and Barbuda", country="AG", kind=Authority.Kind.POLICE)
    cbi = services.authority_get_or_create(name="Central Bureau of Investigation", country="IN", kind=Authority.Kind.PROSECUTOR)
    interpol = services.authority_get_or_create(name="Commission for the Control of Interpol's Files", country="",
                                                kind=Authority.Kind.INTERNATIONAL)
    report = services.source_get_or_create(url="https://news.example.org/choksi", title="Choksi timeline", publisher="Example News",
                                           published_on=D(2025, 4, 14))

    def status(case, day, category, summary, **fields):
        services.event_record(case=case, kind=Event.Kind.STATUS, category=category, occurred_on=day, summary=summary, by=None, **fields)

    # The Antigua matter, oldest first.
    status(antigua, D(2016, 1, 1), StatusCategory.INVESTIGATION, "CBI inquiry into letters of undertaking.", date_precision="year",
           authority=cbi)
    services.case_change_stage(case=antigua, to_stage=Stage.ARREST, reason="Provisional arrest sought.", occurred_on=D(2016, 2, 1), by=None)
    services.case_change_stage(case=antigua, to_stage=Stage.HEARING, reason="Extradition hearing began.",
                               occurred_on=D(2016, 1, 1), date_precision="year", note="Only the year is known.", by=None)
    status(antigua, D(2017, 1, 1), StatusCategory.CITIZENSHIP, "Acquired Antiguan citizenship.", date_precision="year",
           confidence="disputed", note="Sources conflict: Feb vs Aug 2017.")
    status(antigua, D(2018, 1, 4), StatusCategory.FLIGHT, "Left India.", confidence="corroborated")
    services.event_record(case=antigua, kind=Event.Kind.FILING, authority=cbi, filing_type="charge_sheet", filed_by="CBI",
                          occurred_on=D(2018, 5, 14), summary="Charge sheet filed.", by=None)
    services.event_record(case=antigua, kind=Event.Kind.RULING, authority=court, decision="warrant_issued",
                          decision_detail="non-bailable", docket_number="PMLA 1/2018", judges="Special Judge M. S. Azmi",
                          document_url="https://courts.example.org/order.pdf", occurred_on=D(2018, 6, 1), summary="Warrant issued.",
                          confidence="confirmed", sources=[report], by=None)
    status(antigua, D(2018, 12, 1), StatusCategory.INTERPOL_NOTICE, "Red Notice issued.", date_precision="month", authority=interpol)
    services.event_record(case=antigua, kind=Event.Kind.HEARING, authority=high_court, hearing_status="first_appearance",
                          occurred_on=D(2019, 3, 20), summary="First appearance.", by=None)
    services.event_record(case=antigua, kind=Event.Kind.EXECUTIVE_DECISION, authority=ministry, official=minister,
                          decision="extradition_ordered", decision_detail="subject to assurances", docket_number="AG/2019/4",
                          occurred_on=D(2019, 6, 1), summary="Surrender ordered.", by=None)
    status(antigua, D(2021, 5, 23), StatusCategory.ASYLUM, "Claimed asylum.", confidence="unconfirmed")
    services.event_record(case=antigua, kind=Event.Kind.HEARING, authority=high_court, hearing_status="reserved",
                          occurred_on=D(2021, 6, 1), date_precision="month", summary="Judgment reserved.", docket_number="ANUHCV 2021/1",
                          judges="Justice A", by=None)
    status(antigua, D(2022, 11, 1), StatusCategory.HEALTH, "Treated in hospital.", date_precision="month")
    services.event_record(case=antigua, kind=Event.Kind.CUSTODY, custody_change="surrendered", custody_change_then="arrested",
                          authority=police, occurred_on=D(2022, 11, 9), summary="Surrendered; arrested on arrival.", by=None)
    services.event_record(case=antigua, kind=Event.Kind.RULING, authority=court, decision="convicted", decision_detail="on two of three counts",
                          occurred_on=D(2023, 3, 1), summary="Convicted after surrender.", by=None)
    services.event_record(case=antigua, kind=Event.Kind.RULING, authority=court, decision="sentenced", decision_detail="14 years",
                          occurred_on=D(2023, 4, 1), summary="Sentenced.", by=None)
    status(antigua, D(2023, 5, 1), StatusCategory.CHARGE, "Further charges framed.", date_precision="month", date_approximate=True)
    status(antigua, D(2023, 6, 1), StatusCategory.DEATH, "Co-accused died in custody.")
    status(antigua, D(2023, 7, 1), StatusCategory.OTHER, "Assets attached.")
    services.case_close(case=antigua, outcome="extradited", closed_on=D(2023, 8, 1), after_surrender="convicted", note="Serving sentence.", by=None)

    # One statement, in reported speech with no quote and no known channel, concerns both matters.
    services.statement_record(
        cases=[antigua, belgium], government="IN", body="Ministry of External Affairs", reported_speech=True, quote="", channel="",
        gist="India would liaise with both governments on his return.", occurred_on=D(2024, 4, 12),
        summary="India said it would pursue both requests.", sources=[report], by=None,
    )
    services.event_record(case=belgium, kind=Event.Kind.CUSTODY, custody_change="arrested", authority=police,
                          occurred_on=D(2025, 4, 12), summary="Arrested in Antwerp.", by=None)


def test_the_document_names_its_schema_and_version(demo):
    document = export_document()
    assert document["format"] == "extradition-tracker"
    assert document["schema_version"] == SCHEMA_VERSION == 2


def test_the_demo_case_is_exported_with_people_authorities_statements_events_and_sources(demo):
    document = export_document()
    case = document["cases"][0]
    assert case["reference"] == "rana-us-india"
    assert (case["initial_stage"], case["stage"]) == ("appeal", "surrender_pending")
    assert {p["name"] for p in document["people"]} == {"Tahawwur Rana", "David Headley", "Randhir Jaiswal"}
    rana = next(p for p in document["people"] if p["name"] == "Tahawwur Rana")
    assert rana["variants"] == [{"name": "Tahawwur Hussain Rana", "kind": "full"}]
    ruling, move, statement = case["events"]
    assert (ruling["kind"], ruling["date"], ruling["decision"]) == ("ruling", "2025-01-21", "cert_denied")
    court = document["authorities"][0]
    assert (court["name"], court["kind"], court["level"]) == ("Supreme Court of the United States", "court", "supreme")
    assert ruling["authority"] == court["key"]
    assert (move["from_stage"], move["to_stage"]) == ("appeal", "surrender_pending")
    (said,) = document["statements"]
    assert statement["statement"] == said["key"] and said["speaker"] == "randhir-jaiswal" and said["reported_speech"] is False
    assert statement["sources"] == ["source-1"] and document["sources"][0]["published_on"] == "2025-01-31"


def test_the_demo_file_is_the_export_of_the_demo(current_demo):
    from exchange.management.commands.load_demo import DEMO_FILE

    text = DEMO_FILE.read_text(encoding="utf-8")
    references = [case["reference"] for case in json.loads(text)["cases"]]
    assert export_json(export_document(cases=Case.objects.filter(reference__in=references))) == text


def test_a_partial_date_is_written_at_its_precision(case):
    services.event_record(case=case, kind="status", occurred_on=D(2018, 1, 1), date_precision="year",
                          date_approximate=True, summary="Fled.", by=None)
    event = export_document()["cases"][0]["events"][0]
    assert (event["date"], event["date_precision"], event["date_approximate"]) == ("2018", "year", True)


def test_the_current_stage_date_is_written_at_its_precision(case):
    services.case_change_stage(case=case, to_stage=Stage.HEARING, reason="Hearing.", occurred_on=D(2024, 9, 1),
                               date_precision="month", by=None)
    assert export_document()["cases"][0]["stage_entered_on"] == "2024-09"


def test_exporting_twice_gives_the_same_bytes(demo):
    assert export_json(export_document()) == export_json(export_document())


def test_the_export_is_valid_against_the_published_schema(db):
    record_every_item()
    assert document_validate(export_document(everything=True)) == []


def test_a_filtered_export_holds_only_those_cases_and_what_they_mention(demo, case):
    document = export_document(cases=Case.objects.filter(reference=case.reference))
    assert [c["reference"] for c in document["cases"]] == [case.reference]
    assert document["people"] == [] and document["sources"] == [] and document["statements"] == []


def test_events_are_written_in_timeline_order_not_date_order(case):
    services.event_record(case=case, kind="status", occurred_on=D(2022, 11, 1), date_precision="month", summary="In Nov.", by=None)
    services.event_record(case=case, kind="status", occurred_on=D(2022, 11, 9), summary="On the 9th.", by=None)
    assert [e["summary"] for e in export_document()["cases"][0]["events"]] == ["In Nov.", "On the 9th."]


def test_a_statement_on_two_cases_is_listed_once_and_referred_to_from_both(db):
    record_every_item()
    document = export_document()
    reported = [s for s in document["statements"] if s["reported_speech"]]
    assert len(reported) == 1 and reported[0]["quote"] == "" and reported[0]["channel"] == ""
    users = [c["reference"] for c in document["cases"] for e in c["events"] if e.get("statement") == reported[0]["key"]]
    assert users == ["choksi-ag-in", "choksi-be-in"]


def test_a_related_matter_is_written_once_on_the_case_that_holds_it(db):
    record_every_item()
    cases = {c["reference"]: c for c in export_document()["cases"]}
    assert cases["choksi-be-in"]["related"] == [{"case": "choksi-ag-in", "relation": "same_person", "note": "India's earlier request."}]
    assert cases["choksi-ag-in"]["related"] == []


def test_a_related_matter_is_left_out_when_the_other_case_is_not_exported(db):
    record_every_item()
    (case,) = export_document(cases=Case.objects.filter(reference="choksi-be-in"))["cases"]
    assert case["related"] == []


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
    assert Case.objects.filter(outcome="extradited", after_surrender="pending").count() == 2


# Every item of the list, exported, imported into an empty database, exported again --------


@pytest.fixture
def round_trip(db):
    """The export of every item, and the export after importing it into an empty database."""
    record_every_item()
    before = export_json(export_document(everything=True))
    empty_database()
    result = import_bytes(before.encode(), format="json")
    assert result.ok, result.problems
    return before, export_json(export_document(everything=True))


def test_every_item_round_trips_byte_for_byte(round_trip):
    before, after = round_trip
    assert after == before


def test_every_item_reimported_changes_nothing(round_trip):
    before, _after = round_trip
    result = import_bytes(before.encode(), format="json")
    assert result.ok and result.actions == [], result.actions


def _timeline(reference):
    return list(Case.objects.get(reference=reference).events.timeline_order(newest_first=False))


ITEMS = {
    "1 decisions beyond extradition": lambda: {"warrant_issued", "convicted", "sentenced"}
    <= set(Event.objects.filter(kind="ruling").values_list("decision", flat=True)),
    "2 reported speech, no quote, unknown channel": lambda: Statement.objects.filter(
        reported_speech=True, quote="", channel="", gist__startswith="India would liaise").exists(),
    "3 an acting body on police and prosecutor events": lambda: Event.objects.filter(kind="custody", authority__kind="police").exists()
    and Event.objects.filter(kind="filing", authority__kind="prosecutor").exists()
    and Event.objects.filter(kind="status", authority__kind="international").exists(),
    "4 an executive decision with its official": lambda: Event.objects.filter(
        kind="executive_decision", decision="extradition_ordered", official__name="Steadroy Benjamin",
        decision_detail="subject to assurances", authority__kind="executive").exists(),
    "5 an analyst's note": lambda: Event.objects.filter(note="Sources conflict: Feb vs Aug 2017.").exists(),
    "6 Nov 2022 kept before 9 Nov 2022": lambda: [e.summary for e in _timeline("choksi-ag-in")].index("Treated in hospital.")
    < [e.summary for e in _timeline("choksi-ag-in")].index("Surrendered; arrested on arrival."),
    "6 a year-precision stage change after a day-precision one": lambda: [
        (e.to_stage, e.date_precision) for e in _timeline("choksi-ag-in") if e.kind == "stage_change"]
    == [("arrest", "day"), ("hearing", "year")],
    "7 every status category": lambda: set(StatusCategory.values)
    == set(Event.objects.filter(kind="status").values_list("category", flat=True)),
    "8 disputed and the other confidence levels": lambda: {"confirmed", "corroborated", "reported", "unconfirmed", "disputed"}
    == set(Event.objects.values_list("confidence", flat=True)),
    "9 extradited, then convicted": lambda: Case.objects.filter(
        reference="choksi-ag-in", outcome="extradited", after_surrender="convicted", closed_on=D(2023, 8, 1)).exists(),
    "10 victim and counsel": lambda: CaseParty.objects.filter(role="victim").count() == CaseParty.objects.filter(role="counsel").count() == 2,
    "10 a long treaty name, its dates and a legal basis without a treaty": lambda: Treaty.objects.filter(
        name=LONG_TREATY, in_force_on=D(1902, 1, 1)).exists()
    and Case.objects.filter(treaty=None, legal_basis__startswith="Extradition Act 1993").exists(),
    "10 two custody changes in one event": lambda: Event.objects.filter(custody_change="surrendered", custody_change_then="arrested").exists(),
    "10 hearings reserved and first appearance": lambda: {"reserved", "first_appearance"}
    == set(Event.objects.filter(kind="hearing").values_list("hearing_status", flat=True)),
    "11 related matters": lambda: CaseRelation.objects.filter(
        case__reference="choksi-be-in", related_case__reference="choksi-ag-in", relation="same_person").count() == 1,
    "12 one statement on two cases": lambda: Statement.objects.filter(reported_speech=True).get().events.count() == 2,
}


@pytest.mark.parametrize("item", ITEMS)
def test_each_item_of_the_record_survives_the_round_trip(round_trip, item):
    assert ITEMS[item]()


# CSV -------------------------------------------------------------------------------------------


def test_csv_has_one_row_per_event_with_the_case_columns_repeated(demo):
    rows = list(csv.DictReader(io.StringIO(export_csv(export_document()))))
    assert list(rows[0]) == CSV_COLUMNS
    assert [row["event_kind"] for row in rows] == ["ruling", "stage_change", "statement"]
    assert {row["case_reference"] for row in rows} == {"rana-us-india"}
    assert rows[2]["speaker"] == "Randhir Jaiswal" and rows[2]["quote"].startswith("The US Supreme Court")
    assert "Tahawwur Rana [person_sought]" in rows[0]["people"]


def test_csv_has_the_second_generation_columns(db):
    record_every_item()
    rows = list(csv.DictReader(io.StringIO(export_csv(export_document()))))
    decision = next(row for row in rows if row["event_kind"] == "executive_decision")
    assert (decision["official"], decision["authority_kind"], decision["decision_detail"]) == (
        "Steadroy Benjamin", "executive", "subject to assurances")
    said = next(row for row in rows if row["event_kind"] == "statement")
    assert (said["reported_speech"], said["quote"], said["gist"][:11]) == ("yes", "", "India would")
    closed = rows[0]
    assert (closed["after_surrender"], closed["legal_basis"][:14]) == ("convicted", "Extradition Ac")


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


def test_csv_round_trip_of_every_item_gives_the_same_file(db):
    record_every_item()
    before = export_csv(export_document())
    empty_database()
    result = import_bytes(before.encode(), format="csv")
    assert result.ok, result.problems
    assert export_csv(export_document()) == before
    assert Statement.objects.filter(reported_speech=True).get().events.count() == 2


def test_export_command_writes_json_or_csv_for_the_chosen_cases(demo, case, tmp_path):
    out = io.StringIO()
    call_command("export_cases", "rana-us-india", stdout=out)
    assert [c["reference"] for c in json.loads(out.getvalue())["cases"]] == ["rana-us-india"]
    target = tmp_path / "list.csv"
    call_command("export_cases", "--format", "csv", "--filter", "stage=surrender_pending", "-o", str(target), stderr=io.StringIO())
    assert {row["case_reference"] for row in csv.DictReader(target.open(encoding="utf-8"))} == {"rana-us-india"}
