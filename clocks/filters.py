"""The Clocks page's filters, kept in the query string like the case list's."""

import datetime

import django_filters
from django.db.models import Q
from django.utils import timezone

from cases.countries import country_choices

from .catalogue import catalogue
from .models import Clock

WINDOWS = [
    ("7", "Due in the next 7 days"),
    ("30", "Due in the next 30 days"),
    ("lapsed", "Lapsed in the last 30 days"),
    ("open", "Running or lapsed"),
    ("settled", "Met or stopped"),
    ("all", "All clocks"),
]


def rule_choices():
    return sorted(((rule.id, f"{rule.title} ({rule.citation})") for rule in catalogue().values()), key=lambda pair: pair[1])


class ClockFilter(django_filters.FilterSet):
    window = django_filters.ChoiceFilter(
        label="Show", choices=WINDOWS, method="filter_window", empty_label="Running or lapsed", null_label=None
    )
    requested_state = django_filters.ChoiceFilter(
        label="Requested state", field_name="case__requested_state", choices=country_choices, empty_label="Any requested state"
    )
    requesting_state = django_filters.ChoiceFilter(
        label="Requesting state", field_name="case__requesting_state", choices=country_choices,
        empty_label="Any requesting state",
    )
    rule_id = django_filters.ChoiceFilter(label="Rule", choices=rule_choices, empty_label="Any rule")

    class Meta:
        model = Clock
        fields = ["window", "requested_state", "requesting_state", "rule_id"]

    @property
    def qs(self):
        queryset = super().qs
        if not self.form.is_valid() or not self.form.cleaned_data.get("window"):
            queryset = self.filter_window(queryset, "window", "open")
        return queryset

    def filter_window(self, queryset, name, value):
        today = timezone.localdate()
        # The last day as shown: the analyst's correction where there is one.
        first = Q(corrected_due_on__isnull=False)
        if value in ("7", "30"):
            end = today + datetime.timedelta(days=int(value))
            corrected = first & Q(corrected_due_on__gte=today, corrected_due_on__lte=end)
            computed = Q(corrected_due_on__isnull=True, due_latest__gte=today, due_earliest__lte=end)
            return queryset.open().filter(corrected | computed)
        if value == "lapsed":
            start = today - datetime.timedelta(days=30)
            corrected = first & Q(corrected_due_on__lt=today, corrected_due_on__gte=start)
            computed = Q(corrected_due_on__isnull=True, due_latest__lt=today, due_latest__gte=start)
            return queryset.open().filter(corrected | computed)
        if value == "open":
            return queryset.open()
        if value == "settled":
            return queryset.exclude(settled="", not_applicable=False)
        return queryset
