"""
Forms for the analyst's workspace. They check what a person typed and say what is wrong next to
the field; the rules of the record itself (a stage change must move, a ruling cannot be in the
future) live in the services, whose errors the views attach to these forms.
"""

import re
from dataclasses import dataclass

from django import forms
from django.db.models import Q
from django.urls import reverse_lazy
from django.core.validators import MaxLengthValidator
from django_countries import countries
from django_countries.fields import LazyTypedChoiceField

from . import names
from .dates import partial_date_display
from .fields import DayDateField, PartialDateField
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
    PersonName,
    RulingDecision,
    Stage,
    Statement,
    StatusCategory,
    Treaty,
    stage_move_is_back,
)
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


def _suggesting(kwargs: dict, *, datalist: str, url_name: str, help_text: str) -> None:
    """A text input whose suggestions the server fills in (htmx) as one types, into a page-wide datalist."""
    kwargs.setdefault("max_length", 200)
    kwargs.setdefault(
        "widget",
        forms.TextInput(
            attrs={
                "list": datalist,
                "autocomplete": "off",
                "hx-get": reverse_lazy(url_name),
                "hx-trigger": "input changed delay:300ms",
                "hx-target": f"#{datalist}",
                "hx-sync": "this:replace",
            }
        ),
    )
    kwargs.setdefault("help_text", help_text)


@dataclass(frozen=True)
class NewPerson:
    """A name typed into a person field that is nobody on file yet: the person is added with the record."""

    name: str


class PersonLookupField(forms.CharField):
    """A person typed by name (or any recorded spelling), with suggestions as one types; a name that
    is nobody on file is a new person, added with the record (``NewPerson``). When the name is close
    to someone's, the form asks first (``NewPersonMixin``): a misspelling must not become a second
    record of the same person.

    A list of every person on file would not scale to a desk's tens of thousands of people."""

    _ID = re.compile(r"^#(\d{1,18})\b")
    # Set by the form when the analyst confirmed that the name typed is a new person.
    confirmed_new = False

    def __init__(self, *args, **kwargs):
        _suggesting(kwargs, datalist="people-suggestions", url_name="cases:person_suggest",
                    help_text="Type a name or spelling and pick from the suggestions; a name not on file is added as a new person.")
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
        # The name exactly as recorded first; then every typed word a whole word of one person's
        # names, in any order, whatever the accents ("nirav modi" for Nirav Deepak Modi). A prefix
        # or a similar spelling is only offered back: a form must not guess whom it records.
        people = list(
            Person.objects.filter(Q(name__iexact=text) | Q(names__name__iexact=text)).distinct().order_by("pk")[:6]
        ) or list(names.people_named(text).order_by("pk")[:6])
        if len(people) == 1:
            return people[0]
        if not people:
            if self.confirmed_new:
                return NewPerson(" ".join(text.split()))
            closest = names.people_matching(text).first()
            suggestion = names.name_suggestion(text) or (closest.name if closest else None)
            if suggestion:
                raise forms.ValidationError(
                    "No one called “%(name)s” is on file. Did you mean %(suggestion)s? "
                    "If not, tick “Add “%(name)s” as a new person”.",
                    code="maybe_new", params={"name": text, "suggestion": suggestion},
                )
            return NewPerson(" ".join(text.split()))
        raise forms.ValidationError(
            "Several people are called “%(name)s”: %(choices)s. Type the number (e.g. #%(first)s) to choose one.",
            params={"name": text, "choices": "; ".join(f"#{p.pk} {p.name}" for p in people), "first": people[0].pk},
        )


class CaseLookupField(forms.CharField):
    """A case typed by its reference or title, with suggestions as one types (like PersonLookupField)."""

    def __init__(self, *args, **kwargs):
        _suggesting(kwargs, datalist="cases-suggestions", url_name="cases:case_suggest",
                    help_text="Type the case's reference or part of its title and pick from the suggestions.")
        super().__init__(*args, **kwargs)

    def prepare_value(self, value):
        return value.reference if isinstance(value, Case) else value

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        case = Case.objects.filter(reference__iexact=text).first()
        if case is not None:
            return case
        cases = list(Case.objects.filter(title__iexact=text).order_by("pk")[:6])
        if len(cases) == 1:
            return cases[0]
        if not cases:
            raise forms.ValidationError("No case has the reference or title “%(text)s”.", params={"text": text})
        raise forms.ValidationError(
            "Several cases are called “%(text)s”: type the reference of the one you mean (%(choices)s).",
            params={"text": text, "choices": ", ".join(c.reference for c in cases)},
        )


