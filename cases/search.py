"""
The free-text search: every word a person reads on a case page finds the case.

Each case carries one search document in ``Case.search_vector``: the distinct words of its title,
reference, people and their name variants (weight A); of its offences, summary, legal basis, treaty,
states and the notes on its people (weight B); and of its live events: summaries, notes, decision
details, judges, docket numbers, who filed, acting authorities, officials, statements (quote,
reported speech, body, speaker and title) and the titles and publishers of sources (weight C).
Officials and speakers count with their name variants. The services keep it current: a new event
adds its words, any other change rebuilds the documents of the cases it shows on (an edited
person, authority, source or treaty included). ``Case.search_text`` holds the case's own text.

Words are cut and normalised here, in Python, for both the documents and the queries, so that
PostgreSQL and SQLite agree on what a word is: lower case, accents folded ("Polański" is
"polanski"), and tokens such as "26/11", "s.108", "2019/0312" or "§ 3188" kept whole beside their
parts. Each query word must begin some word of the case ("huss" finds "Hussain"), all of them.
PostgreSQL stores the words as a tsvector (GIN-indexed, one position per word carrying its weight);
SQLite stores them as text (" a:word b:word … ") and matches with LIKE. Every word of every
document also goes to a vocabulary table (``cases_search_word``): on PostgreSQL a query word is
turned into the words it begins before asking the index, which is many times faster than a prefix
query on common words; on both, "did you mean" takes its suggestions from it (pg_trgm's similarity
on PostgreSQL, the same trigram similarity computed in Python on SQLite).

Results are ranked (``SearchRank``): every word of the case that a query word begins counts 3 in
the title, reference or a person's name, 2 in the case's own text, 1 in its events; ties go to
the most recent activity. Ranking reads each match, so the case list ranks up to 2,000 matches
and shows more by their latest activity. ``case_search_snippets`` shows why each case matched.
"""

import datetime
import functools
import logging
import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.apps import apps as installed_apps
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import connection, transaction
from django.db.models import BooleanField, F, Func, IntegerField, JSONField, OuterRef, QuerySet, Subquery, TextField
from django.db.models.functions import JSONObject
from django.dispatch import receiver
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .countries import country_name
from .dates import partial_date_display
from .models import Case, Event
from .signals import case_record_changed

logger = logging.getLogger(__name__)

MAX_SEARCH_WORDS = 8
# Longer runs of letters are not words anyone types (a pasted address, a hash).
MAX_WORD_LENGTH = 100
HEAD, CASE_TEXT, EVENTS = "A", "B", "C"
SCORES = {HEAD: 3, CASE_TEXT: 2, EVENTS: 1}
WORD_TABLE = "cases_search_word"
# Words offered as "did you mean": letters only, long enough for a spelling to be told apart.
SUGGESTION_LENGTHS = (4, 30)
# Lower than pg_trgm's default (0.3): a swapped pair of letters in a short word ("habaes") scores 0.27.
SUGGESTION_THRESHOLD = 0.2
SUGGESTION_CANDIDATES = 20
BATCH = 1000
# A query word that begins more words than this is matched as a prefix rather than as those words.
MAX_EXPANSION = 50
# The case list ranks a search's matches when there are at most this many (see without_ranking).
RANKED_AT_MOST = 2000

# -- words -------------------------------------------------------------------------------------------

# Letters that Unicode does not decompose into a base letter and an accent.
_FOLD_TABLE = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ı": "i", "ŧ": "t", "æ": "ae", "œ": "oe",
                             "þ": "th", "ð": "d"})
_GLUE = "/.\\-'’"
# Joined without these, a token is also found as typed without them: "s.108" as "s108", "U.S." as "us".
_DROPPABLE_GLUE = re.compile(r"[.'’]")
_ASCII_TOKEN = re.compile(rf"[a-z0-9]+(?:[{_GLUE}][a-z0-9]+)*")
_GLUE_SPLIT = re.compile(rf"[{_GLUE}]")


@functools.cache
def _token_pattern() -> re.Pattern:
    # Word characters are letters and digits plus the marks that Indic and other scripts write
    # inside words (Python's \w leaves them out, which would cut "मोदी" into pieces).
    marks = []
    for code in range(0x0300, 0x10000):
        if unicodedata.category(chr(code)).startswith("M"):
            if marks and marks[-1][1] == code - 1:
                marks[-1][1] = code
            else:
                marks.append([code, code])
    mark_class = "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" if a != b else re.escape(chr(a)) for a, b in marks)
    char = rf"(?:[^\W_]|[{mark_class}])"
    return re.compile(rf"(?:§\s*)?{char}+(?:[{_GLUE}]{char}+)*")


