"""Form widgets that stay fast with long lists.

Django renders every <option> of a select through a template; a page with two country lists and a
list of courts spends most of its time there. These widgets write the same HTML directly."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe


class FastSelect(forms.Select):
    """A plain <select> (no option groups) rendered without a template per option."""

    def render(self, name, value, attrs=None, renderer=None):
        selected = {str(v) for v in (value if isinstance(value, (list, tuple)) else [value]) if v is not None}
        final_attrs = self.build_attrs(self.attrs, attrs)
        final_attrs["name"] = name
        if self.allow_multiple_selected:
            final_attrs["multiple"] = True
        parts = []
        for option_value, option_label in self.choices:
            if isinstance(option_label, (list, tuple)):
                raise ValueError("FastSelect does not render option groups.")
            option_value = "" if option_value is None else str(getattr(option_value, "value", option_value))
            parts.append(
                format_html(
                    '<option value="{}"{}>{}</option>',
                    option_value,
                    mark_safe(" selected") if option_value in selected else "",
                    conditional_escape(option_label),
                )
            )
        return mark_safe(f"<select{flatatt(final_attrs)}>{''.join(parts)}</select>")


def use_fast_selects(form: forms.BaseForm) -> None:
    """Swap each plain single-choice <select> of a form for a FastSelect with the same choices."""
    for field in form.fields.values():
        widget = field.widget
        if type(widget) is forms.Select:
            fast = FastSelect(attrs=widget.attrs, choices=widget.choices)
            fast.is_required = widget.is_required
            field.widget = fast
