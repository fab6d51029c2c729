"""
Keeping what the figures read (``models``) in step with the record: a case's stays and milestones
are rebuilt, in the transaction that changed its record (``cases.signals.case_record_changed``), from
its stage changes and custody changes, by one statement each that the database runs (a window
function over the stage changes in timeline order). The same statements rebuild every case at once
(the nightly sweep, generated data), batch by batch.

A case's rows are rebuilt with the case's row locked, so that a sweep and a change to one case
cannot both delete the old rows and both write new ones.
"""

import logging

from django.db import connection, transaction
from django.db.models import F, Min, Q, QuerySet, Window
from django.db.models.functions import Lead, RowNumber

from cases.models import Case, Event, Stage

from .models import Milestones, Stay

logger = logging.getLogger(__name__)

# Stays in these stages are not waiting for anything: they end the matter.
TERMINAL_STAGES = (Stage.CLOSED,)
ARREST_CHANGES = (Event.CustodyChange.ARRESTED, Event.CustodyChange.PROVISIONALLY_ARRESTED)
ARRESTED = Q(kind=Event.Kind.CUSTODY, custody_change__in=ARREST_CHANGES) | Q(kind=Event.Kind.STAGE_CHANGE, to_stage=Stage.ARREST)
SURRENDERED = Q(kind=Event.Kind.STAGE_CHANGE, to_stage=Stage.SURRENDERED) | Q(
    kind=Event.Kind.CUSTODY, custody_change=Event.CustodyChange.SURRENDERED
)


def sql_of(queryset) -> tuple[str, tuple]:
    sql, params = queryset.query.sql_with_params()
    return sql, tuple(params)


def days_between(end: str, start: str) -> str:
    """Whole days from one date column to another, in the database's own terms."""
    if connection.vendor == "postgresql":
        return f"({end} - {start})"
    return f"CAST(julianday({end}) - julianday({start}) AS INTEGER)"


def later_of(first: str, second: str) -> str:
    return f"GREATEST({first}, {second})" if connection.vendor == "postgresql" else f"MAX({first}, {second})"


def _stage_changes(cases: QuerySet[Case]):
    """(case id, from stage, to stage, date, next change's date, its rank in the case) per stage change."""
    order = [F("position").asc(), F("id").asc()]
    return (
        Event.objects.filter(kind=Event.Kind.STAGE_CHANGE, case__in=cases.values("pk"))
        .annotate(
            next_on=Window(Lead("occurred_on"), partition_by=[F("case_id")], order_by=order),
            rank=Window(RowNumber(), partition_by=[F("case_id")], order_by=order),
        )
        .order_by()
        .values_list("case_id", "from_stage", "to_stage", "occurred_on", "next_on", "rank")
    )


def _stays_write(cases: QuerySet[Case]) -> None:
    changes, change_params = sql_of(_stage_changes(cases))
    terminal = ", ".join(["%s"] * len(TERMINAL_STAGES))
    ended = "COALESCE(c.next_on, k.closed_on)"
    sql = f"""
        INSERT INTO {Stay._meta.db_table} (case_id, stage, finished, days)
        WITH changes (case_id, from_stage, to_stage, occurred_on, next_on, rank) AS ({changes})
        SELECT c.case_id, c.from_stage, TRUE, {days_between("c.occurred_on", "k.opened_on")}
        FROM changes c JOIN {Case._meta.db_table} k ON k.id = c.case_id
        WHERE c.rank = 1 AND c.from_stage <> '' AND c.from_stage NOT IN ({terminal})
          AND k.opened_on IS NOT NULL AND k.opened_on <= c.occurred_on
        UNION ALL
        SELECT c.case_id, c.to_stage, ({ended} IS NOT NULL),
               CASE WHEN {ended} IS NULL THEN 0
                    ELSE {days_between(later_of(ended, "c.occurred_on"), "c.occurred_on")} END
        FROM changes c JOIN {Case._meta.db_table} k ON k.id = c.case_id
        WHERE c.to_stage NOT IN ({terminal})
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, change_params + TERMINAL_STAGES + TERMINAL_STAGES)


def _milestones_write(cases: QuerySet[Case]) -> None:
    firsts, params = sql_of(
        Event.objects.filter(case__in=cases.values("pk"), kind__in=[Event.Kind.STAGE_CHANGE, Event.Kind.CUSTODY])
        .filter(ARRESTED | SURRENDERED).order_by().values("case_id")
        .annotate(arrested_on=Min("occurred_on", filter=ARRESTED), surrendered_on=Min("occurred_on", filter=SURRENDERED))
        .values_list("case_id", "arrested_on", "surrendered_on")
    )
    table = Milestones._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} (case_id, first_arrested_on, first_surrendered_on) {firsts}", params)


def matters_derive(*, first_id: int, last_id: int) -> None:
    """Rebuild the stays and milestones of the cases whose ids lie from ``first_id`` to ``last_id``."""
    with transaction.atomic():
        cases = Case.all_objects.filter(pk__range=(first_id, last_id))
        list(cases.select_for_update().order_by("pk").values_list("pk", flat=True))
        Stay.objects.filter(case__in=cases.values("pk")).delete()
        Milestones.objects.filter(case__in=cases.values("pk")).delete()
        _stays_write(cases)
        _milestones_write(cases)


def matters_derive_all(*, batch: int = 2000) -> int:
    """Rebuild every case's stays and milestones, ``batch`` cases to a transaction; returns how many cases."""
    ids = list(Case.all_objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        matters_derive(first_id=chunk[0], last_id=chunk[-1])
    # Cases gone since (deleted for good) took their rows with them; nothing else can be left over.
    return len(ids)


def case_record_changed_receive(*, case_id: int, **kwargs) -> None:
    """The case's record changed, in the transaction now running: rebuild what the figures read of it.

    In a savepoint: should it fail, its writes are undone, the failure is logged and the change to
    the record is kept; the nightly sweep rebuilds it."""
    try:
        matters_derive(first_id=case_id, last_id=case_id)
    except Exception:
        logger.exception("rebuilding the stays of case %s failed", case_id)