def search_fold(text: str) -> str:
    """The text in lower case with accents taken off, as words are compared."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    # Only the accents of the Latin, Greek and Cyrillic alphabets: marks of other scripts are letters.
    bare = "".join(c for c in decomposed if not "\u0300" <= c <= "\u036f")
    return unicodedata.normalize("NFC", bare).casefold().translate(_FOLD_TABLE)


def _tokens(folded: str) -> list[str]:
    pattern = _ASCII_TOKEN if folded.isascii() else _token_pattern()
    return [re.sub(r"\s+", "", token) if token[0] == "§" else token for token in pattern.findall(folded)]


def _forms(token: str) -> list[str]:
    """A token and the words it is also found by: "§3188" → §3188, 3188; "26/11" → 26/11, 26, 11."""
    if token.isalnum():
        return [token]
    forms = [token]
    bare = token.lstrip("§")
    if bare != token and bare:
        forms.append(bare)
    parts = [part for part in _GLUE_SPLIT.split(bare) if part]
    if len(parts) > 1:
        forms.extend(parts)
        joined = _DROPPABLE_GLUE.sub("", bare)
        if joined != bare:
            forms.append(joined)
    return forms


@functools.lru_cache(maxsize=20_000)
def search_words(text: str) -> tuple[str, ...]:
    """Every word a text is found by, once each, in order."""
    words = {}
    for token in _tokens(search_fold(text)):
        for form in _forms(token):
            if len(form) <= MAX_WORD_LENGTH:
                words.setdefault(form, None)
    return tuple(words)


def query_terms(text: str) -> list[str]:
    """The words a search asks for: each must begin a word of the case. Tokens stay whole ("26/11")."""
    terms = []
    for token in _tokens(search_fold(text or "")):
        if len(token) <= MAX_WORD_LENGTH and token not in terms:
            terms.append(token)
    return terms[:MAX_SEARCH_WORDS]


# -- documents ---------------------------------------------------------------------------------------


@dataclass
class _Document:
    words: dict  # word → best weight ("A" is best)
    lines: list = field(default_factory=list)  # the case's own text, for Case.search_text

    @property
    def text(self) -> str:
        """Title and reference on the first two lines (snippets skip them), then each other text once."""
        head, rest = self.lines[:2], [line.strip() for line in self.lines[2:] if line and line.strip()]
        return "\n".join([*(line.strip() for line in head), *dict.fromkeys(rest)])

    def add(self, text: str | None, weight: str) -> None:
        if not text:
            return
        for word in search_words(text):
            if self.words.get(word, "Z") > weight:
                self.words[word] = weight


def _models(apps=None) -> dict:
    """The models to read, the historical ones when a migration rebuilds the documents."""
    names = ("Case", "CaseParty", "PersonName", "Event")
    return {name: (apps or installed_apps).get_model("cases", name) for name in names}


_EVENT_TEXT_FIELDS = (
    "summary", "note", "decision_detail", "judges", "docket_number", "filed_by", "authority__name",
    "authority__jurisdiction", "official__name", "statement__quote", "statement__gist", "statement__body",
    "statement__speaker_title", "statement__speaker__name",
)


def _event_words(documents: dict, events: QuerySet, models: dict) -> None:
    """Add the words of these events (their sources, officials' and speakers' variants included)."""
    people: dict[int, set[int]] = {}
    rows = events.values_list("case_id", "id", "official_id", "statement__speaker_id", *_EVENT_TEXT_FIELDS)
    for case_id, _id, official_id, speaker_id, *texts in rows.iterator(chunk_size=5000):
        document = documents[case_id]
        for text in texts:
            document.add(text, EVENTS)
        for person_id in (official_id, speaker_id):
            if person_id:
                people.setdefault(person_id, set()).add(case_id)
    through = models["Event"].sources.through
    sources = through._base_manager.filter(event__in=events.values("pk")).values_list(
        "event__case_id", "source__title", "source__publisher"
    )
    for case_id, title, publisher in sources.iterator(chunk_size=5000):
        documents[case_id].add(title, EVENTS)
        documents[case_id].add(publisher, EVENTS)
    variants = models["PersonName"]._base_manager.filter(person_id__in=list(people)).values_list("person_id", "name")
    for person_id, name in variants:
        for case_id in people[person_id]:
            documents[case_id].add(name, EVENTS)


def _case_documents(case_ids: list[int], models: dict, *, with_events: bool = True) -> dict[int, _Document]:
    """Each case's search document and search text, read in a fixed number of queries whatever the
    number of events."""
    Case, CaseParty, PersonName, Event = (models[name] for name in ("Case", "CaseParty", "PersonName", "Event"))
    documents = {}
    rows = Case._base_manager.filter(pk__in=case_ids).values_list(
        "pk", "title", "reference", "offences", "summary", "legal_basis", "treaty__name", "requesting_state",
        "requested_state",
    )
    for pk, title, reference, offences, summary, legal_basis, treaty, requesting, requested in rows:
        document = documents[pk] = _Document(words={}, lines=[title, reference])
        document.lines += [text for text in (offences, summary, legal_basis, treaty) if text]
        for text in (title, reference):
            document.add(text, HEAD)
        for text in (offences, summary, legal_basis, treaty, country_name(requesting), country_name(requested)):
            document.add(text, CASE_TEXT)
    parties: dict[int, set[int]] = {}
    for case_id, person_id, name, note in CaseParty._base_manager.filter(case_id__in=case_ids).order_by(
        "pk"
    ).values_list("case_id", "person_id", "person__name", "note"):
        documents[case_id].add(name, HEAD)
        documents[case_id].add(note, CASE_TEXT)
        documents[case_id].lines.append(name)
        parties.setdefault(person_id, set()).add(case_id)
    variants = PersonName._base_manager.filter(person_id__in=list(parties)).order_by("person_id", "name")
    for person_id, name in variants.values_list("person_id", "name"):
        for case_id in parties[person_id]:
            documents[case_id].add(name, HEAD)
            documents[case_id].lines.append(name)
    if with_events:
        _event_words(documents, Event._base_manager.filter(case_id__in=case_ids, deleted_at__isnull=True), models)
    return documents


def case_search_texts(*, case_ids: Iterable[int]) -> dict[int, str]:
    """The search text of these cases: their own text, one item per line (title and reference first)."""
    documents = _case_documents(list(case_ids), _models(), with_events=False)
    return {pk: document.text for pk, document in documents.items()}


def _tsvector(document: _Document) -> str:
    # One position per word, only to carry its weight; backslashes and quotes are doubled inside quotes.
    return " ".join(
        "'{}':1{}".format(word.replace("\\", "\\\\").replace("'", "''"), weight)
        for word, weight in sorted(document.words.items())
    )


def _word_list(document: _Document) -> str:
    return " " + " ".join(f"{weight.lower()}:{word}" for word, weight in sorted(document.words.items())) + " "


def _suggestible(word: str) -> bool:
    low, high = SUGGESTION_LENGTHS
    return low <= len(word) <= high and word.isalpha()


def _store_words(words: Iterable[str], *, seen: set | None = None) -> None:
    """Add words to the vocabulary (every word any document holds), skipping those in ``seen``."""
    words = sorted(set(words) - (seen or set()))
    if seen is not None:
        seen.update(words)
    if not words:
        return
    _expansion_forget()
    rows = [(word, _suggestible(word)) for word in words]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Sorted, so that two transactions adding the same new words take their locks in one order.
            cursor.execute(
                f"INSERT INTO {WORD_TABLE} (word, suggest) SELECT * FROM unnest(%s::text[], %s::boolean[]) "
                "ORDER BY 1 ON CONFLICT DO NOTHING",
                [[word for word, _ in rows], [flag for _, flag in rows]],
            )
        else:
            cursor.executemany(f"INSERT OR IGNORE INTO {WORD_TABLE} (word, suggest) VALUES (%s, %s)", rows)


def _write_documents(documents: dict[int, _Document], *, seen: set | None = None) -> None:
    if not documents:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.executemany(
                "UPDATE cases_case SET search_vector = %s::tsvector, search_text = %s WHERE id = %s",
                [(_tsvector(document), document.text, pk) for pk, document in documents.items()],
            )
        else:
            cursor.executemany(
                "UPDATE cases_case SET search_vector = %s, search_text = %s WHERE id = %s",
                [(_word_list(document), document.text, pk) for pk, document in documents.items()],
            )
    _store_words((word for document in documents.values() for word in document.words), seen=seen)


def search_vector_refresh(*, case_ids: Iterable[int], apps=None, _seen: set | None = None) -> None:
    """Rebuild the search document and search text of these cases from everything they hold now."""
    models = _models(apps)
    case_ids = sorted(set(case_ids))
    for start in range(0, len(case_ids), BATCH):
        _write_documents(_case_documents(case_ids[start : start + BATCH], models), seen=_seen)


def search_vector_refresh_all(*, apps=None) -> None:
    """Rebuild every case's search document, and the vocabulary (which then forgets words no case holds)."""
    models = _models(apps)
    # In one transaction: a search running meanwhile must not see a vocabulary half rebuilt.
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {WORD_TABLE}")
        ids = list(models["Case"]._base_manager.order_by("pk").values_list("pk", flat=True))
        search_vector_refresh(case_ids=ids, apps=apps, _seen=set())