class NewPersonMixin(forms.Form):
    """Asks, beside a person field, whether a name close to someone on file is a new person: the
    box appears once the name has been refused as a likely misspelling, and a ticked box is read
    on the next save."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            return
        for name, field in list(self.fields.items()):
            if isinstance(field, PersonLookupField) and self.data.get(self.add_prefix(f"{name}_is_new")):
                field.confirmed_new = True
                self._new_person_box(name)

    def _new_person_box(self, name: str) -> None:
        typed = " ".join(str(self.data.get(self.add_prefix(name), "")).split())
        self.fields[f"{name}_is_new"] = forms.BooleanField(label=f"Add “{typed}” as a new person", required=False)
        order = []
        for key in self.fields:
            if key != f"{name}_is_new":
                order.append(key)
            if key == name:
                order.append(f"{name}_is_new")
        self.order_fields(order)

    def clean(self):
        cleaned = super().clean()
        for name, field in list(self.fields.items()):
            if isinstance(field, PersonLookupField) and self.has_error(name, "maybe_new") and f"{name}_is_new" not in self.fields:
                self._new_person_box(name)
        return cleaned


class VersionedForm(NewPersonMixin, forms.Form):
    """Carries the version of the record the editor started from, to catch a concurrent edit.

    Every editing form derives from it, so it is also where long selects get the fast widget and
    required fields are marked (their labels get the class, the stylesheet the word)."""

    required_css_class = "required"

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        use_fast_selects(self)


class PartialDateMixin(forms.Form):
    """A date as analysts know it, in one field: "21 Apr 2025", "April 2025", "2025", "c. 2019".

    How exactly it is known and whether it is approximate are read from the words, so they cannot
    disagree with the date; clean() hands them on as occurred_on, date_precision, date_approximate."""

    date = PartialDateField(label="Date")
    reported_on = DayDateField(label="Reported on", required=False, help_text="When the news reported it, if later.")

    def initial_date_from(self, event: Event):
        self.initial["date"] = partial_date_display(
            event.occurred_on, precision=event.date_precision, approximate=event.date_approximate
        )

    def clean(self):
        cleaned = super().clean()
        if reading := cleaned.get("date"):
            cleaned["occurred_on"] = reading.value
            cleaned["date_precision"] = reading.precision
            cleaned["date_approximate"] = reading.approximate
        return cleaned


class SourceForm(forms.Form):
    url = forms.URLField(label="Address", required=False, max_length=500, assume_scheme="https")
    title = forms.CharField(label="Title", required=False, max_length=300)
    publisher = forms.CharField(label="Publisher", required=False, max_length=200)
    published_on = DayDateField(label="Published on", required=False)

    def clean(self):
        cleaned = super().clean()
        if (cleaned.get("publisher") or cleaned.get("published_on")) and not (cleaned.get("url") or cleaned.get("title")):
            raise forms.ValidationError("Give the source's address or its title.")
        if cleaned.get("url") and not cleaned.get("title"):
            cleaned["title"] = cleaned["url"]
        return cleaned


SourceFormSet = forms.formset_factory(SourceForm, extra=2, max_num=10, validate_max=True)


class GroupedSelect(forms.Select):
    """A select whose options come in groups (<optgroup>). Django's own rendering: FastSelect draws
    no groups, and the grouped lists (decisions, filters) are short enough not to need it."""


# How an analyst looks for a court's decision: by the part of the process it belongs to.
RULING_DECISION_GROUPS: dict[str, tuple[str, ...]] = {
    "Extradition proceedings": (
        RulingDecision.CERTIFIED, RulingDecision.COMMITTED, RulingDecision.ORDER_MADE, RulingDecision.SENT_TO_MINISTER,
        RulingDecision.REFUSED, RulingDecision.DISCHARGED, RulingDecision.AUTHORISATION_REVOKED,
    ),
    "Appeals and reviews": (
        RulingDecision.AFFIRMED, RulingDecision.REVERSED, RulingDecision.QUASHED, RulingDecision.REMITTED,
        RulingDecision.APPEAL_ALLOWED, RulingDecision.APPEAL_DISMISSED, RulingDecision.PERMISSION_GRANTED,
        RulingDecision.PERMISSION_REFUSED, RulingDecision.PETITION_GRANTED, RulingDecision.PETITION_DENIED,
        RulingDecision.CERT_DENIED, RulingDecision.STAY_GRANTED, RulingDecision.STAY_DENIED,
        RulingDecision.INTERIM_MEASURES,
    ),
    "Custody": (
        RulingDecision.WARRANT_ISSUED, RulingDecision.REMANDED, RulingDecision.BAIL_GRANTED, RulingDecision.BAIL_REFUSED,
    ),
    "Criminal case": (
        RulingDecision.CHARGED, RulingDecision.DECLARED_FUGITIVE, RulingDecision.CHARGES_DISMISSED,
        RulingDecision.DPA_APPROVED, RulingDecision.CONVICTED, RulingDecision.ACQUITTED, RulingDecision.SENTENCED,
    ),
}


def ruling_decision_choices() -> list:
    """The court's decisions in their groups; any decision no group names (“other”) comes last, ungrouped."""
    grouped = {value for values in RULING_DECISION_GROUPS.values() for value in values}
    choices = [
        (group, [(value, RulingDecision(value).label) for value in values])
        for group, values in RULING_DECISION_GROUPS.items()
    ]
    return choices + [(value, label) for value, label in RulingDecision.choices if value not in grouped]


