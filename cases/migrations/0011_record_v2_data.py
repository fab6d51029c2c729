"""Carry the first-generation record over to the second-generation vocabulary.

- Courts and ministries were all "forums": the level "executive" now makes an executive authority,
  "human_rights" an international one, the rest courts.
- A "ruling" by an executive forum was an executive decision filed as a ruling; it becomes one.
- "remanded" meant "sent back to the lower court" (now "remitted"); "remanded" now means custody.
  "bail_denied" is now "bail_refused".
- Status updates get a category: the closing and reopening notes the services wrote are
  "case_closure", everything else "other" for an analyst to refine.
- Every event gets the earliest and latest day its date can mean, and its place on the case's timeline, in the order the old timeline showed.
- A case's current-stage date takes the precision of the stage change that set it.
"""

from django.db import migrations

from cases.dates import partial_date_bounds

POSITION_GAP = 1 << 20

EXECUTIVE_DECISION_FROM_RULING = {
    "order_made": "extradition_ordered",
    "refused": "extradition_refused",
    "certified": "request_certified",
    "discharged": "extradition_refused",
}


def forward(apps, schema_editor):
    Authority = apps.get_model("cases", "Authority")
    Event = apps.get_model("cases", "Event")
    Authority.objects.filter(level="executive").update(kind="executive", level="")
    Authority.objects.filter(level="human_rights").update(kind="international")
    Authority.objects.exclude(level="").exclude(kind__in=["executive", "international"]).update(kind="court")
    Authority.objects.filter(level="", kind="court").update(level="other")

    executive = Event.objects.filter(kind="ruling", authority__kind="executive")
    for old, new in EXECUTIVE_DECISION_FROM_RULING.items():
        executive.filter(decision=old).update(kind="executive_decision", decision=new)
    executive.update(kind="executive_decision", decision="other")

    Event.objects.filter(kind="ruling", decision="remanded").update(decision="remitted")
    Event.objects.filter(decision="bail_denied").update(decision="bail_refused")

    statuses = Event.objects.filter(kind="status", category="")
    statuses.filter(summary__startswith="Case closed: ").update(category="case_closure")
    statuses.filter(summary__startswith="Case reopened: ").update(category="case_closure")
    statuses.update(category="other")

    batch = []
    for event in Event.objects.only("occurred_on", "date_precision", "date_approximate").iterator(chunk_size=2000):
        bounds = partial_date_bounds(event.occurred_on, precision=event.date_precision, approximate=event.date_approximate)
        event.date_earliest, event.date_latest = bounds.earliest, bounds.latest
        batch.append(event)
        if len(batch) >= 2000:
            Event.objects.bulk_update(batch, ["date_earliest", "date_latest"])
            batch = []
    Event.objects.bulk_update(batch, ["date_earliest", "date_latest"])

    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_event SET position = ranked.n * %s FROM ("
            " SELECT id, ROW_NUMBER() OVER (PARTITION BY case_id ORDER BY occurred_on, id) AS n FROM cases_event"
            ") AS ranked WHERE cases_event.id = ranked.id",
            [POSITION_GAP],
        )
        for column, source in (("stage_entered_precision", "date_precision"), ("stage_entered_approximate", "date_approximate")):
            cursor.execute(
                f"UPDATE cases_case SET {column} = (SELECT e.{source} FROM cases_event e"
                " WHERE e.case_id = cases_case.id AND e.kind = 'stage_change' ORDER BY e.position DESC LIMIT 1)"
                " WHERE EXISTS (SELECT 1 FROM cases_event e WHERE e.case_id = cases_case.id AND e.kind = 'stage_change')"
            )


def backward(apps, schema_editor):
    Event = apps.get_model("cases", "Event")
    Event.objects.filter(kind="ruling", decision="remanded").update(decision="other")
    Event.objects.filter(kind="ruling", decision="remitted").update(decision="remanded")
    Event.objects.filter(decision="bail_refused").update(decision="bail_denied")
    Event.objects.filter(kind="executive_decision").update(kind="ruling", decision="other")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0010_record_v2"),
    ]

    operations = [migrations.RunPython(forward, backward)]