def search_vector_add_event(*, event) -> None:
    """Add the words of a new event to its case's document, without reading the case's other events."""
    models = _models()
    documents = {event.case_id: _Document(words={})}
    _event_words(documents, models["Event"]._base_manager.filter(pk=event.pk), models)
    words = documents[event.case_id].words
    if not words:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Only the words the case does not hold yet: a word already there keeps its (better) weight.
            # No new word, no write: rewriting a busy case's row re-indexes every one of its words.
            cursor.execute(
                "UPDATE cases_case AS c SET search_vector = coalesce(c.search_vector, ''::tsvector) || n.words "
                "FROM (SELECT id, ts_delete(%s::tsvector, tsvector_to_array(coalesce(search_vector, ''::tsvector))) "
                "AS words FROM cases_case WHERE id = %s) AS n WHERE c.id = n.id AND length(n.words) > 0",
                [_tsvector(documents[event.case_id]), event.case_id],
            )
        else:
            cursor.execute("SELECT search_vector FROM cases_case WHERE id = %s", [event.case_id])
            row = cursor.fetchone()
            current = (row[0] if row else None) or " "
            held = {entry.partition(":")[2] for entry in current.split()}
            new = {word: weight for word, weight in words.items() if word not in held}
            if new:
                cursor.execute(
                    "UPDATE cases_case SET search_vector = %s WHERE id = %s",
                    [current + _word_list(_Document(words=new)).lstrip(), event.case_id],
                )
    _store_words(words)