class EventForm(PartialDateMixin, VersionedForm):
    """Fields every event has; a subclass per kind adds its own (see event_form_class)."""

    summary = _limit(
        forms.CharField(label="Summary", widget=forms.Textarea(attrs={"rows": 3}), help_text="What happened, in a sentence or two."),
        SUMMARY_MAX,
    )
    note = _limit(
        forms.CharField(
            label="Analyst's note",
            required=False,
            widget=forms.Textarea(attrs={"rows": 2}),
            help_text="For the record, not the story: “day inferred from ‘on Friday’”, “sources conflict”.",
        ),
        SUMMARY_MAX,
    )
    confidence = forms.ChoiceField(label="Confidence", choices=Confidence.choices, initial=Confidence.REPORTED)

    kind_fields: tuple[str, ...] = ()

    # Fields shown together in a fieldset, each group under its legend (see _form_fields.html).
    FIELD_GROUPS = {
        "date": ("When", "group-date"),
        "authority": ("Who acted", "group-authority"),
        "new_authority_name": ("Not listed? Name it", "group-new-authority"),
        "new_authority_kind": ("Not listed? Name it", "group-new-authority"),
        "new_authority_country": ("Not listed? Name it", "group-new-authority"),
        "new_authority_level": ("Not listed? Name it", "group-new-authority"),
        "reported_on": ("More details", "group-more"),
        "note": ("More details", "group-more"),
        "confidence": ("More details", "group-more"),
    }
    # Groups folded away until opened (or until one of their fields holds a value or an error), so
    # that a form shows first what nearly every entry needs.
    FOLDED_GROUPS = {"group-new-authority", "group-more"}

    # Country lists that start with the case's own two states: they are nearly always the answer.
    STATES_FIRST = ("new_authority_country", "government")

    def __init__(self, *args, case: Case | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case
        if case is None:
            return
        states = [str(case.requesting_state), str(case.requested_state)]
        for name in self.STATES_FIRST:
            if name in self.fields:
                choices = list(self.fields[name].choices)
                labels = dict(choices)
                self.fields[name].choices = (
                    [(value, label) for value, label in choices if value == ""]
                    + [(code, labels[code]) for code in dict.fromkeys(states) if code in labels]
                    + [(value, label) for value, label in choices if value != "" and value not in states]
                )

    def field_groups(self) -> list[tuple[str, str, list, str]]:
        """The visible fields in order, as (legend, css class, fields, folded); a field in no group
        has no legend, and ``folded`` is "" (shown), "open" or "closed"."""
        groups = []
        for field in self.visible_fields():
            legend, css = self.FIELD_GROUPS.get(field.name, ("", ""))
            if legend and groups and groups[-1][0] == legend:
                groups[-1][2].append(field)
            else:
                groups.append((legend, css, [field]))
        return [
            (legend, css, fields, ("open" if any(map(_filled, fields)) else "closed") if css in self.FOLDED_GROUPS else "")
            for legend, css, fields in groups
        ]

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
            "note": data.get("note", ""),
            "confidence": data["confidence"],
        }


