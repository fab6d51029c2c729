import datetime

import pytest
from django.core.management import call_command

from cases.models import Case, Event, Person, Source, Stage

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
    assert (case.requesting_state, case.requested_state, case.stage) == ("IN", "US", Stage.SURRENDER_PENDING)
    ruling = case.events.get(kind=Event.Kind.RULING)
    assert ruling.occurred_on == datetime.date(2025, 1, 21)
    assert ruling.decision == "cert_denied"
    statement = case.events.get(kind=Event.Kind.STATEMENT).statement
    assert statement.speaker.name == "Randhir Jaiswal"
    assert "procedural issues for his early extradition" in statement.quote
    assert Person.objects.matching("Tahawwur Hussain Rana").get().name == "Tahawwur Rana"
    headley = case.parties.get(person__name="David Headley")
    assert "refused to extradite" in headley.note
    assert all(event.sources.count() == 1 for event in case.events.all())


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