# -- the index's pending words (PostgreSQL) ---------------------------------------------------------

SEARCH_INDEX = "case_search_vector"
# All that a bulk load of the documents and words may build once at its end (migrations 0007, 0014).
SEARCH_INDEXES = [SEARCH_INDEX, "search_word_prefix", "search_word_trigram"]
_TIDY_QUEUED = "cases:search-index-tidy-queued"
# Long enough for a busy worker to reach the task; a task lost meanwhile is made up by beat's.
TIDY_QUEUED_SECONDS = 300


def search_index_tidy() -> int:
    """Merge the words waiting in the search index's pending list into the index; the pages merged
    (0 on SQLite, which has no such index).

    A GIN index takes new entries into a pending list, and the write that finds the list full
    merges it. Every update of a case's row adds all of the case's words again (25,000 for a case
    with 10,000 events), so without this a writer's request now and then took 250–550 ms for it.
    The worker does it soon after each change (``search_index_tidy_soon``), about 55 ms for such
    a case, and the list has room for a dozen such updates meanwhile (migration 0020)."""
    cache.delete(_TIDY_QUEUED)  # first: a change made while this runs queues the next run
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [SEARCH_INDEX])
        return cursor.fetchone()[0]


def search_index_tidy_soon() -> None:
    """Queue ``search_index_tidy`` once for all the changes committed before it runs. Called after
    commit; a broker that cannot be reached leaves it to beat's run."""
    if connection.vendor != "postgresql" or not cache.add(_TIDY_QUEUED, True, timeout=TIDY_QUEUED_SECONDS):
        return
    from . import tasks

    try:
        tasks.search_index_tidy.apply_async(retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.1})
    except Exception:  # The broker's errors differ by transport; all mean "not queued".
        cache.delete(_TIDY_QUEUED)
        logger.warning("Could not queue the search index's tidying; beat's run will do it.", exc_info=True)


@receiver(case_record_changed, dispatch_uid="cases.search.record_changed")
def _record_changed(sender, case_id, **kwargs):
    transaction.on_commit(search_index_tidy_soon)


# -- matching and ranking ----------------------------------------------------------------------------


def _quoted(word: str) -> str:
    return "'{}'".format(word.replace("\\", "\\\\").replace("'", "''"))


def _tsquery_term(term: str, weights: str = "") -> str:
    return f"{_quoted(term)}:*{weights}"


def _like_pattern(term: str, weight: str = "") -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"% {weight.lower() if weight else '_'}:{escaped}%"


