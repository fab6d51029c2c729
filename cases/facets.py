"""
The case list's counts, kept rather than counted.

The list shows how many cases each stage holds under the other filters. Counting them scanned every
case on every request (8–12 ms of the list's 13 ms of SQL at 100,000 cases, linear with the table),
so ``CaseFacet`` keeps one row per combination of the columns the common filters read (stage, the two
states, the outcome, what happened after surrender, open or closed) with its number of live cases,
and the same rows with either state or both left blank, standing for any state: every state pair
has a row of its own (2,000 pairs on the generated data make tens of thousands of rows), and the
list as it opens, or filtered by one state, then reads a few hundred rows rather than all of them.
``Case.save`` moves a case from its old row to its new one in the transaction of the change, so the
rows are exact whatever wrote the case (a service, the admin, a factory); ``case_facets_rebuild``
recounts them after writes that bypass ``save`` (bulk loads of generated data, migrations).
Filters the rows cannot answer (a search, a person, a court…) count the matching cases as before.
"""

from collections.abc import Mapping

from django.db import connection, models, transaction

# The case columns a facet row is keyed by, and what a row holds for a case.
FACET_FIELDS = ("stage", "requesting_state", "requested_state", "outcome", "after_surrender")
# Case fields whose change can move a case to another row.
FACET_SOURCE_FIELDS = frozenset(FACET_FIELDS + ("closed_on", "deleted_at"))

FacetKey = tuple[str, str, str, str, str, bool]


def _facet_model():
    from .models import CaseFacet

    return CaseFacet


def case_facet_key(values: Mapping) -> FacetKey | None:
    """The row a case counts in, from its column values; None for a deleted case, which counts nowhere."""
    if values.get("deleted_at") is not None:
        return None
    return (*(str(values[field] or "") for field in FACET_FIELDS), values.get("closed_on") is None)


def case_facet_key_stored(case_id: int) -> FacetKey | None:
    """The row the case counts in as the database holds it now, its row locked until the transaction ends.

    Read from the database rather than from the instance being saved: an instance loaded before
    someone else's change would move the count from the wrong row. The lock makes a concurrent change
    of the same case wait, then read what this one wrote."""
    from .models import Case

    values = (
        Case.all_objects.select_for_update()
        .filter(pk=case_id)
        .values(*FACET_FIELDS, "closed_on", "deleted_at")
        .first()
    )
    return case_facet_key(values) if values is not None else None


def _with_any_state(key: FacetKey) -> list[FacetKey]:
    """The case's own row and the three that leave one state or both blank ("any state")."""
    stage, requesting, requested, *rest = key
    return [(stage, a, b, *rest) for a in (requesting, "") for b in (requested, "")]


def case_facets_move(*, old: FacetKey | None, new: FacetKey | None) -> None:
    """Take one case out of ``old``'s rows and count it in ``new``'s, in the caller's transaction."""
    if old == new:
        return
    deltas: dict[FacetKey, int] = {}
    for key, delta in ((old, -1), (new, 1)):
        for row in _with_any_state(key) if key is not None else ():
            deltas[row] = deltas.get(row, 0) + delta
    # Always in the same order, so that two changes moving cases between the same rows in opposite
    # directions wait for each other instead of deadlocking.
    for row, delta in sorted(deltas.items()):
        if delta:
            _facet_add(row, delta)


def _facet_add(key: FacetKey, delta: int) -> None:
    model = _facet_model()
    table = connection.ops.quote_name(model._meta.db_table)
    columns = [model._meta.get_field(name).column for name in (*FACET_FIELDS, "is_open")]
    cases_column = model._meta.get_field("cases").column
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    # One statement, whether or not the row exists yet: an upsert adding to the count (PostgreSQL
    # and SQLite both have ON CONFLICT ... DO UPDATE), so that concurrent changes add up.
    sql = (
        f"INSERT INTO {table} ({quoted}, {connection.ops.quote_name(cases_column)}) "
        f"VALUES ({', '.join(['%s'] * (len(columns) + 1))}) "
        f"ON CONFLICT ({quoted}) DO UPDATE SET {connection.ops.quote_name(cases_column)} = "
        f"{table}.{connection.ops.quote_name(cases_column)} + EXCLUDED.{connection.ops.quote_name(cases_column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*key, delta])


def case_facets_counted() -> dict[FacetKey, int]:
    """Every combination's number of live cases (with "any state" rows), counted from the cases themselves."""
    from .models import Case

    rows = (
        Case.objects.order_by()
        .annotate(is_open=models.ExpressionWrapper(models.Q(closed_on__isnull=True), output_field=models.BooleanField()))
        .values(*FACET_FIELDS, "is_open")
        .annotate(n=models.Count("*"))
    )
    counted: dict[FacetKey, int] = {}
    for row in rows:
        for key in _with_any_state((*(row[f] for f in FACET_FIELDS), bool(row["is_open"]))):
            counted[key] = counted.get(key, 0) + row["n"]
    return counted


def case_facets_kept() -> dict[FacetKey, int]:
    """Every combination's number of live cases, as the facet rows keep it (rows at zero left out)."""
    rows = _facet_model().objects.filter(cases__gt=0).values_list(*FACET_FIELDS, "is_open", "cases")
    return {tuple(row[:-1]): row[-1] for row in rows}


def _lookups(where: models.Q):
    for child in where.children:
        if isinstance(child, models.Q):
            yield from _lookups(child)
        else:
            yield child[0].split("__")[0], child[1]


@transaction.atomic
def case_facets_rebuild() -> int:
    """Recount every row from the cases; returns the number of rows. For writes that bypass
    ``Case.save`` (bulk loads), run while nothing else writes cases."""
    model = _facet_model()
    model.objects.all().delete()
    counted = case_facets_counted()
    model.objects.bulk_create(
        [model(**dict(zip((*FACET_FIELDS, "is_open"), key)), cases=n) for key, n in counted.items()], batch_size=5000
    )
    return len(counted)


def facet_stage_counts(*, where: models.Q) -> dict[str, int]:
    """How many live cases each stage holds among the facet rows ``where`` selects (a condition on
    the facet columns and ``is_open``), from the kept rows. A state the condition does not name is
    read from the rows that leave it blank (any state)."""
    named = {name for name, _value in _lookups(where)}
    blanks = {state: "" for state in ("requesting_state", "requested_state") if state not in named}
    rows = _facet_model().objects.filter(where, cases__gt=0, **blanks).order_by()
    return dict(rows.values_list("stage").annotate(n=models.Sum("cases")).values_list("stage", "n"))
