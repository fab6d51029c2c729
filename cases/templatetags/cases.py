from functools import lru_cache

from django import template
from django.templatetags.static import static
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince
from django.utils.translation import get_language

from cases.dates import DatePrecision
from tracker.url_patterns import reverse_cached

register = template.Library()


@register.simple_tag
def stage_duration(case) -> str:
    """Since when the case has been at its current stage, at the precision that date is known:
    “since 21 Jan 2025 (10 months)”, but only “since Aug 2018” for a month-only date, which
    cannot say how many days have passed."""
    if case.stage_entered_on is None:
        return "since an unknown date"
    since = f"since {case.stage_entered_display}"
    if case.stage_entered_precision != DatePrecision.DAY or case.stage_entered_approximate:
        return since
    return f"{since}{_time_since(case.stage_entered_on, timezone.localdate(), get_language())}"


@lru_cache(maxsize=4096)
def _time_since(entered, today, language) -> str:
    """The part in brackets, " (10 months)": a list shows the same few thousand dates again and again."""
    days = (today - entered).days
    if days < 1:
        return " (today)" if days == 0 else ""
    return f" ({timesince(entered, today, depth=2)})"


@register.simple_tag
def record_values(obj) -> list[tuple[str, object]]:
    """(label, value) for each field a person edits, as saved now: shown beside a refused edit."""
    values = []
    for field in obj._meta.concrete_fields:
        if not field.editable or field.auto_created or field.name in ("case", "kind", "recorded_by"):
            continue
        value = getattr(obj, field.name)
        if field.choices and not getattr(field, "multiple", False):
            value = getattr(obj, f"get_{field.name}_display")()
        if value in ("", None, []):
            continue
        values.append((field.verbose_name.capitalize(), value))
    statement = getattr(obj, "statement", None)
    if statement is not None:
        if statement.quote:
            values.append(("Quote", statement.quote))
        if statement.reported_speech:
            values.append(("Reported speech", statement.gist or "yes"))
    return values


@register.simple_tag
def pk_url(name: str, pk) -> str:
    """reverse(name, args=[pk]) for views taking one id, without resolving the URL pattern again for
    every row of a long timeline."""
    return reverse_cached(name, int(pk))


@register.simple_tag
def url_to(name: str, *args) -> str:
    """``{% url %}`` for positional arguments, with the URL pattern resolved once rather than on every
    use: a case's actions link a dozen forms, and every page's header its sections."""
    return reverse_cached(name, *args)


@register.simple_tag
def kind_icon(kind: str) -> str:
    """The icon of an entry's kind, from the vendored sprite: a tag rather than an include, which
    cost the case's actions a template render for each of its thirteen entries."""
    return format_html('<svg class="icon" aria-hidden="true" focusable="false"><use href="{}#{}"></use></svg>',
                       static("icons.svg"), kind)
