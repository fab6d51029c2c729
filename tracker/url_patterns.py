"""reverse() with each URL pattern resolved once.

A list or a timeline links every row (a case's page, an entry's edit and history views), a case's
actions link a dozen forms, and every page's header its sections: reverse() costs about 60 µs a
call, a tenth of the case page's time. Here a URL is resolved once per name, number of arguments,
script prefix and URL configuration, with placeholders that the arguments then take the place of,
quoted as reverse() quotes them."""

import re
from functools import lru_cache
from urllib.parse import quote

from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

# Digits: a valid value for the int, slug and str converters alike. One per argument, distinct and
# not a prefix of one another.
_PLACEHOLDERS = [f"9{index:02d}8{index:02d}9" for index in range(8)]
_ANY_PLACEHOLDER = re.compile("|".join(_PLACEHOLDERS))
# What reverse() leaves unquoted in a URL (django.urls.resolvers).
_SAFE = "!$&'()*+,;=" + "/~:@"


@lru_cache(maxsize=256)
def _pattern(name: str, arguments: int, script_prefix: str, urlconf: str) -> str | None:
    """The URL with a placeholder for each argument; None where a converter refuses digits."""
    try:
        return reverse(name, args=_PLACEHOLDERS[:arguments], urlconf=urlconf)
    except NoReverseMatch:
        return None


def reverse_cached(name: str, *args) -> str:
    """reverse(name, args=args), for positional arguments (an id, a slug, a reference, a choice)."""
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    pattern = _pattern(name, len(args), get_script_prefix(), urlconf) if len(args) <= len(_PLACEHOLDERS) else None
    if pattern is None or any(placeholder not in pattern for placeholder in _PLACEHOLDERS[: len(args)]):
        return reverse(name, args=args, urlconf=urlconf)
    values = dict(zip(_PLACEHOLDERS, (quote(str(argument), safe=_SAFE) for argument in args), strict=False))
    # In one pass: an argument that happens to hold another placeholder's digits stays as it is.
    return _ANY_PLACEHOLDER.sub(lambda found: values.get(found.group(0), found.group(0)), pattern)
