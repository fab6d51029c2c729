"""The case list's kept counts (cases.facets): exact after any mix of changes, and what the list shows."""

import datetime
import random

import pytest
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.urls import reverse

from cases import facets, search, services
from cases.filters import CaseFilter, stage_counts
from cases.models import AfterSurrender, Case, CaseFacet, Outcome, Stage
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2024, 1, 1)
STATES = ["IN", "US", "GB", "FR"]
# Filters the kept rows answer, alone and together, and some they cannot (counted from the cases).
FILTERS = [
    "", "status=open", "status=closed", "status=closed_extradited", "status=closed_not_extradited",
    "requested_state=US", "requesting_state=IN&requested_state=GB", "outcome=refused", "after_surrender=convicted",
    "status=open&requested_state=FR", "outcome=extradited&status=closed", "q=fraud", "related=no", "stage=arrest",
    "sort=title&requested_state=US",
]


def _scanned(query: str) -> dict[str, int]:
    """What the list's stage counts were before they were kept: a count over the matching cases."""
    data = QueryDict(query, mutable=True)
    data.pop("stage", None)
    filterset = CaseFilter(data, queryset=Case.objects.all())
    assert filterset.is_valid(), filterset.errors
    rows = filterset.qs.order_by().values_list("stage")
    counted: dict[str, int] = {}
    for (stage,) in rows:
        counted[stage] = counted.get(stage, 0) + 1
    return counted


def _random_change(rng: random.Random, cases: list[Case]) -> None:
    """One change of the kinds that move a case between rows, through the services; refusals are fine."""
    case = Case.all_objects.get(pk=rng.choice(cases).pk)
    action = rng.choice(["stage", "stage", "close", "reopen", "outcome", "states", "delete", "restore", "new"])
    try:
        if action == "stage" and not case.is_deleted:
            to_stage = rng.choice([s for s in Stage.values if s != case.stage])
            services.case_change_stage(case=case, to_stage=to_stage, reason="Reported", occurred_on=DAY, by=None)
        elif action == "close" and case.is_open and not case.is_deleted:
            outcome = rng.choice(Outcome.values)
            after = rng.choice(AfterSurrender.values) if outcome == Outcome.EXTRADITED else ""
            services.case_close(case=case, outcome=outcome, closed_on=DAY, after_surrender=after, by=None)
        elif action == "reopen" and not case.is_open and not case.is_deleted:
            services.case_reopen(case=case, reason="Renewed request", on=DAY, by=None)
        elif action == "outcome" and not case.is_deleted:
            outcome = rng.choice(Outcome.values + ([""] if case.is_open else []))
            services.case_set_outcome(case=case, outcome=outcome, by=None)
        elif action == "states" and not case.is_deleted:
            requesting, requested = rng.sample(STATES, 2)
            services.case_update(case=case, by=None, requesting_state=requesting, requested_state=requested)
        elif action == "delete" and not case.is_deleted:
            services.case_delete(case=case, by=None)
        elif action == "restore" and case.is_deleted:
            services.case_restore(case=case, by=None)
        elif action == "new":
            requesting, requested = rng.sample(STATES, 2)
            cases.append(CaseFactory(requesting_state=requesting, requested_state=requested,
                                     stage=rng.choice(Stage.values)))
    except ValidationError:
        pass


@pytest.mark.parametrize("seed", range(4))
def test_kept_counts_equal_a_count_of_the_cases_after_random_changes(seed):
    rng = random.Random(seed)
    cases = [CaseFactory(requesting_state=a, requested_state=b) for a, b in (rng.sample(STATES, 2) for _ in range(8))]
    for step in range(60):
        _random_change(rng, cases)
        if step % 10 == 9:
            assert facets.case_facets_kept() == facets.case_facets_counted()
    assert facets.case_facets_kept() == facets.case_facets_counted()
    for query in FILTERS:
        filterset = CaseFilter(QueryDict(query), queryset=Case.objects.all())
        assert stage_counts(filterset) == _scanned(query), query


def test_a_case_saved_from_a_stale_copy_moves_the_count_from_where_it_really_is():
    case = CaseFactory(stage=Stage.HEARING)
    stale = Case.objects.get(pk=case.pk)
    services.case_change_stage(case=case, to_stage=Stage.APPEAL, reason="Reported", occurred_on=DAY, by=None)
    stale.title = "Renamed"
    stale.save(update_fields=["title"])  # not a counted column: no move at all
    stale.stage = Stage.ARREST
    stale.save()  # moves the case out of the appeal row, where the database has it, not the hearing row
    assert facets.case_facets_kept() == facets.case_facets_counted()
    assert facets.facet_stage_counts(where=facets.models.Q()) == {Stage.ARREST: 1}


def test_removing_a_case_for_good_takes_it_out_of_the_counts():
    keep, remove = CaseFactory(), CaseFactory()
    remove.delete()
    # The case's own row and the three standing for any requesting state, any requested state, or both.
    assert facets.case_facets_kept() == facets.case_facets_counted() == {
        (keep.stage, a, b, "", "", True): 1 for a in ("IN", "") for b in ("US", "")}


def test_rebuild_recounts_after_writes_that_bypass_save():
    CaseFactory(stage=Stage.ARREST)
    Case.objects.bulk_create([Case(title=f"Bulk {n}", reference=f"bulk-{n}", requesting_state="GB", requested_state="IN",
                                   offences="Fraud", stage=Stage.HEARING) for n in range(3)])
    assert facets.case_facets_kept() != facets.case_facets_counted()
    assert facets.case_facets_rebuild() == 2 * 4  # two combinations, each with its three "any state" rows
    assert facets.case_facets_kept() == facets.case_facets_counted()


def test_stage_counts_read_the_kept_rows_for_the_filters_they_answer(django_assert_num_queries):
    CaseFactory.create_batch(3, stage=Stage.ARREST)
    CaseFactory(stage=Stage.APPEAL, requested_state="GB")
    filterset = CaseFilter(QueryDict("requested_state=US&status=open"), queryset=Case.objects.all())
    filterset.is_valid()
    # Corrupt a kept row on purpose: the answer must come from the rows, not from the cases.
    CaseFacet.objects.filter(stage=Stage.ARREST).update(cases=7)
    with django_assert_num_queries(1):
        assert stage_counts(filterset) == {Stage.ARREST: 7}


def test_stage_counts_count_the_cases_for_filters_the_rows_cannot_answer():
    CaseFactory.create_batch(2, stage=Stage.ARREST, offences="Fraud")
    CaseFactory(stage=Stage.ARREST, title="Other", offences="Murder", search_text="Other\nmurder")
    search.search_vector_refresh_all()
    CaseFacet.objects.update(cases=99)
    filterset = CaseFilter(QueryDict("q=fraud"), queryset=Case.objects.all())
    assert stage_counts(filterset) == {Stage.ARREST: 2}


def test_the_list_shows_the_kept_counts_and_its_length(analyst_client):
    CaseFactory.create_batch(2, stage=Stage.ARREST)
    CaseFactory(stage=Stage.HEARING)
    response = analyst_client.get(reverse("cases:case_list"), {"stage": Stage.ARREST})
    assert response.status_code == 200
    counts = {value: n for value, _label, n in response.context["stage_counts"]}
    assert counts[Stage.ARREST] == 2 and counts[Stage.HEARING] == 1
    assert response.context["page"].paginator.count == 2
    assert len(response.context["page"].object_list) == 2
