"""The second-generation migrations carry a database built by the first-generation code over."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

FIRST_GENERATION = [("cases", "0008_facets")]


def _migrate(targets=None):
    executor = MigrationExecutor(connection)
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    return executor


@pytest.fixture(scope="module")
def migrated(django_db_setup, django_db_blocker):
    """A database built by the first-generation code, migrated forward once; the rows, as the new models read them.

    Migrating back and forth takes seconds, so the module shares one run and removes its rows afterwards."""
    with django_db_blocker.unblock():
        executor = _migrate(FIRST_GENERATION)
        case, ids = _old_record(executor.loader.project_state(FIRST_GENERATION).apps)
        _migrate()
        from cases.models import Authority, Case, Event, Statement

        yield {
            "case": Case.all_objects.get(pk=case.pk),
            "events": {name: Event.all_objects.select_related("authority").get(pk=pk) for name, pk in ids.items()},
            "order": list(Event.all_objects.filter(case_id=case.pk).order_by("position").values_list("pk", flat=True)),
            "ids": ids,
            "authorities": {(a.name, a.kind, a.level) for a in Authority.objects.all()},
            "statement": Statement.objects.get(),
        }
        Event.all_objects.filter(case_id=case.pk).delete()
        Statement.objects.all().delete()
        Case.all_objects.filter(pk=case.pk).delete()
        Authority.objects.all().delete()


def _old_record(old_apps):
    Case, Event, Forum = (old_apps.get_model("cases", name) for name in ("Case", "Event", "Forum"))
    Statement = old_apps.get_model("cases", "Statement")
    court = Forum.objects.create(name="Supreme Court of the United States", country="US", level="supreme")
    minister = Forum.objects.create(name="Home Office", country="GB", level="executive")
    case = Case.objects.create(
        title="Old case", reference="old-case", requesting_state="IN", requested_state="US", offences="x",
        stage="surrender_pending", stage_entered_on=datetime.date(2018, 8, 1),
    )
    day = datetime.date
    events = {
        "stage": Event.objects.create(case=case, kind="stage_change", from_stage="request_made", to_stage="surrender_pending",
                                      occurred_on=day(2018, 8, 1), date_precision="month", summary="Moved"),
        "remitted": Event.objects.create(case=case, kind="ruling", forum=court, decision="remanded",
                                         occurred_on=day(2019, 1, 1), date_precision="year", summary="Sent back"),
        "bail": Event.objects.create(case=case, kind="ruling", forum=court, decision="bail_denied",
                                     occurred_on=day(2017, 3, 4), summary="No bail"),
        "order": Event.objects.create(case=case, kind="ruling", forum=minister, decision="order_made",
                                      occurred_on=day(2019, 2, 3), summary="Home Secretary orders extradition"),
        "closing": Event.objects.create(case=case, kind="status", occurred_on=day(2020, 1, 1),
                                        summary="Case closed: extradited."),
        "note": Event.objects.create(case=case, kind="status", occurred_on=day(2016, 5, 6), summary="Moved to London"),
        "statement": Event.objects.create(
            case=case, kind="statement", occurred_on=day(2019, 5, 1), summary="MEA",
            statement=Statement.objects.create(government="IN", body="MEA", channel="briefing", quote="We will."),
        ),
    }
    return case, {name: event.pk for name, event in events.items()}


def test_courts_and_ministries_become_authorities_of_their_kind(migrated):
    assert migrated["authorities"] == {
        ("Supreme Court of the United States", "court", "supreme"),
        ("Home Office", "executive", ""),
    }


def test_decisions_move_to_the_new_vocabulary(migrated):
    events = migrated["events"]
    assert events["remitted"].decision == "remitted"
    assert events["bail"].decision == "bail_refused"
    order = events["order"]
    assert (order.kind, order.decision, order.authority.name) == ("executive_decision", "extradition_ordered", "Home Office")


def test_status_updates_get_a_category(migrated):
    assert migrated["events"]["closing"].category == "case_closure"
    assert migrated["events"]["note"].category == "other"


def test_events_get_their_interval_and_keep_the_old_timeline_order(migrated):
    remitted = migrated["events"]["remitted"]
    assert (remitted.date_earliest, remitted.date_latest) == (datetime.date(2019, 1, 1), datetime.date(2019, 12, 31))
    ids = migrated["ids"]
    assert migrated["order"] == [ids[k] for k in ("note", "bail", "stage", "remitted", "order", "statement", "closing")]
    assert len({event.position for event in migrated["events"].values()}) == len(ids)


def test_the_current_stage_takes_the_precision_of_its_stage_change(migrated):
    assert migrated["case"].stage_entered_precision == "month"
    assert migrated["case"].stage_entered_display == "Aug 2018"


def test_statements_stay_verbatim(migrated):
    statement = migrated["statement"]
    assert (statement.reported_speech, statement.quote, statement.channel) == (False, "We will.", "briefing")