class AuthorityChoiceMixin(forms.Form):
    """Choose the body that acted from those on file, or name a new one, created with the event.

    Each kind says which bodies may act (a ruling is a court's, an executive decision a
    government's) and whether one must be named."""

    authority = forms.ModelChoiceField(label="Acting authority", queryset=Authority.objects.all(), required=False)
    new_authority_name = forms.CharField(label="…or one not listed yet", required=False, max_length=200)
    new_authority_kind = forms.ChoiceField(label="Its kind", choices=[("", "—")] + Authority.Kind.choices, required=False)
    new_authority_country = LazyTypedChoiceField(label="Its country", choices=[("", "—")] + list(countries), required=False)
    new_authority_level = forms.ChoiceField(
        label="Its level", choices=[("", "—")] + Authority.Level.choices, required=False, help_text="For a court."
    )

    AUTHORITY_FIELDS = ("authority", "new_authority_name", "new_authority_kind", "new_authority_country", "new_authority_level")
    authority_required = False
    authority_label = "Acting authority"
    # The kinds of body that can act for this kind of event; empty: any.
    authority_kinds: tuple[str, ...] = ()
    # The kind a newly named body gets when the analyst does not say.
    authority_default_kind = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["authority"]
        field.label = self.authority_label
        field.empty_label = "—"
        if not self.authority_required:
            field.help_text = "If known: a court, ministry, prosecutor, police, international body…"
        if self.authority_kinds:
            field.queryset = Authority.objects.filter(kind__in=self.authority_kinds)
            self.fields["new_authority_kind"].choices = [("", "—")] + [
                (value, label) for value, label in Authority.Kind.choices if value in self.authority_kinds
            ]
        if len(self.authority_kinds) == 1:
            del self.fields["new_authority_kind"]
            if self.authority_kinds[0] != Authority.Kind.COURT:
                del self.fields["new_authority_level"]
        self.fields["new_authority_name"].label = f"…or {'a body' if not self.authority_kinds else 'one'} not listed yet"
        if "new_authority_kind" in self.fields:
            self.fields["new_authority_kind"].initial = self.authority_default_kind

    def _new_authority_kind(self, cleaned) -> str:
        if len(self.authority_kinds) == 1:
            return self.authority_kinds[0]
        kind = cleaned.get("new_authority_kind") or self.authority_default_kind
        if not kind and cleaned.get("new_authority_level"):
            return Authority.Kind.COURT  # only courts have a level
        return kind

    def clean(self):
        cleaned = super().clean()
        if (cleaned.get("new_authority_name") or "").strip():
            if cleaned.get("authority"):
                self.add_error("new_authority_name", "Choose a listed body or name a new one, not both.")
            kind = self._new_authority_kind(cleaned)
            if not kind:
                self.add_error("new_authority_kind", "Say what kind of body it is.")
            elif kind == Authority.Kind.COURT and not cleaned.get("new_authority_level"):
                self.add_error("new_authority_level", "Say what level of court it is.")
        elif self.authority_required and not cleaned.get("authority"):
            self.add_error("authority", f"Choose the {self.authority_label.lower()}, or name a new one below.")
        return cleaned

    def new_authority(self) -> dict | None:
        """What services.authority_get_or_create needs for a body named here, or None when one was chosen."""
        cleaned = self.cleaned_data
        name = (cleaned.get("new_authority_name") or "").strip()
        if not name:
            return None
        kind = self._new_authority_kind(cleaned)
        return {
            "name": name,
            "country": cleaned.get("new_authority_country") or "",
            "kind": kind,
            "level": cleaned.get("new_authority_level", "") if kind == Authority.Kind.COURT else "",
        }


