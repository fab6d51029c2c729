import django_filters
from django import forms
from django.db.models import Q
from django_countries import countries

from cases.models import Case, Treaty


class MatterFilter(django_filters.FilterSet):
    """Which matters the figures cover: by the two states, the treaty, words of the offences, and a
    period (matters that were open at some time within it)."""

    requested_state = django_filters.ChoiceFilter(label="Requested state", choices=countries)
    requesting_state = django_filters.ChoiceFilter(label="Requesting state", choices=countries)
    treaty = django_filters.ModelChoiceFilter(label="Treaty", queryset=Treaty.objects.order_by("name"))
    offences = django_filters.CharFilter(label="Offence words", method="filter_offences", max_length=200)
    period_from = django_filters.DateFilter(
        label="Open between", method="filter_period_from", widget=forms.DateInput(attrs={"type": "date"})
    )
    period_to = django_filters.DateFilter(
        label="and", method="filter_period_to", widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = Case
        fields = []

    def filter_offences(self, queryset, name, value):
        for word in value.split()[:10]:
            queryset = queryset.filter(offences__icontains=word)
        return queryset

    def filter_period_from(self, queryset, name, value):
        return queryset.filter(Q(closed_on__isnull=True) | Q(closed_on__gte=value))

    def filter_period_to(self, queryset, name, value):
        return queryset.filter(opened_on__lte=value)
