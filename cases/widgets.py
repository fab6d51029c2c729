"""Form widgets that stay fast with long lists.

Django renders every <option> of a select through a template; a page with two country lists and a
list of courts spent most of its time there. These widgets write the same HTML directly, and the
options of a given list once per process. ``KeptFieldGroup`` then keeps each field's whole group
(label, help, widget) once rendered, for the next page that shows it with the same value."""

import threading
from collections import OrderedDict
from functools import lru_cache
from html import escape

from django import forms
from django.forms.boundfield import BoundField
from django.forms.utils import flatatt
from django.utils.safestring import mark_safe
from django.utils.translation import get_language


@lru_cache(maxsize=64)
def _options_html(choices: tuple[tuple[str, str], ...]) -> str:
    return "".join(f'<option value="{escape(value)}">{escape(label)}</option>' for value, label in choices)


def _plain(value) -> str:
    value = getattr(value, "value", value)  # ModelChoiceIteratorValue
    return "" if value is None else str(value)


class FastSelect(forms.Select):
    """A plain <select> (no option groups), rendered without a template per option."""

    def render(self, name, value, attrs=None, renderer=None):
        values = value if isinstance(value, (list, tuple)) else [value]
        selected = {_plain(v) for v in values if v is not None}
        choices = []
        for option_value, option_label in self.choices:
            if isinstance(option_label, (list, tuple)):
                raise ValueError("FastSelect does not render option groups.")
            choices.append((_plain(option_value), str(option_label)))
        options = _options_html(tuple(choices))
        for chosen in selected:
            plain = f'<option value="{escape(chosen)}">'
            options = options.replace(plain, plain[:-1] + " selected>", 1)
        final_attrs = self.build_attrs(self.attrs, attrs)
        final_attrs["name"] = name
        if self.allow_multiple_selected:
            final_attrs["multiple"] = True
        return mark_safe(f"<select{flatatt(final_attrs)}>{options}</select>")


def use_fast_selects(form: forms.BaseForm) -> None:
    """Swap each plain single-choice <select> of a form for a FastSelect with the same choices."""
    for field in form.fields.values():
        widget = field.widget
        if type(widget) is forms.Select:
            fast = FastSelect(attrs=widget.attrs, choices=widget.choices)
            fast.is_required = widget.is_required
            field.widget = fast


class _Kept:
    """A small least-recently-used map, shared by a process's threads."""

    def __init__(self, size: int):
        self.size, self.items, self.lock = size, OrderedDict(), threading.Lock()

    def get(self, key):
        with self.lock:
            value = self.items.get(key)
            if value is not None:
                self.items.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)


# Field groups of the case list's filters: 14 per page, the same for every reader of a given filter.
# A country list's group is about 10 KB: at most a few megabytes per process.
_FIELD_GROUPS = _Kept(512)


def _choices_key(widget) -> int | None:
    """A hash of the widget's choices, read once: choices from the database (a callable) would
    otherwise be queried again by the render. A hash of the pairs themselves, not of their text:
    building the text of 400 courts took longer than rendering their group."""
    choices = getattr(widget, "choices", None)
    if choices is None:
        return None
    if not isinstance(choices, (list, tuple)):
        widget.choices = choices = list(choices)
    # Values and labels hash as they compare (a translated label as its text in the active
    # language); option groups are lists, hashed as tuples.
    return hash(tuple((value, tuple(label) if isinstance(label, list) else label) for value, label in choices))


class KeptFieldGroup(BoundField):
    """A bound field whose group (``as_field_group``) is rendered once per process for each value,
    choices and language, and then reused: a group is a template with label, help text and widget,
    1–2 ms each, and the case list shows fourteen. A field with errors is rendered afresh."""

    def as_field_group(self):
        if self.errors:
            return super().as_field_group()
        field, widget = self.field, self.field.widget
        key = (type(self.form).__qualname__, self.html_name, self.auto_id, repr(self.value()), str(self.label),
               str(self.help_text), field.required, field.disabled, repr(sorted(widget.attrs.items())),
               _choices_key(widget), get_language())
        html = _FIELD_GROUPS.get(key)
        if html is None:
            html = super().as_field_group()
            _FIELD_GROUPS.put(key, html)
        return html