# Per kind: who acts, and whether the form insists on naming them.
KIND_AUTHORITY = {
    Event.Kind.RULING: {
        "authority_required": True, "authority_label": "Court",
        "authority_kinds": (Authority.Kind.COURT, Authority.Kind.INTERNATIONAL),
        "authority_default_kind": Authority.Kind.COURT,
    },
    Event.Kind.EXECUTIVE_DECISION: {
        "authority_required": True, "authority_label": "Government body", "authority_kinds": (Authority.Kind.EXECUTIVE,),
    },
    Event.Kind.HEARING: {
        "authority_required": True, "authority_label": "Court or body", "authority_default_kind": Authority.Kind.COURT,
    },
    Event.Kind.FILING: {"authority_label": "Filed with", "authority_default_kind": Authority.Kind.COURT},
}


def _kind_model_fields(kind: str) -> dict[str, forms.Field]:
    fields = {}
    for name in EVENT_KIND_FIELDS[kind]:
        if name == "decision":
            if kind == Event.Kind.EXECUTIVE_DECISION:
                field = forms.ChoiceField(label="Decision", choices=[("", "—")] + ExecutiveDecision.choices)
            else:
                field = forms.ChoiceField(
                    label="Decision", choices=[("", "—")] + ruling_decision_choices(), widget=GroupedSelect
                )
        elif name == "official":
            field = PersonLookupField(
                label="Official",
                required=False,
                help_text="The minister or official who decided; type a name and pick from the suggestions.",
            )
        elif name == "category":
            field = forms.ChoiceField(
                label="About",
                choices=[("", "—")] + [c for c in StatusCategory.choices if c[0] != StatusCategory.CASE_CLOSURE],
            )
        elif name == "custody_change_then":
            field = Event._meta.get_field(name).formfield()
            field.label = "Then"
            field.help_text = "A second change that followed at once: “surrendered, then arrested by the NIA”."
        else:
            field = Event._meta.get_field(name).formfield()
            if name in ("hearing_status", "filing_type", "custody_change"):
                field.required = True
        fields[name] = field
    return fields


# What the analyst reads first in a report comes first; the date, the story and the record follow.
_KIND_FIELD_ORDER = [
    "decision", "decision_detail", "official", "hearing_status", "filing_type", "filed_by", "custody_change",
    "custody_change_then", "category", "judges", "docket_number", "document_url",
]


def _kind_field_rank(name: str) -> int:
    return _KIND_FIELD_ORDER.index(name) if name in _KIND_FIELD_ORDER else len(_KIND_FIELD_ORDER)


_DATE_FIELDS = ["date"]
# Asked last, folded under "More details": most entries leave them as they are.
_MORE_FIELDS = ["reported_on", "note", "confidence"]


def _filled(field: forms.BoundField) -> bool:
    """Whether a field holds something other than its starting value, or an error: its folded group opens."""
    if field.errors:
        return True
    value = field.value()
    return value not in (None, "", False, []) and str(value) != str(field.initial if field.initial is not None else "")


def event_form_class(kind: str) -> type[EventForm]:
    """The form for one kind of event: the common fields, who acted, and that kind's own fields."""
    if kind == Event.Kind.STATEMENT:
        return StatementEventForm
    if kind == Event.Kind.STAGE_CHANGE:
        return StageChangeForm
    attrs = _kind_model_fields(kind)
    kind_fields = tuple(sorted(attrs, key=_kind_field_rank))
    authority = KIND_AUTHORITY.get(kind, {})
    attrs |= authority
    attrs["kind_fields"] = kind_fields
    if authority.get("authority_required"):
        order = [*AuthorityChoiceMixin.AUTHORITY_FIELDS, *kind_fields, *_DATE_FIELDS, "summary", *_MORE_FIELDS]
    else:
        order = [*kind_fields, *_DATE_FIELDS, "summary", *AuthorityChoiceMixin.AUTHORITY_FIELDS, *_MORE_FIELDS]
    attrs["field_order"] = order
    return type(f"{Event.Kind(kind).name.title().replace('_', '')}EventForm", (EventFormWithAuthority,), attrs)


