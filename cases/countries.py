"""Country names in the active language, translated once per language.

django-countries translates (and sorts) its names afresh each time it is iterated or asked for a
name: a list page naming fifty states, or a filter form listing 250, spent milliseconds there."""

from functools import lru_cache

from django.utils.translation import get_language
from django_countries import countries


@lru_cache(maxsize=8)
def _names(language: str) -> dict[str, str]:
    return {code: str(name) for code, name in countries}


def country_choices() -> tuple[tuple[str, str], ...]:
    """The country list as plain (code, name) pairs, in django-countries' order (by name)."""
    return _choices(get_language())


@lru_cache(maxsize=8)
def _choices(language: str) -> tuple[tuple[str, str], ...]:
    return tuple(_names(language).items())


def country_name(code) -> str:
    """The name of a country code ("IN" → "India"); "" for none."""
    code = str(code or "")
    if not code:
        return ""
    return _names(get_language()).get(code) or str(countries.name(code))