def _prefix_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _expansions(terms: list[str]) -> dict[str, list[str] | None]:
    """PostgreSQL: the words of the vocabulary that each term begins (None when there are too many).

    A GIN index answers a prefix query ('court':*) by gathering every case of every matching word
    before combining the terms; for the exact words it skips through the rarest term's cases, which
    is many times faster when the words are common. The words come in one query, once per request."""
    cache = getattr(_request_cache, "expansions", None)
    wanted = [term for term in terms if cache is None or term not in cache]
    found = {term: [] for term in wanted}
    if wanted:
        parts = [
            f"(SELECT %s, word FROM {WORD_TABLE} WHERE word LIKE %s ORDER BY word LIMIT {MAX_EXPANSION + 1})"
            for _ in wanted
        ]
        params = [value for term in wanted for value in (term, _prefix_like(term))]
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            for term, word in cursor.fetchall():
                found[term].append(word)
        found = {term: (words if len(words) <= MAX_EXPANSION else None) for term, words in found.items()}
        if cache is not None:
            cache.update(found)
    return {term: (cache[term] if cache is not None and term in cache else found[term]) for term in terms}


def _expansion_forget() -> None:
    cache = getattr(_request_cache, "expansions", None)
    if cache:
        cache.clear()


# The vocabulary's answers, kept for one web request (the list runs its filters twice: for the
# stage counts and for the page); a request that writes forgets them. Nothing is kept outside requests.
_request_cache = threading.local()


@receiver(request_started)
def _request_cache_open(**kwargs):
    _request_cache.expansions = {}


@receiver(request_finished)
def _request_cache_close(**kwargs):
    _request_cache.expansions = None


class SearchMatches(Func):
    """True when the case holds, for every term, a word that the term begins.

    ``words``: on PostgreSQL, for each term, the vocabulary's words it begins (see ``_expansions``),
    matched as exact words; a term without them is matched as a prefix. The terms make one tsquery,
    so that a case read while walking the list's order has its words unpacked once, not once a term."""

    output_field = BooleanField()

    def __init__(self, *terms: str, words: dict | None = None):
        self.terms, self.words = list(terms), dict(words or {})
        super().__init__(F("search_vector"))

    def _tsquery(self) -> str:
        parts = []
        for term in self.terms:
            words = self.words.get(term)
            parts.append(" | ".join(_quoted(word) for word in words) if words else _tsquery_term(term))
        return " & ".join(f"({part})" for part in parts)

    def as_postgresql(self, compiler, connection, **extra):
        vector, params = compiler.compile(self.source_expressions[0])
        return f"({vector} @@ %s::tsquery)", [*params, self._tsquery()]

    def as_sqlite(self, compiler, connection, **extra):
        words, params = compiler.compile(self.source_expressions[0])
        likes = " AND ".join(f"{words} LIKE %s ESCAPE '\\'" for _ in self.terms)
        return f"({likes})", [value for term in self.terms for value in (*params, _like_pattern(term, ""))]


def _term_filters(terms: list[str]) -> list[SearchMatches] | None:
    """The condition for these terms (one, or none for no terms); None when one of them begins no
    word of any case (then no case matches, and asking the database would only cost a scan that the
    planner may misjudge)."""
    if not terms:
        return []
    if connection.vendor != "postgresql":
        return [SearchMatches(*terms)]
    expansions = _expansions(terms)
    if any(words == [] for words in expansions.values()):
        return None
    return [SearchMatches(*terms, words=expansions)]


def _some_word_begins(term: str) -> bool:
    """Whether any case holds a word the term begins (PostgreSQL: any word of the vocabulary, which
    may keep a word of a deleted entry; a suggestion built on one is checked before it is offered)."""
    if connection.vendor == "postgresql":
        return _expansions([term])[term] != []
    return Case.objects.filter(SearchMatches(term)).exists()


class SearchRank(Func):
    """A case's score for these words: for each word of the case that a term begins, 3 when it
    stands in the title, reference or a person's name, 2 in the case's own text, 1 in its events.

    On PostgreSQL this is ts_rank() of the terms joined by OR, which with one weighted position per
    word sums those weights (divided by 1.6449 and the number of terms, undone here); on SQLite the
    same sum is counted in the word list. The same integers on both databases, so the same order."""

    output_field = IntegerField()
    # ts_rank's weights for D, C, B, A: tenths of the scores (D is not used).
    WEIGHTS = "{0.1,%.1f,%.1f,%.1f}" % (SCORES[EVENTS] / 10, SCORES[CASE_TEXT] / 10, SCORES[HEAD] / 10)

    def __init__(self, terms: list[str]):
        self.terms = list(terms)
        super().__init__(F("search_vector"))

    def as_postgresql(self, compiler, connection, **extra):
        vector, params = compiler.compile(self.source_expressions[0])
        query = " | ".join(_tsquery_term(term) for term in self.terms)
        scale = len(self.terms) * 16.4493406685
        return (
            f"round(ts_rank(%s::real[], coalesce({vector}, ''::tsvector), %s::tsquery, 0) * {scale})::integer",
            [self.WEIGHTS, *params, query],
        )

    def as_sqlite(self, compiler, connection, **extra):
        vector, params = compiler.compile(self.source_expressions[0])
        counts, count_params = [], []
        for term in self.terms:
            for weight in (HEAD, CASE_TEXT, EVENTS):
                needle = f" {weight.lower()}:{term}"
                # How many of the case's words (each written once, after a space) begin so.
                words = f"coalesce({vector}, '')"
                found = f"(length({words}) - length(replace({words}, %s, ''))) / {len(needle)}"
                counts.append(f"{SCORES[weight]} * ({found})")
                count_params += [*params, *params, needle]
        return "(" + " + ".join(counts) + ")", count_params


