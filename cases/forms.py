"""
Forms for the analyst's workspace. They check what a person typed and say what is wrong next to
the field; the rules of the record itself (a stage change must move, a ruling cannot be in the
future) live in the services, whose errors the views attach to these forms.
"""

import re

from django import forms
from django.db.models import Q
from django.urls import reverse_lazy
from django.core.validators import MaxLengthValidator
from django_countries import countries
from django_countries.fields import LazyTypedChoiceField

from .dates import DatePrecision, partial_date_parse, partial_date_text
from .models import Case, CaseParty, Confidence, Event, Authority, Outcome, Person, PersonName, Stage, Statement
from .services import EVENT_KIND_FIELDS
from .widgets import use_fast_selects

SUMMARY_MAX = 2000
QUOTE_MAX = 5000
LONG_TEXT_MAX = 10000


def _limit(field: forms.Field, limit: int) -> forms.Field:
    """Give a free-text field a length limit with a message that says how long it may be."""
    field.max_length = limit
    field.validators.append(MaxLengthValidator(limit))
    field.widget.attrs["maxlength"] = str(limit)
    return field


class PersonLookupField(forms.CharField):
    """A person typed by name (or any recorded spelling), with suggestions as one types.

    A list of every person on file would not scale to a desk's tens of thousands of people."""

    _ID = re.compile(r"^#(\d{1,18})\b")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={
                    "list": "people-suggestions",
                    "autocomplete": "off",
                    "hx-get": reverse_lazy("cases:person_suggest"),
                    "hx-trigger": "input changed delay:300ms",
                    "hx-target": "#people-suggestions",
                    "hx-sync": "this:replace",
                }
            ),
        )
        kwargs.setdefault("help_text", "Type a name or spelling and pick from the suggestions.")
        super().__init__(*args, **kwargs)

    def prepare_value(self, value):
        return value.name if isinstance(value, Person) else value

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        if match := self._ID.match(text):
            person = Person.objects.filter(pk=int(match.group(1))).first()
            if person is None:
                raise forms.ValidationError("No person has the number %(id)s.", params={"id": match.group(1)})
            return person
        people = list(
            Person.objects.filter(Q(name__iexact=text) | Q(names__name__iexact=text)).distinct().order_by("pk")[:6]
        )
        if len(people) == 1:
            return people[0]
        if not people:
            raise forms.ValidationError(
                "No one called “%(name)s” is on file: check the spelling, or add them as a new person.",
                params={"name": text},
            )
        raise forms.ValidationError(
            "Several people are called “%(name)s”: %(choices)s. Type the number (e.g. #%(first)s) to choose one.",
            params={"name": text, "choices": "; ".join(f"#{p.pk} {p.name}" for p in people), "first": people[0].pk},
        )


