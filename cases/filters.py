"""The case list's filters: everything lives in the query string, so a filtered list can be bookmarked."""

from functools import lru_cache

import django_filters
from django import forms
from django.db.models import Case as SqlCase
from django.db.models import Count, Exists, F, OuterRef, Value, When
from django.utils.translation import get_language
from django_countries import countries

from . import search
from .forms import RULING_DECISION_GROUPS, GroupedSelect
from .models import (
    AfterSurrender,
    Authority,
    Case,
    CaseParty,
    CaseRelation,
    Confidence,
    Event,
    ExecutiveDecision,
    Outcome,
    Person,
    RulingDecision,
    Stage,
    StatusCategory,
)
from .widgets import use_fast_selects


@lru_cache(maxsize=8)
def _country_choices(language: str) -> tuple[tuple[str, str], ...]:
    return tuple((code, str(name)) for code, name in countries)


def country_choices() -> tuple[tuple[str, str], ...]:
    """The country list as plain pairs, translated once per language rather than on every use
    (django-countries translates and sorts afresh each time it is iterated)."""
    return _country_choices(get_language())


def decision_choices() -> list:
    """Every decision a court or a government can take, as "kind:decision", grouped as the forms group them."""
    grouped = {value for values in RULING_DECISION_GROUPS.values() for value in values}
    court = [
        (f"Court: {group.lower()}", [(f"{Event.Kind.RULING}:{value}", RulingDecision(value).label) for value in values])
        for group, values in RULING_DECISION_GROUPS.items()
    ]
    others = [(f"{Event.Kind.RULING}:{value}", label) for value, label in RulingDecision.choices if value not in grouped]
    executive = [(f"{Event.Kind.EXECUTIVE_DECISION}:{value}", label) for value, label in ExecutiveDecision.choices]
    return [*court, ("Court: other", others), ("Executive decision", executive)]


YES_NO = [("yes", "Yes"), ("no", "No")]


class CaseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search",
        method="filter_text",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Title, person, offence, event…"}),
    )
    stage = django_filters.MultipleChoiceFilter(
        choices=Stage.choices, widget=forms.CheckboxSelectMultiple, distinct=False
    )
    status = django_filters.ChoiceFilter(
        label="Open or closed",
        choices=[
            ("open", "Open"),
            ("closed", "Closed"),
            ("closed_extradited", "Closed after surrender (extradited)"),
            ("closed_not_extradited", "Closed without extradition"),
        ],
        method="filter_status",
        empty_label="Open and closed",
    )
    outcome = django_filters.ChoiceFilter(label="Extradition outcome", choices=Outcome.choices, empty_label="Any outcome")
    after_surrender = django_filters.ChoiceFilter(
        label="After surrender", choices=AfterSurrender.choices, empty_label="Anything after surrender"
    )
    requesting_state = django_filters.ChoiceFilter(choices=country_choices, empty_label="Any requesting state")
    requested_state = django_filters.ChoiceFilter(choices=country_choices, empty_label="Any requested state")
    # Free text rather than a list: a desk can have tens of thousands of people on file.
    person = django_filters.CharFilter(
        label="Person",
        method="filter_person",
        widget=forms.TextInput(attrs={"placeholder": "Name or spelling"}),
    )
    # Plain (id, name) pairs: building a model instance per court on every page cost more than the query.
    court = django_filters.ChoiceFilter(
        label="Court or authority",
        choices=lambda: list(Authority.objects.order_by("name").values_list("pk", "name")),
        method="filter_court",
        empty_label="Any authority",
    )
    authority_kind = django_filters.ChoiceFilter(
        label="Acted on by",
        choices=Authority.Kind.choices,
        method="filter_authority_kind",
        empty_label="Any kind of authority",
    )
    decision = django_filters.ChoiceFilter(
        label="Decision taken",
        choices=decision_choices,
        method="filter_decision",
        empty_label="Any decision",
        widget=GroupedSelect,
    )
    category = django_filters.ChoiceFilter(
        label="Status update about",
        choices=StatusCategory.choices,
        method="filter_category",
        empty_label="Anything",
    )
    confidence = django_filters.ChoiceFilter(
        label="Has an entry that is",
        choices=Confidence.choices,
        method="filter_confidence",
        empty_label="Any confidence",
    )
    related = django_filters.ChoiceFilter(
        label="Has related matters", choices=YES_NO, method="filter_related", empty_label="Either"
    )
    last_event = django_filters.DateFromToRangeFilter(
        label="Last event between",
        field_name="last_activity_on",
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )
    sort = django_filters.ChoiceFilter(
        label="Sort by",
        choices=[("activity", "Last activity"), ("title", "Title"), ("stage", "Stage")],
        method="sort_by",
        empty_label=None,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        use_fast_selects(self.form)

    class Meta:
        model = Case
        fields = [
            "q", "stage", "status", "outcome", "after_surrender", "requesting_state", "requested_state", "person", "court",
            "authority_kind", "decision", "category", "confidence", "related",
        ]

    def filter_text(self, queryset, name, value: str):
        """Every word must appear in the case (title, reference, offences, people and their name
        variants), in one of its events' summaries, or in a statement's quote; words match as
        prefixes ("huss" finds "Hussain")."""
        for word in value.split()[:search.MAX_SEARCH_WORDS]:
            queryset = queryset.filter(search.word_matches(word))
        return queryset

    def filter_status(self, queryset, name, value: str):
        if value == "open":
            return queryset.open()
        if value == "closed_extradited":
            return queryset.closed().filter(outcome=Outcome.EXTRADITED)
        if value == "closed_not_extradited":
            return queryset.closed().filter(outcome__in=Outcome.without_extradition())
        return queryset.closed()

    def filter_person(self, queryset, name, value: str):
        """A person's id (links from a person's page) or any of their names and spellings."""
        value = value.strip()
        people = Person.objects.filter(pk=int(value)) if value.isdecimal() and len(value) < 18 else Person.objects.matching(value)
        return queryset.filter(Exists(CaseParty.objects.filter(case=OuterRef("pk"), person__in=people.values("pk"))))

    def filter_court(self, queryset, name, value: str):
        return queryset.filter(Exists(Event.objects.filter(case=OuterRef("pk"), authority_id=value)))

    # The event facets: cases with at least one live entry of that sort.
    def _with_event(self, queryset, **conditions):
        return queryset.filter(Exists(Event.objects.filter(case=OuterRef("pk"), **conditions)))

    def filter_authority_kind(self, queryset, name, value: str):
        return self._with_event(queryset, authority__kind=value)

    def filter_decision(self, queryset, name, value: str):
        kind, _, decision = value.partition(":")
        return self._with_event(queryset, kind=kind, decision=decision)

    def filter_category(self, queryset, name, value: str):
        return self._with_event(queryset, kind=Event.Kind.STATUS, category=value)

    def filter_confidence(self, queryset, name, value: str):
        return self._with_event(queryset, confidence=value)

    def filter_related(self, queryset, name, value: str):
        # Links to a deleted case do not count: its page and links are gone.
        linked = Exists(
            CaseRelation.objects.filter(case=OuterRef("pk"), related_case__deleted_at__isnull=True)
        ) | Exists(CaseRelation.objects.filter(related_case=OuterRef("pk"), case__deleted_at__isnull=True))
        return queryset.filter(linked) if value == "yes" else queryset.exclude(linked)

    # Cases with no event yet come last when sorting by activity, on SQLite and PostgreSQL alike.
    ORDERINGS = {
        "activity": (F("last_activity_on").desc(nulls_last=True), "title", "pk"),
        "title": ("title", "pk"),
        # The usual order of an extradition matter, not the alphabet.
        "stage": (
            SqlCase(*[When(stage=stage, then=Value(position)) for position, stage in enumerate(Stage.values)]),
            F("last_activity_on").desc(nulls_last=True),
            "pk",
        ),
    }

    def sort_by(self, queryset, name, value: str):
        return queryset.order_by(*self.ORDERINGS.get(value, self.ORDERINGS["activity"]))

    @property
    def qs(self):
        queryset = super().qs
        if not self.form.cleaned_data.get("sort"):
            queryset = queryset.order_by(*self.ORDERINGS["activity"])
        return queryset


def stage_counts(*, data) -> dict[str, int]:
    """How many cases each stage holds under every current filter but the stage itself."""
    without_stage = data.copy()
    without_stage.pop("stage", None)
    without_stage.pop("page", None)
    filterset = CaseFilter(without_stage, queryset=Case.objects.all())
    filterset.is_valid()
    queryset = filterset.qs.order_by()
    # COUNT(*) rather than COUNT(id): the id is not in the facets index, and the count can then
    # be read from that index alone.
    return dict(queryset.values_list("stage").annotate(n=Count("*")).values_list("stage", "n"))