def case_search(queryset: QuerySet, text: str, *, ranked: bool = False) -> QuerySet:
    """The cases in which every word of ``text`` begins some word; best matches first when ``ranked``
    (then the most recently active). Text with no word in it ("!!!") leaves the cases as they are."""
    terms = query_terms(text)
    conditions = _term_filters(terms)
    if conditions is None:
        return queryset.none()
    for condition in conditions:
        queryset = queryset.filter(condition)
    if ranked and terms:
        queryset = queryset.order_by(*relevance_order(text))
    return queryset


BY_ACTIVITY = (F("last_activity_on").desc(nulls_last=True), "title", "pk")


def relevance_order(text: str) -> list:
    """The order of a search's results, best match first, then the most recent activity; empty when
    the text holds no word."""
    terms = query_terms(text)
    if not terms:
        return []
    return [SearchRank(terms).desc(), *BY_ACTIVITY]


def without_ranking(queryset: QuerySet) -> QuerySet:
    """The same cases, most recently active first instead of best match first (other orders kept).

    Ranking reads every matching case's words (about 15 µs a case on PostgreSQL), so a search that
    matches tens of thousands of cases would cost more than the rest of the page: the case list ranks
    at most ``RANKED_AT_MOST`` matches, and shows more by their latest activity, the ranking's own
    tie-break."""
    return queryset.order_by(*BY_ACTIVITY) if is_ranked(queryset) else queryset


def is_ranked(queryset: QuerySet) -> bool:
    """Whether the cases come best match first."""
    order = queryset.query.order_by
    return bool(order) and isinstance(getattr(order[0], "expression", None), SearchRank)


# -- why a case matched ------------------------------------------------------------------------------

SNIPPET_BEFORE, SNIPPET_LENGTH = 60, 180
# The latest entries of a case that a snippet is looked for in; for their sources, the first page
# of its timeline (sources are many, and rarely the only place a word is found).
SNIPPET_EVENTS, SNIPPET_SOURCE_EVENTS = 50, 30
_NO_POSITION = 2**62  # beyond any place on a timeline
_TIMELINE_GAP = 1 << 20  # services.POSITION_GAP, the gap left between neighbours on a timeline


class _Folded(Func):
    """The text folded as search words are (lower case, no accents), for a first, rough look in SQL."""

    output_field = TextField()

    def as_postgresql(self, compiler, connection, **extra):
        text, params = compiler.compile(self.source_expressions[0])
        return f"lower(unaccent({text}))", params

    def as_sqlite(self, compiler, connection, **extra):
        text, params = compiler.compile(self.source_expressions[0])
        return f"search_fold({text})", params


def _sqlite_functions() -> None:
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        connection.connection.create_function(
            "search_fold", 1, lambda text: search_fold(text or ""), deterministic=True
        )


def _rough_pattern(terms: list[str]) -> str:
    """A regular expression for "some word begins with one of the terms", in the database's dialect."""
    start = r"\m" if connection.vendor == "postgresql" else r"\b"
    alternatives = "|".join(re.escape(term.lstrip("§") or term) for term in terms)
    return f"{start}(?:{alternatives})"


_ASCII_TOKEN_ANY_CASE = re.compile(rf"[A-Za-z0-9]+(?:[{_GLUE}][A-Za-z0-9]+)*")


def _marks(text: str, terms: list[str]) -> list[tuple[int, int]]:
    """Where in ``text`` the words that the terms begin are."""
    terms = tuple(terms)
    spans = []
    for match in (_ASCII_TOKEN_ANY_CASE if text.isascii() else _token_pattern()).finditer(text):
        token = search_fold(match.group())
        if token[0] == "§":
            token = re.sub(r"\s+", "", token)
        if any(form.startswith(terms) for form in _forms(token)):
            spans.append(match.span())
    return spans


def _covered(text: str, terms: list[str]) -> set[str]:
    words = search_words(text) if text else ()
    return {term for term in terms if any(word.startswith(term) for word in words)}


