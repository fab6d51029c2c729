"""
Form fields for dates typed as analysts write them ("21 Apr 2025", "April 2025", "c. 2019").

Each input is followed by a paragraph saying how the server read it, so a misreading is seen
before saving: filled in as the page is drawn (an event being edited, a refused save) and, with
htmx, as one types. Without JavaScript the form still reads the same text when saved.
"""

import datetime
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html

from .dates import DATE_EXAMPLES, DatePrecision, PartialDateReading, partial_date_display, partial_date_read

# Longer than any date written out ("about 21st of September, 2025"), short enough to refuse a paste.
DATE_MAX_LENGTH = 40


def date_reading_context(text: str, *, require_day: bool = False) -> dict:
    """What the reading paragraph says of the text typed: the reading, an error, or nothing when blank."""
    text = (text or "").strip()
    if not text:
        return {}
    if len(text) > DATE_MAX_LENGTH:
        return {"error": f"Write the date in at most {DATE_MAX_LENGTH} characters, e.g. {DATE_EXAMPLES}."}
    try:
        return {"reading": partial_date_read(text, require_day=require_day)}
    except ValidationError as error:
        return {"error": error.messages[0]}


class DateReadingInput(forms.TextInput):
    """A text input followed by the paragraph that reads its date back in words (see the module)."""

    def __init__(self, attrs=None, *, require_day: bool = False):
        super().__init__({"autocomplete": "off", "spellcheck": "false", **(attrs or {})})
        self.require_day = require_day

    def render(self, name, value, attrs=None, renderer=None):
        attrs = dict(attrs or {})
        reading_id = f"{attrs.get('id') or name}-reading"
        query = {"field": name, **({"day": "1"} if self.require_day else {})}
        attrs.update({
            "hx-get": f"{reverse('cases:date_reading')}?{urlencode(query)}",
            "hx-trigger": "input changed delay:300ms, blur",
            "hx-target": f"#{reading_id}",
            "hx-sync": "this:replace",
            "aria-describedby": " ".join(filter(None, [attrs.get("aria-describedby"), reading_id])),
        })
        context = date_reading_context(self.format_value(value) or "", require_day=self.require_day)
        # An unreadable value is already explained by the field's error, next to it: not said twice.
        context.pop("error", None)
        return format_html(
            '{}<p id="{}" class="date-reading" aria-live="polite">{}</p>',
            super().render(name, value, attrs, renderer),
            reading_id,
            render_to_string("cases/_date_reading.html", context),
        )


class PartialDateField(forms.Field):
    """A date known to the day, the month or the year, perhaps approximately; cleans to a
    PartialDateReading (None when left blank)."""

    widget = DateReadingInput
    require_day = False
    default_help_text = f"E.g. {DATE_EXAMPLES}. In numbers, day first: 21/04/2025."
    default_error_messages = {"required": f"Give the date, e.g. {DATE_EXAMPLES}."}

    def __init__(self, **kwargs):
        # A model field's own help text (what the date means) comes first, then how to write it.
        kwargs["help_text"] = " ".join(filter(None, [kwargs.get("help_text"), self.default_help_text]))
        super().__init__(**kwargs)
        self.widget.require_day = self.require_day

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "maxlength": str(DATE_MAX_LENGTH)}

    def prepare_value(self, value):
        if isinstance(value, PartialDateReading):
            return value.text
        if isinstance(value, datetime.date):
            return partial_date_display(value, precision=DatePrecision.DAY)
        return value

    def to_python(self, value) -> PartialDateReading | None:
        if isinstance(value, PartialDateReading):
            return value
        if isinstance(value, datetime.date):  # a disabled field's initial value
            return PartialDateReading(value, DatePrecision.DAY)
        text = str(value or "").strip()
        if not text:
            return None
        if len(text) > DATE_MAX_LENGTH:
            raise ValidationError(
                "Write the date in at most %(max)s characters, e.g. %(examples)s.",
                code="max_length", params={"max": DATE_MAX_LENGTH, "examples": DATE_EXAMPLES},
            )
        return partial_date_read(text, require_day=self.require_day)


class DayDateField(PartialDateField):
    """A date stored as a plain day (a deadline, a publication date), typed like any other date;
    "2025" or "April 2025" is refused with a request for the day. Cleans to a datetime.date."""

    require_day = True
    default_help_text = "E.g. 21 Apr 2025 or 2025-04-21."
    default_error_messages = {"required": "Give the date, e.g. 21 Apr 2025."}

    def to_python(self, value) -> datetime.date | None:
        reading = super().to_python(value)
        return reading.value if reading else None
