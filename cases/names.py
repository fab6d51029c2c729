"""Finding people by their names as analysts type them.

A query matches a person when each of its words begins a word of the person's name or of one of
the person's variants, in any order, whatever the case, accents or script: "nirav modi" finds
Nirav Deepak Modi, "Polanski" Polański, "assange julian" Julian Paul Assange. When no one matches
so, each word may instead be *similar* to a word of the name: misspellings and other
romanisations, Tahawur/Tahawwur, Neerav/Nirav, Chokshi/Choksi, Dawood/Daood. Best matches first.

How, and why so:

- Every word of every name and variant is kept, normalised, in ``NameWord`` (one row per word):
  written in plain letters by anyascii (ń → n, ł → l, Cyrillic or Devanagari romanised), in lower
  case, apostrophes dropped, split at anything else that is not a letter or a digit. The same
  Python code normalises what is stored and what is typed, on both databases, so that both agree
  on what a word is. (PostgreSQL's unaccent knows Latin accents only; a second definition of a
  word in SQL would make the two databases disagree.)
- A prefix is an index range lookup on that column: ``LIKE 'nir%'`` on PostgreSQL (btree with the
  pattern operator class), a plain range on SQLite (``'nir' <= word < 'nir~'``).
- Similarity is pg_trgm's trigram similarity of two words, or of their spelling keys
  (``word_key``: doubled letters, ee/i, oo/u, sh/s, kh/k, zh/j, ph/f… folded, where
  romanisations usually differ), whichever is higher; ``SIMILAR`` or more counts. Similar words
  are looked up among the distinct words on file (``KnownWord``, a few thousand rows where
  ``NameWord`` has one per word of every person): on PostgreSQL with pg_trgm's ``%`` operator on
  GIN trigram indexes of the words and of their keys, in the same query as the prefixes; on SQLite
  by reading them all, and only when no one matched by words. The candidates' words then come
  back, and who matches, how well, and which name to suggest is decided here in Python, by a copy
  of pg_trgm's formula: the two databases accept and rank the same people (pg_trgm's default
  threshold, 0.3, lets through a superset of what ``SIMILAR`` accepts).
- The rows are rewritten by ``post_save`` receivers on Person and PersonName rather than by the
  services: people and variants are also written by the admin's inlines, and a name on file that
  cannot be found is exactly the failure this module is for. Deleting a person or a variant
  deletes its words (cascade). Bulk inserts bypass the receivers: call ``name_index_rebuild``.
- A search is resolved once per request: the case list filters by the same person for its rows
  and again for its stage counts, so the matching people's ids (up to ``FEW``; beyond, the
  conditions go into the case queries as a subquery) are read once and remembered until the
  request ends or a name changes. One query when the words match someone (on PostgreSQL, also
  when only similar spellings do); on SQLite two more for a misspelling.
"""

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain, islice

from anyascii import anyascii
from django.core.signals import request_finished, request_started
from django.db import connection, transaction
from django.db.models import Case as SqlCase
from django.db.models import Exists, FloatField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.db.models.signals import post_save
from django.dispatch import receiver

from .models import KnownWord, NameWord, Person, PersonName

# Typed text beyond this is not a name; words beyond this many add nothing but work.
MAX_TEXT = 200
MAX_QUERY_WORDS = 8
WORD_LENGTH = 60  # NameWord.word's max_length
# The similarity (0–1) from which a recorded word counts as another spelling of a typed one.
SIMILAR = 0.4
# Shorter typed words match by prefix only: two letters are similar to far too much.
SIMILAR_MIN_LENGTH = 3
# The closest recorded words kept per typed word (a bound on the SQL, not a ranking cut: far more
# than a name ever has).
SIMILAR_PER_WORD = 200
# Up to this many matching people, a search is carried as their ids; beyond, as a subquery (and
# people are listed by name rather than ranked: a text that many people answer is not a name).
FEW = 500

# How much a recorded word is worth to a typed one, for ranking.
EXACT, PREFIX, SIMILAR_WEIGHT = 1.0, 0.8, 0.75


# -- words --------------------------------------------------------------------------------------

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_APOSTROPHES = re.compile(r"['`]")
# Where romanisations of one name usually differ; applied in this order.
_FOLDS = (
    ("dzh", "j"), ("dj", "j"), ("zh", "j"), ("ph", "f"), ("kh", "k"), ("gh", "g"), ("bh", "b"), ("dh", "d"),
    ("th", "t"), ("sh", "s"), ("ck", "k"), ("q", "k"), ("ee", "i"), ("oo", "u"), ("ou", "u"), ("y", "i"),
)
_DOUBLED = re.compile(r"(.)\1+")
_W_BETWEEN_VOWELS = re.compile(r"(?<=[aeiou])w(?=[aeiou])")