def snippet_html(text: str, terms: list[str], *, label: str = "") -> SafeString:
    """A short piece of ``text`` around its first matching word, HTML-escaped, the matching words in <mark>."""
    spans = _marks(text, terms)
    if not spans:
        return mark_safe("")
    begin = max(0, spans[0][0] - SNIPPET_BEFORE)
    if begin:
        space = text.find(" ", begin, spans[0][0])
        begin = space + 1 if space != -1 else begin
    end = min(len(text), begin + SNIPPET_LENGTH)
    if end < len(text):
        space = text.rfind(" ", spans[0][1], end)
        end = space if space != -1 else end
    pieces = [escape(label)] if label else []
    pieces.append("…" if begin else "")
    cursor = begin
    for start, stop in spans:
        if start < begin or stop > end:
            continue
        pieces += [escape(text[cursor:start]), "<mark>", escape(text[start:stop]), "</mark>"]
        cursor = stop
    pieces += [escape(text[cursor:end]), "…" if end < len(text) else ""]
    return mark_safe("".join(pieces))


_SNIPPET_EVENT_FIELDS = (
    "authority__name", "summary", "decision_detail", "judges", "official__name", "statement__body",
    "statement__speaker__name", "statement__speaker_title", "statement__quote", "statement__gist", "note",
    "docket_number", "filed_by",
)


class _Joined(Func):
    """The fields' texts joined by spaces, a missing one (NULL through a join) as empty."""

    output_field = TextField()

    def __init__(self, *fields: str):
        super().__init__(*[F(name) for name in fields])

    def as_sql(self, compiler, connection, **extra):
        # A flat chain: SQLite's parser overflows on the nested pairs that Concat() writes for many fields.
        parts, params = [], []
        for expression in self.source_expressions:
            sql, sql_params = compiler.compile(expression)
            parts.append(f"COALESCE({sql}, '')")
            params.extend(sql_params)
        return "(" + " || ' ' || ".join(parts) + ")", params


def case_search_snippets(cases: Iterable, text: str) -> dict[int, SafeString]:
    """For each case of a page, a short snippet showing why it matched (none when its title says it all).

    The case's own text (its search text) is looked at first; for the cases it does not explain,
    one query finds each case's most recent entry, among its latest ``SNIPPET_EVENTS``, whose text
    holds a word searched for, and the most recent source of its latest ``SNIPPET_SOURCE_EVENTS``
    that does. Bounded so, a case with 10,000 entries costs no more than one with 50; a word found
    only in older entries gets no snippet."""
    terms = query_terms(text)
    cases = list(cases)
    if not terms or not cases:
        return {}
    snippets, covered, unexplained = {}, {}, []
    for case in cases:
        lines = [line for line in (case.search_text or "").splitlines()[2:] if line.strip()]
        best = max(lines, key=lambda line: len(_covered(line, terms)), default="")
        covered[case.pk] = _covered(best, terms)
        if covered[case.pk]:
            snippets[case.pk] = snippet_html(best, terms)
        if covered[case.pk] | _covered(case.title, terms) != set(terms):
            unexplained.append(case.pk)
    if not unexplained:
        return snippets
    _sqlite_functions()
    pattern = _rough_pattern(terms)
    # Only the latest entries are read: those placed within SNIPPET_EVENTS gaps of the latest one
    # (entries are placed a gap apart, closer only where one was put between two). The upper bound,
    # always true, makes the timeline index (case, position) the one the plan reads, newest first.
    oldest_read = OuterRef("last_event__position") - SNIPPET_EVENTS * _TIMELINE_GAP
    events = (
        Event.objects.filter(case=OuterRef("pk"), position__gte=oldest_read, position__lt=_NO_POSITION)
        .annotate(search_folded=_Folded(_Joined(*_SNIPPET_EVENT_FIELDS)))
        .filter(search_folded__regex=pattern)
        .order_by("-position", "-id")
        .values(json=JSONObject(kind="kind", occurred_on="occurred_on", date_precision="date_precision",
                                date_approximate="date_approximate",
                                **{name.replace("__", "_"): name for name in _SNIPPET_EVENT_FIELDS}))[:1]
    )
    sources = (
        Event.sources.through.objects.filter(
            event__case=OuterRef("pk"), event__deleted_at__isnull=True, event__position__lt=_NO_POSITION,
            event__position__gte=OuterRef("last_event__position") - SNIPPET_SOURCE_EVENTS * _TIMELINE_GAP,
        )
        .annotate(search_folded=_Folded(_Joined("source__title", "source__publisher")))
        .filter(search_folded__regex=pattern)
        .order_by("-event__position", "-id")
        .values(json=JSONObject(title="source__title", publisher="source__publisher"))[:1]
    )
    rows = Case.all_objects.filter(pk__in=unexplained).annotate(
        snippet_event=Subquery(events, output_field=JSONField()),
        snippet_source=Subquery(sources, output_field=JSONField()),
    ).values_list("pk", "snippet_event", "snippet_source")
    for pk, event, source in rows:
        candidates = []
        if isinstance(event, dict):
            parts = [str(event.get(name.replace("__", "_")) or "") for name in _SNIPPET_EVENT_FIELDS]
            candidates.append((" · ".join(part for part in parts if part.strip()), _event_label(event)))
        if isinstance(source, dict):
            candidates.append((" · ".join(p for p in (source.get("title"), source.get("publisher")) if p), "Source: "))
        best_count = len(covered.get(pk, ()))
        for candidate, label in candidates:
            count = len(_covered(candidate, terms))
            if count > best_count:
                snippets[pk], best_count = snippet_html(candidate, terms, label=label), count
    return snippets


