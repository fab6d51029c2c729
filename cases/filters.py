"""The case list's filters: everything lives in the query string, so a filtered list can be bookmarked."""

import django_filters
from django import forms
from django.db.models import Case as SqlCase
from django.db.models import Count, Exists, F, OuterRef, Q, Value, When
from django_countries import countries

from .models import Case, CaseParty, Event, Forum, Outcome, Person, PersonName, Stage, Statement


class CaseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search",
        method="filter_text",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Title, person, offence, event…"}),
    )
    stage = django_filters.MultipleChoiceFilter(choices=Stage.choices, widget=forms.CheckboxSelectMultiple)
    status = django_filters.ChoiceFilter(
        label="Open or closed",
        choices=[("open", "Open"), ("closed", "Closed")],
        method="filter_status",
        empty_label="Open and closed",
    )
    outcome = django_filters.ChoiceFilter(choices=Outcome.choices, empty_label="Any outcome")
    requesting_state = django_filters.ChoiceFilter(choices=countries, empty_label="Any requesting state")
    requested_state = django_filters.ChoiceFilter(choices=countries, empty_label="Any requested state")
    person = django_filters.ModelChoiceFilter(
        label="Person",
        queryset=Person.objects.all(), method="filter_person", empty_label="Anyone"
    )
    court = django_filters.ModelChoiceFilter(
        label="Court or forum", queryset=Forum.objects.all(), method="filter_court", empty_label="Any court"
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

    class Meta:
        model = Case
        fields = ["q", "stage", "status", "outcome", "requesting_state", "requested_state", "person", "court"]

    def filter_text(self, queryset, name, value):
        """Title, reference, offences, people (with name variants), event summaries and quotes.

        Exists() subqueries rather than joins, so a case matching twice is listed once."""
        words = value.split()
        for word in words[:8]:
            people = Person.objects.filter(
                Q(name__icontains=word) | Exists(PersonName.objects.filter(person=OuterRef("pk"), name__icontains=word))
            )
            queryset = queryset.filter(
                Q(title__icontains=word)
                | Q(reference__icontains=word)
                | Q(offences__icontains=word)
                | Exists(CaseParty.objects.filter(case=OuterRef("pk"), person__in=people))
                | Exists(Event.objects.filter(case=OuterRef("pk"), summary__icontains=word))
                | Exists(
                    Event.objects.filter(
                        case=OuterRef("pk"),
                        statement__in=Statement.objects.filter(quote__icontains=word),
                    )
                )
            )
        return queryset

    def filter_status(self, queryset, name, value):
        return queryset.open() if value == "open" else queryset.closed()

    def filter_person(self, queryset, name, value):
        return queryset.filter(Exists(CaseParty.objects.filter(case=OuterRef("pk"), person=value)))

    def filter_court(self, queryset, name, value):
        return queryset.filter(Exists(Event.objects.filter(case=OuterRef("pk"), forum=value)))

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

    def sort_by(self, queryset, name, value):
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
    queryset = CaseFilter(without_stage, queryset=Case.objects.all()).qs.order_by()
    return dict(queryset.values_list("stage").annotate(n=Count("id")).values_list("stage", "n"))