def name_words(text: str) -> list[str]:
    """The words of a name as searches compare them: plain letters, lower case, in order, each once."""
    plain = _APOSTROPHES.sub("", anyascii(text[:MAX_TEXT]).lower())
    words: list[str] = []
    for word in _NOT_ALNUM.split(plain):
        word = word[:WORD_LENGTH]
        if word and word not in words:
            words.append(word)
    return words


@lru_cache(maxsize=65536)
def word_key(word: str) -> str:
    """The word with the usual differences between romanisations folded away: "neerav" → "nirav",
    "tahawwur" → "tahaur", "chokshi" → "choksi", "dawood" → "daud", "dzhulian" → "julian"."""
    for spelling, folded in _FOLDS:
        word = word.replace(spelling, folded)
    word = _W_BETWEEN_VOWELS.sub("", _DOUBLED.sub(r"\1", word))
    return _DOUBLED.sub(r"\1", word)


@lru_cache(maxsize=65536)
def _trigrams(word: str) -> frozenset[str]:
    # pg_trgm pads each word with two spaces in front and one behind.
    padded = f"  {word} "
    return frozenset(padded[i : i + 3] for i in range(len(padded) - 2))


def trigram_similarity(a: str, b: str) -> float:
    """pg_trgm's ``similarity()`` of two single words: shared trigrams over all trigrams."""
    first, second = _trigrams(a), _trigrams(b)
    shared = len(first & second)
    return shared / (len(first) + len(second) - shared)


def spelling_similarity(typed: str, recorded: str) -> float:
    """How alike two words are as spellings of one name: as written, or once their keys are folded."""
    return max(trigram_similarity(typed, recorded), trigram_similarity(word_key(typed), word_key(recorded)))


def _word_score(typed: str, recorded: str) -> float:
    """What a recorded word is worth to a typed one: the same word, a word it begins, or a similar one."""
    if recorded == typed:
        return EXACT
    if recorded.startswith(typed):
        return PREFIX
    if len(typed) >= SIMILAR_MIN_LENGTH:
        similarity = spelling_similarity(typed, recorded)
        if similarity >= SIMILAR:
            return SIMILAR_WEIGHT * similarity
    return 0.0


# -- the index ----------------------------------------------------------------------------------


def _rows(person_id: int, variant_id: int | None, name: str) -> list[NameWord]:
    return [
        NameWord(person_id=person_id, variant_id=variant_id, word=word, name=name[:200]) for word in name_words(name)
    ]


def _know(rows: Iterable[NameWord]) -> None:
    words = {row.word for row in rows}
    KnownWord.objects.bulk_create([KnownWord(word=word, key=word_key(word)) for word in words], ignore_conflicts=True)


def name_index_refresh(*, person: Person | None = None, variant: PersonName | None = None) -> None:
    """Rewrite the words of a person's own name, or of one variant, after it was saved."""
    with transaction.atomic():
        if person is not None:
            NameWord.objects.filter(person_id=person.pk, variant__isnull=True).delete()
            _know(NameWord.objects.bulk_create(_rows(person.pk, None, person.name)))
        if variant is not None:
            NameWord.objects.filter(variant_id=variant.pk).delete()
            _know(NameWord.objects.bulk_create(_rows(variant.person_id, variant.pk, variant.name)))
    _forget()


def name_index_rebuild(*, batch: int = 5000) -> int:
    """Write every person's name words afresh, after bulk inserts (which bypass the receivers),
    and forget the words no name uses any more. Returns the number of words written."""
    people = Person.objects.order_by().values_list("pk", "name").iterator(chunk_size=batch)
    variants = PersonName.objects.order_by().values_list("pk", "person_id", "name").iterator(chunk_size=batch)
    rows = chain(
        (row for pk, name in people for row in _rows(pk, None, name)),
        (row for pk, person_id, name in variants for row in _rows(person_id, pk, name)),
    )
    written = 0
    with transaction.atomic():
        NameWord.objects.all().delete()
        KnownWord.objects.all().delete()
        while chunk := list(islice(rows, batch)):
            _know(NameWord.objects.bulk_create(chunk))
            written += len(chunk)
    _forget()
    return written


def _names_may_have_changed(raw: bool, update_fields) -> bool:
    # raw: a fixture being loaded, which carries its own NameWord rows; update_fields: a save of
    # other columns only.
    return not raw and (update_fields is None or bool({"name", "person"} & set(update_fields)))


@receiver(post_save, sender=Person, dispatch_uid="cases.names.person_saved")
def _person_saved(sender, instance: Person, raw=False, update_fields=None, **kwargs):
    if _names_may_have_changed(raw, update_fields):
        name_index_refresh(person=instance)


