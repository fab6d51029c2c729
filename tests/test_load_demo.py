import datetime

import pytest
from django.core.management import call_command

from cases.models import Case, CaseRelation, Event, Person, Source, Stage, Statement
from cases.selectors import case_related_matters

pytestmark = pytest.mark.django_db


@pytest.fixture
def var_dir(tmp_path, settings):
    settings.VAR_DIR = tmp_path
    return tmp_path


def _counts():
    return Case.objects.count(), Event.objects.count(), Person.objects.count(), Source.objects.count()


def test_demo_loads_the_rana_matter_as_reported(var_dir):
    call_command("load_demo", stdout=open("/dev/null", "w"))
    case = Case.objects.get(reference="rana-us-india")
    assert (case.requesting_state, case.requested_state, case.stage) == ("IN", "US", Stage.AFTER_SURRENDER)
    assert (case.outcome, case.after_surrender, case.is_open) == ("extradited", "pending", True)
    cert = case.events.get(kind=Event.Kind.RULING, decision="cert_denied")
    assert cert.occurred_on == datetime.date(2025, 1, 21)
    statement = case.events.get(kind=Event.Kind.STATEMENT, occurred_on=datetime.date(2025, 1, 31)).statement
    assert statement.speaker.name == "Randhir Jaiswal" and not statement.reported_speech
    assert "procedural issues for his early extradition" in statement.quote
    assert Person.objects.matching("Tahawwur Hussain Rana").get().name == "Tahawwur Rana"
    headley = case.parties.get(person__name="David Headley")
    assert "refused to extradite" in headley.note
    assert all(event.sources.exists() for event in Event.objects.all())


def test_the_demo_shows_the_second_generation_record(var_dir):
    """Reported speech, an executive decision, a month-only stage change, a related matter and a
    conviction after surrender: what every new install shows."""
    call_command("load_demo", stdout=open("/dev/null", "w"))
    rana = Case.objects.get(reference="rana-us-india")
    reported = Statement.objects.get(events__case=rana, reported_speech=True)
    assert reported.quote == "" and reported.gist
    decision = rana.events.get(kind=Event.Kind.EXECUTIVE_DECISION)
    assert (decision.decision, decision.official.name, decision.date_display) == ("surrender_authorised", "Marco Rubio", "Feb 2025")
    assert rana.events.filter(kind=Event.Kind.STAGE_CHANGE, date_precision="month").exists()
    assert [other.reference for _label, other, _link in case_related_matters(case=rana)] == ["headley-us-india"]
    salem = Case.objects.get(reference="salem-portugal-india")
    assert (salem.outcome, salem.after_surrender, salem.treaty, bool(salem.legal_basis)) == ("extradited", "serving_sentence", None, True)
    surrender = salem.events.get(custody_change="surrendered")
    assert salem.events.filter(decision="convicted", occurred_on__gt=surrender.occurred_on).count() == 2


def test_demo_loaded_twice_changes_nothing(var_dir, capsys):
    call_command("load_demo")
    before = _counts()
    call_command("load_demo")
    assert _counts() == before
    out = capsys.readouterr().out
    assert "already loaded" in out


def test_demo_prints_a_login_that_works(var_dir, capsys, client):
    call_command("load_demo")
    line = next(l for l in capsys.readouterr().out.splitlines() if l.startswith("Demo login (Analyst):"))
    username, password = line.split(":", 1)[1].strip().split(" / ")
    assert client.login(username=username, password=password)
    call_command("load_demo")
    assert line in capsys.readouterr().out


def test_the_demo_is_loaded_through_the_import(var_dir, monkeypatch):
    from exchange.management.commands import load_demo

    seen = []
    real = load_demo.import_document
    monkeypatch.setattr(load_demo, "import_document", lambda document, **kw: seen.append(document["schema_version"]) or real(document, **kw))
    call_command("load_demo", stdout=open("/dev/null", "w"))
    assert seen == [2]


@pytest.mark.demo_workspace
def test_the_demo_workspace_holds_real_matters_of_every_kind_and_loads_once(var_dir, capsys):
    call_command("load_demo")
    first = _counts()
    cases = Case.objects.all()
    assert cases.count() >= 12
    assert {"GB", "US", "CA", "DE", "AE"} <= set(cases.values_list("requested_state", flat=True))
    # Every event says where it comes from, and every source but the seed report (the article the
    # project started from, whose copy it keeps) has its address.
    assert not Event.objects.filter(sources__isnull=True).exists()
    assert list(Source.objects.filter(url="").values_list("title", flat=True)) == [
        "India working with US to expedite extradition of 26/11 accused Tahawwur Rana"
    ]
    # One of each: reversed on appeal, ended without extradition, stayed after legal finality,
    # events after surrender, two proceedings of one person linked.
    assert Event.objects.filter(kind=Event.Kind.RULING, decision="reversed").exists()
    assert cases.exclude(outcome__in=["", "extradited"]).count() >= 3
    assert Event.objects.filter(kind=Event.Kind.STAGE_CHANGE, to_stage=Stage.STAYED, from_stage=Stage.SURRENDER_PENDING).exists()
    assert cases.filter(outcome="extradited").exclude(after_surrender="").count() >= 2
    assert CaseRelation.objects.filter(relation="same_person").exists()
    # Nothing closes in the future.
    assert not cases.filter(closed_on__gt=datetime.date.today()).exists()
    capsys.readouterr()
    call_command("load_demo")
    assert _counts() == first
    assert "Demo data already loaded; nothing changed." in capsys.readouterr().out


def test_a_demo_file_with_a_problem_is_refused_and_nothing_is_loaded(var_dir, tmp_path):
    from django.contrib.auth import get_user_model
    from django.core.management import CommandError

    from exchange.management.commands.load_demo import DEMO_FILE

    bad = tmp_path / "bad.json"
    bad.write_text(DEMO_FILE.read_text(encoding="utf-8").replace('"requested_state": "US"', '"requested_state": "Atlantis"'), encoding="utf-8")
    with pytest.raises(CommandError, match="Unknown country"):
        call_command("load_demo", "--file", str(bad), stdout=open("/dev/null", "w"))
    assert not Case.objects.exists() and not get_user_model().objects.filter(username="analyst").exists()