class VersionedForm(forms.Form):
    """Carries the version of the record the editor started from, to catch a concurrent edit.

    Every editing form derives from it, so it is also where long selects get the fast widget."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        use_fast_selects(self)


class PartialDateMixin(forms.Form):
    """A date as analysts know it: "2025-01-21", "2025-04" or "2025", with the precision beside it."""

    date = forms.CharField(
        label="Date",
        max_length=10,
        help_text="YYYY-MM-DD, or YYYY-MM when only the month is known, or YYYY for the year.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "2025-01-21", "autocomplete": "off"}),
    )
    date_precision = forms.ChoiceField(label="Date known to", choices=DatePrecision.choices, initial=DatePrecision.DAY)
    date_approximate = forms.BooleanField(label="Approximate date", required=False)
    reported_on = forms.DateField(
        label="Reported on",
        required=False,
        help_text="When the news reported it, if later.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def initial_date_from(self, event: Event):
        self.initial["date"] = partial_date_text(event.occurred_on, precision=event.date_precision)

    def clean(self):
        cleaned = super().clean()
        text, precision = cleaned.get("date"), cleaned.get("date_precision")
        if text and precision:
            try:
                cleaned["occurred_on"] = partial_date_parse(text, precision=precision)
            except forms.ValidationError as error:
                self.add_error("date", error)
        return cleaned


class SourceForm(forms.Form):
    url = forms.URLField(label="Address", required=False, max_length=500, assume_scheme="https")
    title = forms.CharField(label="Title", required=False, max_length=300)
    publisher = forms.CharField(label="Publisher", required=False, max_length=200)
    published_on = forms.DateField(label="Published on", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        if (cleaned.get("publisher") or cleaned.get("published_on")) and not (cleaned.get("url") or cleaned.get("title")):
            raise forms.ValidationError("Give the source's address or its title.")
        if cleaned.get("url") and not cleaned.get("title"):
            cleaned["title"] = cleaned["url"]
        return cleaned


SourceFormSet = forms.formset_factory(SourceForm, extra=2, max_num=10, validate_max=True)


class EventForm(PartialDateMixin, VersionedForm):
    """Fields every event has; a subclass per kind adds its own (see event_form_class)."""

    summary = _limit(
        forms.CharField(label="Summary", widget=forms.Textarea(attrs={"rows": 3}), help_text="What happened, in a sentence or two."),
        SUMMARY_MAX,
    )
    confidence = forms.ChoiceField(label="Confidence", choices=Confidence.choices, initial=Confidence.REPORTED)

    kind_fields: tuple[str, ...] = ()

    def kind_values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.kind_fields}

    def common_values(self) -> dict:
        data = self.cleaned_data
        return {
            "occurred_on": data["occurred_on"],
            "date_precision": data["date_precision"],
            "date_approximate": data["date_approximate"],
            "reported_on": data["reported_on"],
            "summary": data["summary"],
            "confidence": data["confidence"],
        }


class AuthorityChoiceMixin(forms.Form):
    """Choose a known court, or name a new one, which is created with the event."""

    authority = forms.ModelChoiceField(label="Court or authority", queryset=Authority.objects.all(), required=False)
    new_authority_name = forms.CharField(label="…or a court not listed yet", required=False, max_length=200)
    new_authority_country = LazyTypedChoiceField(label="Its country", choices=[("", "—")] + list(countries), required=False)
    new_authority_level = forms.ChoiceField(label="Its level", choices=[("", "—")] + Authority.Level.choices, required=False)
    authority_required = True

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("new_authority_name"):
            if cleaned.get("authority"):
                self.add_error("new_authority_name", "Choose a listed court or name a new one, not both.")
            if not cleaned.get("new_authority_level"):
                self.add_error("new_authority_level", "Say what kind of court or body it is.")
        elif self.authority_required and not cleaned.get("authority"):
            self.add_error("authority", "Choose the court, or name a new one below.")
        return cleaned


def _kind_model_fields(kind: str) -> dict[str, forms.Field]:
    fields = {}
    for name in EVENT_KIND_FIELDS[kind]:
        if name == "authority":
            continue
        model_field = Event._meta.get_field(name)
        field = model_field.formfield()
        if name in ("decision", "hearing_status", "filing_type", "custody_change"):
            field.required = True
        fields[name] = field
    return fields


def event_form_class(kind: str) -> type[EventForm]:
    """The form for one kind of event: the common fields plus that kind's own."""
    if kind == Event.Kind.STATEMENT:
        return StatementEventForm
    if kind == Event.Kind.STAGE_CHANGE:
        return StageChangeForm
    bases = (AuthorityChoiceMixin, EventForm) if "authority" in EVENT_KIND_FIELDS[kind] else (EventForm,)
    attrs = _kind_model_fields(kind)
    attrs["kind_fields"] = tuple(attrs)
    # What the analyst reads first in the report comes first: the court and decision, then the date.
    authority_fields = ["authority", "new_authority_name", "new_authority_country", "new_authority_level"] if AuthorityChoiceMixin in bases else []
    attrs["field_order"] = authority_fields + list(attrs["kind_fields"]) + ["date", "date_precision", "date_approximate"]
    return type(f"{Event.Kind(kind).name.title()}EventForm", bases, attrs)


class StatementEventForm(EventForm):
    government = LazyTypedChoiceField(label="Government", choices=[("", "—")] + list(countries))
    body = forms.CharField(label="Body", max_length=200, help_text="Ministry or department.")
    speaker = PersonLookupField(label="Speaker", required=False)
    new_speaker = forms.CharField(label="…or a speaker not listed yet", required=False, max_length=200)
    speaker_title = forms.CharField(label="Speaker's title", required=False, max_length=200)
    channel = forms.ChoiceField(label="Channel", choices=Statement.Channel.choices)
    quote = _limit(
        forms.CharField(label="Quote", widget=forms.Textarea(attrs={"rows": 4}), help_text="Verbatim, as said."),
        QUOTE_MAX,
    )
    also_cases = forms.CharField(
        label="Also concerns",
        required=False,
        max_length=1000,
        help_text="References of other cases this statement speaks to, separated by commas; "
        "it appears on each of their timelines.",
    )

    statement_fields = ("government", "body", "speaker_title", "channel", "quote")
    field_order = ["government", "body", "speaker", "new_speaker", "speaker_title", "channel", "quote", "date"]

    def __init__(self, *args, case: Case | None = None, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case
        if editing:
            del self.fields["also_cases"]

    def clean_also_cases(self) -> list[Case]:
        references = {r.strip() for r in self.cleaned_data["also_cases"].replace(";", ",").split(",") if r.strip()}
        if self.case is not None:
            references.discard(self.case.reference)
        found = {c.reference: c for c in Case.objects.filter(reference__in=references)}
        missing = sorted(references - set(found))
        if missing:
            raise forms.ValidationError("No case has the reference %(refs)s.", params={"refs": ", ".join(missing)})
        return list(found.values())

    def clean_quote(self):
        quote = self.cleaned_data["quote"].strip()
        if not quote:
            raise forms.ValidationError("A statement needs the words that were said.")
        return quote

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("speaker") and cleaned.get("new_speaker"):
            self.add_error("new_speaker", "Choose a listed speaker or name a new one, not both.")
        return cleaned

    def statement_values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.statement_fields}