@receiver(post_save, sender=PersonName, dispatch_uid="cases.names.variant_saved")
def _variant_saved(sender, instance: PersonName, raw=False, update_fields=None, **kwargs):
    if _names_may_have_changed(raw, update_fields):
        name_index_refresh(variant=instance)


# -- one resolution per request -----------------------------------------------------------------


class _RequestMemo(threading.local):
    plans: dict | None = None  # None outside a request: nothing is remembered there


_memo = _RequestMemo()


@receiver(request_started, dispatch_uid="cases.names.request_started")
def _request_started(**kwargs):
    _memo.plans = {}


@receiver(request_finished, dispatch_uid="cases.names.request_finished")
def _request_finished(**kwargs):
    _memo.plans = None


def _forget() -> None:
    if _memo.plans:
        _memo.plans.clear()


# -- matching -----------------------------------------------------------------------------------


def _prefix(word: str) -> Q:
    """Recorded words that begin with ``word``, through the index on either database."""
    if connection.vendor == "postgresql":
        return Q(word__startswith=word)
    # Words hold only a-z and 0-9, all below "~": the range is exactly the words with that prefix.
    return Q(word__gte=word, word__lt=word + "~")


def _near(word: str) -> Q:
    """PostgreSQL: the recorded words that begin with ``word`` or that pg_trgm finds similar to it,
    looked up among the known words (its default threshold, 0.3, lets through more than
    ``SIMILAR``: Python has the last word)."""
    if len(word) < SIMILAR_MIN_LENGTH:
        return _prefix(word)
    known = KnownWord.objects.filter(
        _prefix(word) | Q(word__trigram_similar=word) | Q(key__trigram_similar=word_key(word))
    )
    return Q(word__in=known.values("word"))


def _similar_known(words: tuple[str, ...]) -> list[list[str]]:
    """SQLite: per typed word, the known words similar enough to it, closest first (all of them read)."""
    known = list(KnownWord.objects.order_by().values_list("word", flat=True))
    similar = []
    for typed in words:
        scored = [] if len(typed) < SIMILAR_MIN_LENGTH else sorted(
            ((spelling_similarity(typed, word), word) for word in known if not word.startswith(typed)), reverse=True
        )
        similar.append([word for score, word in scored[:SIMILAR_PER_WORD] if score >= SIMILAR])
    return similar


@dataclass(frozen=True)
class _Plan:
    """How one typed text is matched: its words; whether they matched by words (else only by
    similarity); the similar recorded words per typed word, with what each is worth; the matching
    people's ids (None: too many to list, filter by the conditions); the name to suggest."""

    words: tuple[str, ...]
    by_words: bool
    similar: tuple[tuple[tuple[str, float], ...], ...]
    person_ids: tuple[int, ...] | None
    suggestion: str | None = None

    def condition(self, index: int) -> Q:
        """The recorded words that answer the typed word at ``index``."""
        condition = _prefix(self.words[index])
        if similar := self.similar[index]:
            condition |= Q(word__in=[word for word, _ in similar])
        return condition

    def exists(self) -> list[Exists]:
        """One condition per typed word, on a Person queryset."""
        return [
            Exists(NameWord.objects.filter(self.condition(i), person=OuterRef("pk"))) for i in range(len(self.words))
        ]

    def rank(self):
        """The sum, over the typed words, of the best a person's words are worth to each (``_word_score``)."""
        total = None
        for index, typed in enumerate(self.words):
            whens = [When(word=typed, then=Value(EXACT)), When(_prefix(typed), then=Value(PREFIX))]
            whens += [When(word=word, then=Value(score)) for word, score in self.similar[index]]
            score = SqlCase(*whens, default=Value(0.0), output_field=FloatField())
            best = NameWord.objects.filter(person=OuterRef("pk")).annotate(score=score).order_by("-score")
            best = best.values("score")[:1]
            term = Coalesce(Subquery(best, output_field=FloatField()), Value(0.0))
            total = term if total is None else total + term
        return total


@dataclass
class _Candidate:
    name: str = ""
    names: set = field(default_factory=set)
    words: set = field(default_factory=set)


def _candidates(words: tuple[str, ...], conditions: list[Q]) -> tuple[dict[int, _Candidate], bool]:
    """The words and names of the people (at most FEW + 1) with, for every typed word, a word
    meeting its condition; and whether there were more than FEW."""
    # Start from the longest typed word's rows (usually the fewest), then require the others.
    first, *rest = sorted(range(len(words)), key=lambda i: -len(words[i]))
    ids = NameWord.objects.filter(conditions[first]).filter(
        *[Exists(NameWord.objects.filter(conditions[i], person=OuterRef("person"))) for i in rest]
    ).order_by().values("person_id").distinct()[: FEW + 1]
    rows = NameWord.objects.filter(person_id__in=ids).order_by().values_list("person_id", "variant_id", "word", "name")
    people: dict[int, _Candidate] = {}
    for person_id, variant_id, word, name in rows:
        candidate = people.setdefault(person_id, _Candidate())
        candidate.words.add(word)
        candidate.names.add(name)
        if variant_id is None:
            candidate.name = name
    return people, len(people) > FEW