class EventFormWithAuthority(AuthorityChoiceMixin, EventForm):
    """An event of any kind but a statement or stage change, with who acted."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        category = self.fields.get("category")
        if category is not None and self.initial.get("category") == StatusCategory.CASE_CLOSURE:
            # A closing or reopening note keeps its category when corrected.
            category.choices = [("", "—")] + StatusCategory.choices

    def clean(self):
        cleaned = super().clean()
        return cleaned


class StatementEventForm(AuthorityChoiceMixin, EventForm):
    government = LazyTypedChoiceField(label="Government", choices=[("", "—")] + list(countries))
    body = forms.CharField(label="Body", max_length=200, help_text="Ministry or department.")
    speaker = PersonLookupField(label="Speaker", required=False)
    speaker_title = forms.CharField(label="Speaker's title", required=False, max_length=200)
    channel = forms.ChoiceField(
        label="Channel", choices=[("", "Unknown")] + Statement.Channel.choices, required=False,
        help_text="Leave “Unknown” when the source does not say.",
    )
    reported_speech = forms.BooleanField(
        label="Reported speech",
        required=False,
        help_text="Tick when the source tells what was said in its own words (“the ministry said India would…”): "
        "no verbatim quote is then needed.",
    )
    quote = _limit(
        forms.CharField(
            label="Quote", required=False, widget=forms.Textarea(attrs={"rows": 4}),
            help_text="Verbatim, as said. Optional for reported speech.",
        ),
        QUOTE_MAX,
    )
    gist = _limit(
        forms.CharField(
            label="What was said", required=False, widget=forms.Textarea(attrs={"rows": 3}),
            help_text="For reported speech: what was said, as the source reports it. Never shown as a quotation.",
        ),
        QUOTE_MAX,
    )
    also_cases = forms.CharField(
        label="Also concerns",
        required=False,
        max_length=1000,
        help_text="References of other cases this statement speaks to, separated by commas; "
        "it appears on each of their timelines.",
    )

    statement_fields = ("government", "body", "speaker_title", "channel", "reported_speech", "quote", "gist")
    field_order = [
        "government", "body", "speaker", "speaker_title", "channel", "reported_speech", "quote", "gist",
        *_DATE_FIELDS, "summary", "also_cases", *AuthorityChoiceMixin.AUTHORITY_FIELDS, *_MORE_FIELDS,
    ]

    def __init__(self, *args, case: Case | None = None, editing: bool = False, **kwargs):
        super().__init__(*args, case=case, **kwargs)
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

    def clean(self):
        cleaned = super().clean()
        quote, gist = (cleaned.get("quote") or "").strip(), (cleaned.get("gist") or "").strip()
        cleaned["quote"], cleaned["gist"] = quote, gist
        if "quote" in self.errors or "gist" in self.errors:
            return cleaned
        if not cleaned.get("reported_speech") and not quote:
            self.add_error(
                "quote", "A statement needs the words that were said; tick “reported speech” when the source gives none."
            )
        elif cleaned.get("reported_speech") and not (quote or gist):
            self.add_error("gist", "Say what was said, as the source reports it.")
        return cleaned

    def statement_values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.statement_fields}


class StageChangeForm(AuthorityChoiceMixin, EventForm):
    """A move of the case to another stage. Nothing is chosen for the analyst (a hurried Save must
    not move the case anywhere), the current stage is said, and a move back along the usual path
    is made only once confirmed."""

    to_stage = forms.ChoiceField(
        label="New stage", choices=Stage.choices, error_messages={"required": "Choose the stage the case has moved to."}
    )
    summary = _limit(
        forms.CharField(label="Reason", widget=forms.Textarea(attrs={"rows": 3}), help_text="Why the stage changed."),
        SUMMARY_MAX,
    )
    field_order = [
        "to_stage", "confirm_back", "summary", *_DATE_FIELDS, *AuthorityChoiceMixin.AUTHORITY_FIELDS, *_MORE_FIELDS,
    ]

    def __init__(self, *args, case: Case | None = None, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        if case is None:
            return
        current = case.get_stage_display()
        field = self.fields["to_stage"]
        field.choices = [("", "Choose the new stage…")] + [(value, label) for value, label in Stage.choices if value != case.stage]
        field.help_text = f"Now: “{current}”."
        moving_to = self.data.get(self.add_prefix("to_stage")) if self.is_bound else None
        if moving_to in Stage.values and stage_move_is_back(case.stage, moving_to):
            # Asked only for a move back: the analyst sees the question once the move is known.
            self.fields["confirm_back"] = forms.BooleanField(
                label=f"Yes, move the case back from “{current}” to “{Stage(moving_to).label}”",
                error_messages={"required": f"“{Stage(moving_to).label}” comes before “{current}”: tick the box to confirm the move back."},
            )
            self.order_fields(self.field_order)


class CaseForm(VersionedForm, forms.ModelForm):
    class Meta:
        model = Case
        fields = [
            "title", "reference", "requesting_state", "requested_state", "offences", "treaty", "legal_basis", "summary",
            "opened_on",
        ]
        widgets = {
            "offences": forms.Textarea(attrs={"rows": 2}),
            "legal_basis": forms.Textarea(attrs={"rows": 2}),
            "summary": forms.Textarea(attrs={"rows": 4}),
        }
        field_classes = {"opened_on": DayDateField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _limit(self.fields["offences"], SUMMARY_MAX)
        _limit(self.fields["summary"], LONG_TEXT_MAX)
        treaty = self.fields["treaty"]
        treaty.empty_label = "No treaty"
        treaty.widget.choices = treaty.choices
        treaty.help_text = "The treaty or convention on file that the request relies on, or none; add one on the Treaties page."
        self.fields["legal_basis"].help_text = (
            "The statutes, conventions or arrangements relied on, as cited; any length. Blank when unknown."
        )

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


class AfterSurrenderMixin(forms.Form):
    """The extradition outcome and, once extradited, what became of the person."""

    after_surrender = forms.ChoiceField(
        label="After surrender",
        choices=[("", "—")] + AfterSurrender.choices,
        required=False,
        help_text="Only for a person who was extradited: the latest known (awaiting trial, convicted, acquitted…).",
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("after_surrender") and cleaned.get("outcome") != Outcome.EXTRADITED:
            self.add_error("after_surrender", "What happened after surrender applies only to a person who was extradited.")
        return cleaned


class CaseCloseForm(AfterSurrenderMixin, forms.Form):
    outcome = forms.ChoiceField(label="Outcome", choices=Outcome.choices)
    closed_on = DayDateField(label="Closed on")
    note = _limit(forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 2})), SUMMARY_MAX)
    field_order = ["outcome", "after_surrender", "closed_on", "note"]


class CaseOutcomeForm(AfterSurrenderMixin, forms.Form):
    """The outcome of a matter, open or closed: an extradited person's trial is followed on the same case."""

    outcome = forms.ChoiceField(
        label="Extradition outcome",
        choices=[("", "Not decided yet")] + Outcome.choices,
        required=False,
        help_text="How the extradition itself ended.",
    )
    field_order = ["outcome", "after_surrender"]