class StageChangeForm(PartialDateMixin, VersionedForm):
    field_order = ["to_stage", "summary", "date"]
    to_stage = forms.ChoiceField(label="New stage", choices=Stage.choices)
    summary = _limit(
        forms.CharField(label="Reason", widget=forms.Textarea(attrs={"rows": 3}), help_text="Why the stage changed."),
        SUMMARY_MAX,
    )
    confidence = forms.ChoiceField(label="Confidence", choices=Confidence.choices, initial=Confidence.REPORTED)


class CaseForm(VersionedForm, forms.ModelForm):
    class Meta:
        model = Case
        fields = ["title", "reference", "requesting_state", "requested_state", "offences", "treaty", "summary", "opened_on"]
        widgets = {
            "offences": forms.Textarea(attrs={"rows": 2}),
            "summary": forms.Textarea(attrs={"rows": 4}),
            "opened_on": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _limit(self.fields["offences"], SUMMARY_MAX)
        _limit(self.fields["summary"], LONG_TEXT_MAX)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("requesting_state") and cleaned.get("requesting_state") == cleaned.get("requested_state"):
            self.add_error("requested_state", "The requested state must differ from the requesting state.")
        return cleaned

    def validate_unique(self):
        # Uniqueness is checked by the service's full_clean, against the row it is about to save.
        pass

    def _post_clean(self):
        # The service validates the model; a ModelForm's own model validation would run on a stale copy.
        pass


class CaseCreateForm(CaseForm):
    stage = forms.ChoiceField(label="Stage reached", choices=Stage.choices, initial=Stage.REQUEST_MADE)
    person_sought = PersonLookupField(label="Person sought", required=False)
    new_person_sought = forms.CharField(label="…or a person not listed yet", required=False, max_length=200)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("person_sought") and cleaned.get("new_person_sought"):
            self.add_error("new_person_sought", "Choose a listed person or name a new one, not both.")
        return cleaned


class CaseCloseForm(forms.Form):
    outcome = forms.ChoiceField(label="Outcome", choices=Outcome.choices)
    closed_on = forms.DateField(label="Closed on", widget=forms.DateInput(attrs={"type": "date"}))
    note = _limit(forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 2})), SUMMARY_MAX)


class CaseReopenForm(forms.Form):
    reason = _limit(forms.CharField(label="Why reopen", widget=forms.Textarea(attrs={"rows": 2})), SUMMARY_MAX)
    on = forms.DateField(label="Reopened on", widget=forms.DateInput(attrs={"type": "date"}))


class CasePartyForm(forms.Form):
    person = PersonLookupField(label="Person", required=False)
    new_person = forms.CharField(label="…or a person not listed yet", required=False, max_length=200)
    role = forms.ChoiceField(label="Role", choices=CaseParty.Role.choices)
    note = forms.CharField(label="Note", required=False, max_length=300)

    def clean(self):
        cleaned = super().clean()
        if bool(cleaned.get("person")) == bool(cleaned.get("new_person")):
            raise forms.ValidationError("Choose a listed person or name a new one.")
        return cleaned


class PersonForm(VersionedForm, forms.ModelForm):
    class Meta:
        model = Person
        fields = ["name", "nationality", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _limit(self.fields["description"], SUMMARY_MAX)

    def _post_clean(self):
        pass


class PersonSearchForm(forms.Form):
    q = forms.CharField(label="Name or spelling", required=False, max_length=200)


PersonNameFormSet = forms.inlineformset_factory(
    Person, PersonName, fields=["name", "kind"], extra=2, can_delete=True, max_num=30, validate_max=True
)