def _decide(words: tuple[str, ...], people: dict[int, _Candidate], many: bool) -> _Plan:
    """Who matches, from the candidates' words, in Python on both databases: by words, else by similarity."""
    scores, strict, similar = {}, set(), [{} for _ in words]
    for person_id, candidate in people.items():
        best = []
        for index, typed in enumerate(words):
            score, word = max(((_word_score(typed, word), word) for word in candidate.words), default=(0.0, ""))
            best.append(score)
            if 0 < score < PREFIX:
                similar[index][word] = score
        if all(best):
            scores[person_id] = sum(best)
            if min(best) >= PREFIX:
                strict.add(person_id)
    by_words = bool(strict)
    matched = strict or set(scores)
    suggestion = None
    if not by_words and matched:
        top = people[min(matched, key=lambda pk: (-scores[pk], people[pk].name, pk))]
        suggestion = _closest_name(words, top)
    kept = tuple(
        () if by_words else tuple(sorted(per_word.items(), key=lambda item: -item[1])[:SIMILAR_PER_WORD])
        for per_word in similar
    )
    return _Plan(words, by_words, kept, None if many else tuple(sorted(matched)), suggestion)


def _closest_name(words: tuple[str, ...], candidate: _Candidate) -> str:
    """Of a person's name and variants, the one closest to the typed words; the shortest, then the
    person's own, among equals."""

    def closeness(name: str):
        recorded = name_words(name)
        score = sum(max((_word_score(typed, word) for word in recorded), default=0.0) for typed in words)
        return score, -len(recorded), name == candidate.name, name

    return max(candidate.names, key=closeness)


def _plan(text: str) -> _Plan | None:
    words = tuple(name_words(text)[:MAX_QUERY_WORDS])
    if not words:
        return None
    plans = _memo.plans
    if plans is not None and words in plans:
        return plans[words]
    by_prefix = [_prefix(word) for word in words]
    if connection.vendor == "postgresql":
        # One query: the words that begin with each typed one and pg_trgm's similar ones together.
        plan = _decide(words, *_candidates(words, [_near(word) for word in words]))
        if plan.person_ids is None and not plan.by_words:
            # More than FEW candidates, none of those read matching by words: make sure none does.
            strict = _decide(words, *_candidates(words, by_prefix))
            plan = strict if strict.by_words else plan
    else:
        plan = _decide(words, *_candidates(words, by_prefix))
        if not plan.by_words and any(len(word) >= SIMILAR_MIN_LENGTH for word in words):
            similar = _similar_known(words)
            conditions = [prefix | Q(word__in=near) if near else prefix for prefix, near in zip(by_prefix, similar)]
            plan = _decide(words, *_candidates(words, conditions))
    if plans is not None:
        plans[words] = plan
    return plan


def people_matching(text: str, queryset: QuerySet[Person] | None = None) -> QuerySet[Person]:
    """People whose names answer the text, best first: every typed word begins a word of the
    person's name or of one variant (any order, any case or accents); failing that, for anyone,
    every typed word begins or is similar to one of their words."""
    people = Person.objects.all() if queryset is None else queryset
    plan = _plan(text)
    if plan is None or plan.person_ids == ():
        return people.none()
    if plan.person_ids is None:
        # More than FEW people: a ranking of them all would cost more than it tells.
        return people.filter(*plan.exists()).order_by("name", "pk")
    return people.filter(pk__in=plan.person_ids).annotate(name_match=plan.rank()).order_by("-name_match", "name", "pk")


def people_named(text: str, queryset: QuerySet[Person] | None = None) -> QuerySet[Person]:
    """People with every typed word as a whole word of their names (any order, case or accents):
    what a form accepts as naming someone, where a prefix or a similar spelling would be a guess."""
    people = Person.objects.all() if queryset is None else queryset
    words = name_words(text)[:MAX_QUERY_WORDS]
    if not words:
        return people.none()
    return people.filter(
        *[Exists(NameWord.objects.filter(word=word, person=OuterRef("pk"))) for word in words]
    ).order_by("name", "pk")


def name_suggestion(text: str) -> str | None:
    """The recorded name closest to the text when no name matches it word for word ("Did you mean
    Tahawwur Rana?"): the best-matching person's name or variant. None when some name matches by
    its words, or none is close. No query of its own after ``people_matching`` in the same request."""
    plan = _plan(text)
    return plan.suggestion if plan is not None else None