def _event_label(event: dict) -> str:
    try:
        kind = Event.Kind(event.get("kind")).label
    except ValueError:
        kind = ""
    when = ""
    try:
        day = datetime.date.fromisoformat(str(event.get("occurred_on"))[:10])
        when = partial_date_display(day, precision=event.get("date_precision") or "day",
                                    approximate=bool(event.get("date_approximate")))
    except ValueError:
        pass
    return f"{kind}, {when}: " if kind and when else (f"{kind or when}: " if kind or when else "")


# -- did you mean ------------------------------------------------------------------------------------


def _trigrams(word: str) -> set[str]:
    padded = f"  {word} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def trigram_similarity(a: str, b: str) -> float:
    """pg_trgm's similarity() of two single words, for SQLite."""
    first, second = _trigrams(a), _trigrams(b)
    return len(first & second) / len(first | second) if first or second else 0.0


def _edits(a: str, b: str) -> int:
    """Letters to add, drop, change or swap to turn one word into the other."""
    previous, current = None, list(range(len(b) + 1))
    for i, letter in enumerate(a, start=1):
        before, previous, current = previous, current, [i] + [0] * len(b)
        for j, other in enumerate(b, start=1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (letter != other))
            if before is not None and i > 1 and j > 1 and letter == b[j - 2] and a[i - 2] == other:
                current[j] = min(current[j], before[j - 2] + 1)
    return current[-1]


def _close_words(term: str, limit: int = 3) -> list[str]:
    """The words of the cases closest to ``term``: similar by trigrams, then fewest edits."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The nearest words by trigrams, through the GiST index (no similarity threshold to set).
            cursor.execute(
                f"SELECT word, similarity(word, %s) FROM {WORD_TABLE} WHERE suggest AND word <> %s "
                "ORDER BY word <-> %s, word LIMIT %s",
                [term, term, term, SUGGESTION_CANDIDATES],
            )
            scored = [(word, score) for word, score in cursor.fetchall()]
        else:
            cursor.execute(
                f"SELECT word FROM {WORD_TABLE} WHERE suggest AND length(word) BETWEEN %s AND %s AND word <> %s",
                [len(term) - 3, len(term) + 3, term],
            )
            scored = [(word, trigram_similarity(term, word)) for (word,) in cursor.fetchall()]
            scored = sorted(scored, key=lambda pair: (-pair[1], pair[0]))[:SUGGESTION_CANDIDATES]
    scored = [(word, score) for word, score in scored if score >= SUGGESTION_THRESHOLD]
    # A spelling, not another word: "westminster" is not offered "minister" (5 edits).
    most = 1 + len(term) // 5
    close = [(word, score, _edits(term, word)) for word, score in scored]
    ranked = sorted((item for item in close if item[2] <= most), key=lambda item: (item[2], -round(item[1], 6), item[0]))
    return [word for word, _score, _edits_needed in ranked[:limit]]


def word_suggestion(text: str) -> str | None:
    """A search close to ``text`` that finds cases ("extradtion" → "extradition"), or None.

    Each word that no case holds is replaced by the closest word of the cases; the suggestion is
    offered only when it finds something."""
    terms = query_terms(text)
    if not terms:
        return None
    replaced = False
    suggestion = []
    for term in terms:
        if _some_word_begins(term):
            suggestion.append(term)
            continue
        if not _suggestible(term):
            return None
        found = next(iter(_close_words(term, limit=1)), None)
        if found is None:
            return None
        suggestion.append(found)
        replaced = True
    if not replaced:
        return None
    words = " ".join(suggestion)
    return words if case_search(Case.objects.all(), words).exists() else None
