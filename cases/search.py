"""
The case list's free-text search.

On PostgreSQL each case carries one full-text vector (``Case.search_vector``, GIN-indexed) holding
the words of its title, reference, offences, people's names and spellings, event summaries and
statement quotes and reported speech, analysts' notes, so that a search is one index lookup whatever the number of events. The services
keep it current: a new event adds its words, an edited or deleted one rebuilds the case's vector.
SQLite has no full-text type here; there the search reads the same texts with LIKE.
"""

import re
from collections.abc import Iterable

from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import Exists, OuterRef, Q

from .models import Event, Statement

MAX_SEARCH_WORDS = 8

# Every distinct word of the case's own text and of its live events, without positions (only
# whether a word occurs matters, and positions would make a 10,000-event vector too large).
_CASE_VECTOR = """
    array_to_tsvector(ARRAY(
        SELECT DISTINCT lexeme FROM (
            SELECT unnest(tsvector_to_array(to_tsvector('simple', coalesce(c.search_text, '')))) AS lexeme
            UNION ALL
            SELECT unnest(tsvector_to_array(to_tsvector('simple',
                e.summary || ' ' || e.note || ' ' || e.decision_detail || ' ' || coalesce(s.quote, '') || ' ' || coalesce(s.gist, ''))))
            FROM cases_event e LEFT JOIN cases_statement s ON s.id = e.statement_id
            WHERE e.case_id = c.id AND e.deleted_at IS NULL
        ) AS words
    ))
"""
REFRESH_CASES_SQL = f"UPDATE cases_case AS c SET search_vector = {_CASE_VECTOR} WHERE c.id = ANY(%s)"
REFRESH_ALL_SQL = f"UPDATE cases_case AS c SET search_vector = {_CASE_VECTOR}"
ADD_WORDS_SQL = (
    "UPDATE cases_case SET search_vector = coalesce(search_vector, ''::tsvector) "
    "|| strip(to_tsvector('simple', %s)) WHERE id = %s"
)


def _full_text() -> bool:
    return connection.vendor == "postgresql"


def search_vector_refresh(*, case_ids: Iterable[int]) -> None:
    """Rebuild the search vector of these cases from everything they hold now."""
    case_ids = list(case_ids)
    if _full_text() and case_ids:
        with connection.cursor() as cursor:
            cursor.execute(REFRESH_CASES_SQL, [case_ids])


def search_vector_add_event(*, event: Event) -> None:
    """Add the words of a new event to its case's vector, without reading the case's other events."""
    if _full_text():
        said = f"{event.statement.quote} {event.statement.gist}" if event.statement_id else ""
        with connection.cursor() as cursor:
            cursor.execute(ADD_WORDS_SQL, [f"{event.summary} {event.note} {event.decision_detail} {said}", event.case_id])


def word_matches(word: str) -> Q:
    """Cases containing the word, as a prefix ("huss" finds "Hussain")."""
    if _full_text():
        token = re.sub(r"[^\w]+", "", word)
        if not token:
            return Q()
        return Q(search_vector=SearchQuery(f"{token}:*", search_type="raw", config="simple"))
    return (
        Q(search_text__icontains=word)
        | Exists(
            Event.objects.filter(
                Q(summary__icontains=word) | Q(note__icontains=word) | Q(decision_detail__icontains=word),
                case=OuterRef("pk"),
            )
        )
        | Exists(
            Event.objects.filter(
                case=OuterRef("pk"),
                statement__in=Statement.objects.filter(Q(quote__icontains=word) | Q(gist__icontains=word)),
            )
        )
    )