class CaseReopenForm(forms.Form):
    reason = _limit(forms.CharField(label="Why reopen", widget=forms.Textarea(attrs={"rows": 2})), SUMMARY_MAX)
    on = DayDateField(label="Reopened on")


class CasePartyForm(NewPersonMixin, forms.Form):
    person = PersonLookupField(label="Person")
    role = forms.ChoiceField(label="Role", choices=CaseParty.Role.choices)
    note = forms.CharField(label="Note", required=False, max_length=300)


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


class CaseRelationForm(forms.Form):
    """Link another matter to this one: the same person sought elsewhere, a parallel proceeding…"""

    related_case = CaseLookupField(label="Related case")
    relation = forms.ChoiceField(
        label="Relation", choices=CaseRelation.Relation.choices, help_text="How the other case stands to this one."
    )
    note = forms.CharField(label="Note", required=False, max_length=300, help_text="E.g. “Sweden's request, dropped in 2019”.")


class TreatyForm(forms.ModelForm):
    """A treaty or convention on file; the service validates and saves it."""

    class Meta:
        model = Treaty
        fields = ["name", "countries", "signed_on", "in_force_on", "url"]
        widgets = {
            "name": forms.Textarea(attrs={"rows": 2}),
        }
        field_classes = {"signed_on": DayDateField, "in_force_on": DayDateField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["countries"].widget.attrs["size"] = "8"
        self.fields["countries"].help_text = "The states bound by the treaty (hold Ctrl or ⌘ to choose several)."

    def clean(self):
        cleaned = super().clean()
        signed, in_force = cleaned.get("signed_on"), cleaned.get("in_force_on")
        if signed and in_force and in_force < signed:
            self.add_error("in_force_on", "A treaty cannot come into force before it was signed.")
        return cleaned

    def validate_unique(self):
        # Checked by the service's full_clean, against the row it is about to save.
        pass

    def _post_clean(self):
        pass
