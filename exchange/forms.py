"""Forms for importing a file and for confirming the events drafted from an article."""

from django import forms
from django_countries import countries

from cases.dates import DatePrecision
from cases.fields import DayDateField, PartialDateField
from cases.models import Authority, Confidence, Event, ExecutiveDecision, RulingDecision, StatusCategory, Statement

from .drafting.drafts import DEADLINE

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
    published_on = DayDateField(
        label="Published on", help_text="Dates such as “on Friday” or “last month” are read against this day.",
    )
    title = forms.CharField(max_length=300, help_text="The headline, as the source of the events.")
    publisher = forms.CharField(max_length=200, required=False)
    url = forms.URLField(label="Address", max_length=500, required=False, assume_scheme="https")


DRAFT_KINDS = [
    (k, label) for k, label in Event.Kind.choices if k != Event.Kind.STAGE_CHANGE
] + [(DEADLINE, "Deadline")]
# Both vocabularies in one select, grouped; each kind accepts only its own (checked in clean()).
DECISION_CHOICES = [
    ("", "—"),
    ("Court rulings", RulingDecision.choices),
    ("Executive decisions", [(v, label) for v, label in ExecutiveDecision.choices if v != ExecutiveDecision.OTHER]),
]
COMMON_FIELDS = ("record", "date", "summary", "confidence")
# The fields each kind of draft shows: nothing else is asked.
KIND_FIELDS = {
    Event.Kind.RULING: ("authority_name", "authority_country", "authority_level", "decision", "decision_detail"),
    Event.Kind.EXECUTIVE_DECISION: ("authority_name", "authority_country", "official_name", "decision", "decision_detail"),
    Event.Kind.STATEMENT: ("speaker_name", "speaker_title", "government", "body", "channel", "reported_speech", "quote", "gist"),
    Event.Kind.STATUS: ("category",),
    Event.Kind.HEARING: ("authority_name", "authority_country", "hearing_status"),
    Event.Kind.FILING: ("filing_type", "filed_by"),
    Event.Kind.CUSTODY: ("custody_change",),
    DEADLINE: ("deadline_title",),
}


