"""Form widgets that stay fast with long lists.

Django renders every <option> of a select through a template; a page with two country lists and a
list of courts spent most of its time there. These widgets write the same HTML directly, and the
options of a given list once per process."""

from functools import lru_cache
from html import escape

from django import forms
from django.forms.utils import flatatt
from django.utils.safestring import mark_safe


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
