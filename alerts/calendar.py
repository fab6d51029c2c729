"""
The calendar feed (iCalendar, RFC 5545) of a user's followed deadlines and hearings.

Written by hand: the format needs a dozen lines, not a dependency. Each deadline is an all-day
event whose UID stays the same when it is edited, so calendar apps update it in place.
"""

import datetime
from collections.abc import Iterable

from django.utils import timezone

from tracker.absolute_urls import absolute_url, site_hostname

from .models import Deadline


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n").replace("\n", "\\n")
    )


def _fold(line: str) -> list[str]:
    """Split a content line into pieces of at most 75 octets, continuation lines starting with a space."""
    pieces, current, size = [], "", 0
    for char in line:
        width = len(char.encode())
        if size + width > (75 if not pieces else 74):
            pieces.append(current)
            current, size = "", 0
        current += char
        size += width
    pieces.append(current)
    return [pieces[0]] + [" " + piece for piece in pieces[1:]]


def deadlines_ical(*, deadlines: Iterable[Deadline], name: str = "Extradition Tracker: deadlines") -> str:
    """The iCalendar text for the given deadlines (with their cases loaded)."""
    domain = site_hostname()
    stamp_text = f"{timezone.now().astimezone(datetime.UTC):%Y%m%dT%H%M%SZ}"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Extradition Tracker//Deadlines//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_escape(name)}",
    ]
    for deadline in deadlines:
        url = absolute_url(deadline.get_absolute_url())
        done = " (done)" if deadline.is_done else ""
        description = f"{deadline.get_kind_display()} on {deadline.case.title}.{done}"
        if deadline.notes:
            description += "\n\n" + deadline.notes
        description += f"\n\n{url}"
        lines += [
            "BEGIN:VEVENT",
            f"UID:deadline-{deadline.pk}@{domain}",
            f"DTSTAMP:{stamp_text}",
            f"DTSTART;VALUE=DATE:{deadline.due_on:%Y%m%d}",
            f"DTEND;VALUE=DATE:{deadline.due_on + datetime.timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{_escape(f'{deadline.case.title}: {deadline.title}{done}')}",
            f"DESCRIPTION:{_escape(description)}",
            f"URL:{url}",
            f"CATEGORIES:{_escape(deadline.get_kind_display())}",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(piece + "\r\n" for line in lines for piece in _fold(line))
