"""Forms for importing a file and for confirming the events drafted from an article."""

from django import forms
from django.core.exceptions import ValidationError
from django_countries import countries

from cases.dates import DatePrecision, partial_date_parse
from cases.models import Confidence, Event, Authority, Statement

ARTICLE_MAX = 100_000


class ImportForm(forms.Form):
    file = forms.FileField(help_text="A JSON or CSV file laid out like the export.")
    format = forms.ChoiceField(
        choices=[("", "From the file name"), ("json", "JSON"), ("csv", "CSV")], required=False, label="Format"
    )


class ArticleForm(forms.Form):
    text = forms.CharField(
        label="Text of the article", widget=forms.Textarea(attrs={"rows": 14}), max_length=ARTICLE_MAX,
        help_text="Paste the report as published; headlines and captions may stay.",
    )
    published_on = forms.DateField(
        label="Published on", widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Dates such as “on Friday” or “last month” are read against this day.",
    )
    title = forms.CharField(max_length=300, help_text="The headline, as the source of the events.")
    publisher = forms.CharField(max_length=200, required=False)
    url = forms.URLField(label="Address", max_length=500, required=False, assume_scheme="https")


DRAFT_KINDS = [
    (k, label) for k, label in Event.Kind.choices
    if k in (Event.Kind.RULING, Event.Kind.STATEMENT, Event.Kind.CUSTODY, Event.Kind.STATUS)
]


class DraftForm(forms.Form):
    """One proposed event, editable; only the ticked ones are recorded."""

    record = forms.BooleanField(required=False, label="Record this event")
    kind = forms.ChoiceField(choices=DRAFT_KINDS)
    date = forms.CharField(max_length=10, help_text="YYYY-MM-DD, YYYY-MM or YYYY, matching the precision.")
    date_precision = forms.ChoiceField(choices=DatePrecision.choices, label="Date known to")
    date_approximate = forms.BooleanField(required=False, label="Approximate date")
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    confidence = forms.ChoiceField(choices=Confidence.choices, initial=Confidence.REPORTED)
    authority_name = forms.CharField(label="Court", max_length=200, required=False)
    authority_country = forms.ChoiceField(label="Court's country", choices=[("", "—")] + list(countries), required=False)
    authority_level = forms.ChoiceField(label="Court's level", choices=[("", "—")] + Authority.Level.choices, required=False)
    decision = forms.ChoiceField(choices=[("", "—")] + Event.Decision.choices, required=False)
    government = forms.ChoiceField(choices=[("", "—")] + list(countries), required=False)
    body = forms.CharField(max_length=200, required=False, help_text="Ministry or department.")
    speaker_name = forms.CharField(label="Speaker", max_length=200, required=False)
    speaker_title = forms.CharField(label="Speaker's title", max_length=200, required=False)
    channel = forms.ChoiceField(choices=[("", "—")] + Statement.Channel.choices, required=False)
    quote = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=5000, required=False)
    custody_change = forms.ChoiceField(choices=[("", "—")] + Event.CustodyChange.choices, required=False)
    # Shown to the analyst, carried between the two steps, never trusted for writing.
    evidence = forms.CharField(widget=forms.HiddenInput, required=False, max_length=5000)
    why = forms.CharField(widget=forms.HiddenInput, required=False, max_length=500)
    date_as_written = forms.CharField(widget=forms.HiddenInput, required=False, max_length=200)
    about_case = forms.BooleanField(widget=forms.HiddenInput, required=False)

    def clean(self):
        data = super().clean()
        if not data.get("record"):
            return data
        if data.get("date") and data.get("date_precision"):
            try:
                data["occurred_on"] = partial_date_parse(data["date"], precision=data["date_precision"])
            except ValidationError as error:
                self.add_error("date", error)
        kind = data.get("kind")
        needed = {
            Event.Kind.RULING: ("authority_name", "authority_country", "decision"),
            Event.Kind.STATEMENT: ("government", "body", "channel", "quote"),
            Event.Kind.CUSTODY: ("custody_change",),
        }.get(kind, ())
        for name in needed:
            if not data.get(name):
                self.add_error(name, "Required for this kind of event.")
        return data


DraftFormSet = forms.formset_factory(DraftForm, extra=0, max_num=50, validate_max=True)