class DraftForm(forms.Form):
    """One proposed event, editable; only the ticked ones are recorded."""

    record = forms.BooleanField(required=False, label="Record this event")
    add_source = forms.BooleanField(required=False, label="Add this article as a further source of the recorded event")
    kind = forms.ChoiceField(choices=DRAFT_KINDS, widget=forms.HiddenInput)
    date = PartialDateField(label="Date", required=False)
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    confidence = forms.ChoiceField(choices=Confidence.choices, initial=Confidence.REPORTED)
    authority_name = forms.CharField(label="Court or authority", max_length=200, required=False)
    authority_country = forms.ChoiceField(label="Its country", choices=[("", "—")] + list(countries), required=False)
    authority_kind = forms.ChoiceField(label="Kind of authority", choices=[("", "—")] + Authority.Kind.choices, required=False,
                                       widget=forms.HiddenInput)
    authority_level = forms.ChoiceField(label="Court's level", choices=[("", "—")] + Authority.Level.choices, required=False)
    decision = forms.ChoiceField(choices=DECISION_CHOICES, required=False)
    decision_detail = forms.CharField(label="Decision detail", max_length=300, required=False)
    official_name = forms.CharField(label="Official who decided", max_length=200, required=False)
    category = forms.ChoiceField(label="About", choices=[("", "—")] + StatusCategory.choices, required=False)
    government = forms.ChoiceField(choices=[("", "—")] + list(countries), required=False)
    body = forms.CharField(max_length=200, required=False, help_text="Ministry or department.")
    speaker_name = forms.CharField(label="Speaker", max_length=200, required=False)
    speaker_title = forms.CharField(label="Speaker's title", max_length=200, required=False)
    channel = forms.ChoiceField(choices=[("", "Unknown")] + Statement.Channel.choices, required=False)
    reported_speech = forms.BooleanField(label="Reported speech (no verbatim quote)", required=False)
    quote = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=5000, required=False,
                            help_text="The words as said, verbatim.")
    gist = forms.CharField(label="What was said", widget=forms.Textarea(attrs={"rows": 2}), max_length=5000,
                           required=False, help_text="For reported speech, as the source reports it.")
    custody_change = forms.ChoiceField(choices=[("", "—")] + Event.CustodyChange.choices, required=False)
    filing_type = forms.ChoiceField(label="Filing", choices=[("", "—")] + Event.FilingType.choices, required=False)
    filed_by = forms.CharField(label="Filed by", max_length=200, required=False)
    hearing_status = forms.ChoiceField(label="Hearing", choices=[("", "—")] + Event.HearingStatus.choices, required=False)
    deadline_title = forms.CharField(label="What is due", max_length=200, required=False)
    # Shown to the analyst, carried between the two steps, never trusted for writing.
    evidence = forms.CharField(widget=forms.HiddenInput, required=False, max_length=5000)
    clause = forms.CharField(widget=forms.HiddenInput, required=False, max_length=5000)
    why = forms.CharField(widget=forms.HiddenInput, required=False, max_length=500)
    date_as_written = forms.CharField(widget=forms.HiddenInput, required=False, max_length=200)
    about_case = forms.BooleanField(widget=forms.HiddenInput, required=False)
    speaker_role = forms.CharField(widget=forms.HiddenInput, required=False, max_length=20)
    recorded_event_id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    recorded_as = forms.CharField(widget=forms.HiddenInput, required=False, max_length=500)
    also_told_in = forms.CharField(widget=forms.HiddenInput, required=False, max_length=5000)

    def kind_fields(self):
        """The visible fields of this draft's kind, in order."""
        kind = self["kind"].value()
        names = [n for n in COMMON_FIELDS if n != "record"] + list(KIND_FIELDS.get(kind, ()))
        if kind == DEADLINE:
            names = [n for n in names if n != "confidence"]
        return [self[name] for name in names]

    def evidence_parts(self) -> tuple[str, str, str]:
        """The sentence, cut around the words that tell this event, for highlighting."""
        evidence, clause = self["evidence"].value() or "", (self["clause"].value() or "").strip()
        at = evidence.find(clause) if clause else -1
        if at < 0:
            return evidence, "", ""
        return evidence[:at], clause, evidence[at + len(clause):]

    def clean(self):
        data = super().clean()
        if not data.get("record"):
            return data
        kind = data.get("kind")
        reading = data.get("date")
        if reading is None:
            if "date" not in self.errors:
                self.add_error("date", "The report gives no date for this event: enter the date (e.g. 21 Apr 2025, April 2025, 2025) or untick it.")
        elif kind == DEADLINE and reading.precision != DatePrecision.DAY:
            self.add_error("date", "A deadline falls on a day: give the day too, e.g. 21 Apr 2025.")
        else:
            data["occurred_on"] = reading.value
            data["date_precision"], data["date_approximate"] = reading.precision, reading.approximate
        speech = "gist" if data.get("reported_speech") else "quote"
        needed = {
            Event.Kind.RULING: ("authority_name", "authority_country", "decision"),
            Event.Kind.EXECUTIVE_DECISION: ("authority_name", "authority_country", "decision"),
            Event.Kind.STATEMENT: ("government", "body", speech),
            Event.Kind.CUSTODY: ("custody_change",),
            Event.Kind.STATUS: ("category",),
            Event.Kind.HEARING: ("hearing_status",),
            Event.Kind.FILING: ("filing_type",),
            DEADLINE: ("deadline_title",),
        }.get(kind, ())
        for name in needed:
            if not data.get(name):
                self.add_error(name, "Required for this kind of event.")
        vocabulary = {Event.Kind.RULING: RulingDecision, Event.Kind.EXECUTIVE_DECISION: ExecutiveDecision}.get(kind)
        if vocabulary and data.get("decision") and data["decision"] not in vocabulary.values:
            self.add_error("decision", f"Not a decision of a {Event.Kind(kind).label.lower()}.")
        return data


DraftFormSet = forms.formset_factory(DraftForm, extra=0, max_num=50, validate_max=True)
