"""The case list's filters: everything lives in the query string, so a filtered list can be bookmarked."""

import django_filters
from django import forms
from django.db.models import Case as SqlCase
from django.db.models import Count, Exists, F, OuterRef, Q, Value, When

from . import facets, names, search
from .countries import country_choices
from .dates import partial_date_bounds
from .fields import PartialDateField
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
from .widgets import KeptFieldGroup, use_fast_selects


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


class PartialDateRangeField(django_filters.fields.RangeField):
    """Two dates typed as analysts write them (as in every form), a partial one standing for its whole
    period: from "2024" to "Mar 2025" is from 1 January 2024 to 31 March 2025."""

    widget = django_filters.widgets.DateRangeWidget

    def __init__(self, *args, **kwargs):
        super().__init__((PartialDateField(required=False), PartialDateField(required=False)), *args, **kwargs)

    def compress(self, data_list):
        if not data_list or not any(data_list):
            return None
        start, stop = data_list

        def bounds(reading):
            return partial_date_bounds(reading.value, precision=reading.precision, approximate=reading.approximate)

        return slice(bounds(start).earliest if start else None, bounds(stop).latest if stop else None)


class PartialDateFromToRangeFilter(django_filters.RangeFilter):
    field_class = PartialDateRangeField


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
    last_event = PartialDateFromToRangeFilter(
        label="Last event between",
        field_name="last_activity_on",
        help_text="E.g. 2024 and Mar 2025: a month or a year stands for all of it.",
    )
    sort = django_filters.ChoiceFilter(
        label="Sort by",
        choices=[("activity", "Last activity"), ("title", "Title"), ("stage", "Stage")],
        method="sort_by",
        # Chosen when nothing is: a search's best matches first, else the last activity.
        empty_label="Best match, or last activity",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        use_fast_selects(self.form)
        self.form.bound_field_class = KeptFieldGroup

    class Meta:
        model = Case
        fields = [
            "q", "stage", "status", "outcome", "after_surrender", "requesting_state", "requested_state", "person", "court",
            "authority_kind", "decision", "category", "confidence", "related",
        ]

    def filter_text(self, queryset, name, value: str):
        """Every word must begin a word of something the case page shows (its own text, its people
        and their name variants, and every event's text, authority, officials, speakers, quotes and
        sources): "huss" finds "Hussain", "26/11" finds the Mumbai attacks (see ``cases.search``).
        Without another sort chosen, the best matches come first."""
        return search.case_search(queryset, value)

    @property
    def text_suggestion(self) -> str | None:
        """The search to offer ("Did you mean …") when the words searched for are misspelt."""
        self.is_valid()
        value = (self.form.cleaned_data.get("q") or "").strip()
        return search.word_suggestion(value) if value else None

    def filter_status(self, queryset, name, value: str):
        if value == "open":
            return queryset.open()
        if value == "closed_extradited":
            return queryset.closed().filter(outcome=Outcome.EXTRADITED)
        if value == "closed_not_extradited":
            return queryset.closed().filter(outcome__in=Outcome.without_extradition())
        return queryset.closed()

    def filter_person(self, queryset, name, value: str):
        """A person's id (links from a person's page) or a name as people write it: any of the
        person's names and spellings, words in any order, short forms and misspellings
        (``cases.names``, which reads the matching people once per request)."""
        value = value.strip()
        if value.isdecimal() and len(value) < 18:
            people = Person.objects.filter(pk=int(value))
        else:
            people = names.people_matching(value)
        parties = CaseParty.objects.filter(case=OuterRef("pk"), person__in=people.order_by().values("pk"))
        return queryset.filter(Exists(parties))

    @property
    def person_suggestion(self) -> str | None:
        """The recorded name to offer ("Did you mean …") when the person filter's words match no one's."""
        self.is_valid()  # cleans the form once; other fields' errors do not matter here
        value = (self.form.cleaned_data.get("person") or "").strip()
        if not value or value.isdecimal():
            return None
        return names.name_suggestion(value)

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
            # A search's best matches first; a list without one, by activity.
            relevance = search.relevance_order(self.form.cleaned_data.get("q") or "")
            queryset = queryset.order_by(*(relevance or self.ORDERINGS["activity"]))
        return queryset


def _facet_condition(name: str, value) -> Q | None:
    """The condition on the kept counts' rows (cases.facets) that stands for one filter, or None when
    they cannot answer it."""
    if name in ("requesting_state", "requested_state", "outcome", "after_surrender"):
        return Q(**{name: value})
    if name == "status":
        return {
            "open": Q(is_open=True),
            "closed": Q(is_open=False),
            "closed_extradited": Q(is_open=False, outcome=Outcome.EXTRADITED),
            "closed_not_extradited": Q(is_open=False, outcome__in=Outcome.without_extradition()),
        }.get(value)
    return None


def stage_counts(filterset: CaseFilter) -> dict[str, int]:
    """How many cases each stage holds under every current filter but the stage itself.

    Read from the kept counts when every filter is one of their columns (the list as it opens, a
    state, open or closed, an outcome); otherwise counted from the cases the other filters match.
    Reuses the list's own filter set, whose form (with its choices read from the database) is then
    built once per request."""
    filterset.is_valid()
    given = {
        name: value for name, value in filterset.form.cleaned_data.items()
        if name not in ("stage", "sort") and value not in (None, "", [], ())
    }
    conditions = [_facet_condition(name, value) for name, value in given.items()]
    if None not in conditions:
        return facets.facet_stage_counts(where=Q(*conditions))
    queryset = Case.objects.all()
    for name, value in given.items():
        queryset = filterset.filters[name].filter(queryset, value)
    # COUNT(*) rather than COUNT(id): the id is not in the facets index, and the count can then
    # be read from that index alone.
    return dict(queryset.order_by().values_list("stage").annotate(n=Count("*")).values_list("stage", "n"))
