"""
An export must always import: any history the services accept, exported, imported into an empty
database and exported again, gives the same document (``exchange.exports``, ``exchange.imports``),
and the same CSV (``exchange.spreadsheets``).

Histories are drawn as plans (plain data, so that Hypothesis prints and shrinks them readably),
then written through ``cases.services`` only. The plans keep the rules the services enforce, so
that what is drawn is what is recorded. The defects this test found (of the import or of the
services) each have a test of their own at the end, which failed before their fix.
"""

import contextlib
import datetime
import os
from dataclasses import dataclass, field

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, assume, example, given, note, settings
from hypothesis import strategies as st
from hypothesis.vendor.pretty import pretty

from alerts.models import Alert, Follow
from cases import services
from cases.dates import DateBounds, DatePrecision, partial_date_bounds
from cases.models import (
    AfterSurrender,
    Authority,
    Case,
    CaseParty,
    CaseRelation,
    Confidence,
    Event,
    ExecutiveDecision,
    Outcome,
    Person,
    PersonName,
    RulingDecision,
    Source,
    Stage,
    Statement,
    StatusCategory,
    Treaty,
)
from exchange.exports import export_csv, export_document, export_json
from exchange.imports import import_bytes

pytestmark = pytest.mark.django_db

D = datetime.date
# The services refuse dates after today (but for scheduled hearings): the clock is frozen here so
# that a drawn history means the same whenever the test runs.
TODAY = D(2025, 6, 30)
FIRST_DAY = D(2016, 1, 1)
COUNTRIES = ["IN", "US", "GB", "AG", "BE", "AE"]

# Every service call costs tens of milliseconds (validation, edit history, search words), and the
# import makes them all again: a few dozen short histories keep the file under a minute on SQLite.
# ROUNDTRIP_EXAMPLES=300 runs a longer search (the JSON property that many, the CSV half).
EXAMPLES = int(os.environ.get("ROUNDTRIP_EXAMPLES", "16"))
MAX_STEPS = 8
PROPERTY = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


# Partial dates -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class When:
    """A date as an analyst records it: a day, a month or a year (stored as its first day), maybe "about"."""

    day: D
    precision: str = DatePrecision.DAY
    approximate: bool = False

    @property
    def bounds(self) -> DateBounds:
        return partial_date_bounds(self.day, precision=self.precision, approximate=self.approximate)

    def fields(self) -> dict:
        return {"occurred_on": self.day, "date_precision": self.precision, "date_approximate": self.approximate}


def _whens(days: list[D]) -> list[When]:
    """Every partial date the given days can be recorded as: few days, so that events often share one."""
    found = []
    for day in days:
        for precision, start in ((DatePrecision.DAY, day), (DatePrecision.MONTH, day.replace(day=1)),
                                 (DatePrecision.YEAR, day.replace(month=1, day=1))):
            found += [When(start, precision), When(start, precision, approximate=True)]
    return found


# The plan of a history ---------------------------------------------------------------------------


@dataclass
class PersonPlan:
    name: str
    variants: tuple[tuple[str, str], ...] = ()
    nationality: tuple[str, ...] = ()
    description: str = ""


@dataclass
class AuthorityPlan:
    name: str
    country: str
    kind: str = Authority.Kind.COURT
    level: str = Authority.Level.FIRST_INSTANCE


@dataclass
class SourcePlan:
    title: str
    url: str = ""
    publisher: str = ""
    published_on: D | None = None


@dataclass
class TreatyPlan:
    name: str
    countries: tuple[str, ...] = ()
    signed_on: D | None = None
    url: str = ""


@dataclass
class StatementPlan:
    government: str
    body: str
    quote: str = ""
    reported_speech: bool = False
    gist: str = ""
    speaker: int | None = None  # index into the history's people
    speaker_title: str = ""
    channel: str = ""


@dataclass
class CasePlan:
    reference: str
    title: str = "A case"
    requesting_state: str = "IN"
    requested_state: str = "US"
    offences: str = "Fraud"
    stage: str = Stage.REQUEST_MADE
    opened_on: D | None = None
    # Given at creation only; an analyst can record a month or a year, never "about".
    stage_entered: When | None = None
    treaty: int | None = None
    legal_basis: str = ""
    summary: str = ""
    parties: tuple[tuple[int, str, str], ...] = ()  # (person, role, note)


@dataclass
class Common:
    """What every kind of event may carry besides its date and summary."""

    note: str = ""
    confidence: str = Confidence.REPORTED
    reported_after: int | None = None  # reported this many days after its (first) day, or not known
    authority: int | None = None
    sources: tuple[int, ...] = ()


@dataclass
class ChangeStage:
    case: int
    to_stage: str
    when: When
    reason: str = "Moved."
    common: Common = field(default_factory=Common)


@dataclass
class Record:
    """A ruling, executive decision, hearing, filing, custody change or status update (``event_record``)."""

    case: int
    kind: str
    when: When
    summary: str = "Happened."
    fields: tuple[tuple[str, object], ...] = ()  # the kind's own fields; "official" is an index into people
    common: Common = field(default_factory=Common)


@dataclass
class Say:
    """A statement put on a case's timeline: recorded with its first case, added to the next ones."""

    case: int
    statement: int
    when: When
    summary: str = "Said."
    common: Common = field(default_factory=Common)


@dataclass
class Close:
    case: int
    outcome: str
    on: D
    after_surrender: str = ""
    note: str = ""


@dataclass
class Reopen:
    case: int
    on: D
    reason: str = "Renewed."


@dataclass
class SetOutcome:
    case: int
    outcome: str
    after_surrender: str = ""


@dataclass
class Relate:
    case: int
    other: int
    relation: str = CaseRelation.Relation.SAME_PERSON
    note: str = ""


@dataclass
class Move:
    """Put one of the case's entries (by order of recording) after another, or first."""

    case: int
    entry: int
    after: int | None


@dataclass
class Redate:
    case: int
    entry: int
    when: When


@dataclass
class Delete:
    case: int
    entry: int


@dataclass
class History:
    cases: list[CasePlan]
    steps: list = field(default_factory=list)
    people: list[PersonPlan] = field(default_factory=list)
    authorities: list[AuthorityPlan] = field(default_factory=list)
    sources: list[SourcePlan] = field(default_factory=list)
    treaties: list[TreatyPlan] = field(default_factory=list)
    statements: list[StatementPlan] = field(default_factory=list)


# Writing a plan through the services -------------------------------------------------------------


def _stage_moves_would_cross(case: Case, when: When) -> bool:
    """Whether a stage change on this date would be placed before the case's latest stage change.

    The services place an entry before the first entry certainly after it; an entry placed before
    the latest stage change can be certainly after the new one (a move known only as "2020", then
    one of 1 Feb 2020 with 1 May 2020 between them), and the new move then lands before the move it
    follows: the export lists the chain out of order and the import refuses it. See
    ``test_a_stage_change_placed_before_the_one_it_follows_still_round_trips``."""
    latest = Event.all_objects.filter(case=case, kind=Event.Kind.STAGE_CHANGE).order_by("-position").first()
    return latest is not None and Event.all_objects.filter(
        case=case, position__lte=latest.position, date_earliest__gt=when.bounds.latest
    ).exists()


class _Recorder:
    """Writes a history's plan through the services, keeping what each step needs from the earlier ones."""

    def __init__(self, history: History, *, steer_round_known_defects: bool = True):
        self.history, self.steer = history, steer_round_known_defects

    def run(self) -> None:
        h = self.history
        self.people = [services.person_create(name=p.name, variants=p.variants, nationality=p.nationality,
                                              description=p.description) for p in h.people]
        self.authorities = [services.authority_get_or_create(name=a.name, country=a.country, kind=a.kind, level=a.level)
                            for a in h.authorities]
        self.sources = [services.source_get_or_create(url=s.url, title=s.title, publisher=s.publisher,
                                                      published_on=s.published_on) for s in h.sources]
        self.treaties = [services.treaty_create(name=t.name, countries=list(t.countries), signed_on=t.signed_on,
                                                url=t.url) for t in h.treaties]
        self.statements: dict[int, Statement] = {}
        self.cases = [self.case(plan) for plan in h.cases]
        # Each case's entries in order of recording, for the steps that move, redate or delete one.
        self.entries: list[list[Event]] = [[] for _ in h.cases]
        for step in h.steps:
            getattr(self, type(step).__name__.lower())(step)

    def case(self, plan: CasePlan) -> Case:
        entered = plan.stage_entered
        case = services.case_create(
            title=plan.title, reference=plan.reference, requesting_state=plan.requesting_state,
            requested_state=plan.requested_state, offences=plan.offences, stage=plan.stage, opened_on=plan.opened_on,
            stage_entered_on=entered.day if entered else None,
            stage_entered_precision=entered.precision if entered else DatePrecision.DAY,
            treaty=self.treaties[plan.treaty] if plan.treaty is not None else None,
            legal_basis=plan.legal_basis, summary=plan.summary,
        )
        for person, role, party_note in plan.parties:
            services.case_add_party(case=case, person=self.people[person], role=role, note=party_note)
        return case

    def common(self, common: Common, when: When) -> dict:
        return {
            "note": common.note,
            "confidence": common.confidence,
            "reported_on": when.day + datetime.timedelta(days=common.reported_after)
            if common.reported_after is not None else None,
            "authority": self.authorities[common.authority] if common.authority is not None else None,
            "sources": [self.sources[index] for index in common.sources],
        }

    def changestage(self, step: ChangeStage) -> None:
        case = self.cases[step.case]
        if self.steer:
            assume(not _stage_moves_would_cross(case, step.when))
        self.entries[step.case].append(services.case_change_stage(
            case=case, to_stage=step.to_stage, reason=step.reason, by=None, **step.when.fields(),
            **self.common(step.common, step.when)))

    def record(self, step: Record) -> None:
        fields = dict(step.fields)
        if "official" in fields:
            fields["official"] = self.people[fields["official"]] if fields["official"] is not None else None
        self.entries[step.case].append(services.event_record(
            case=self.cases[step.case], kind=step.kind, summary=step.summary, by=None, **fields, **step.when.fields(),
            **self.common(step.common, step.when)))

    def say(self, step: Say) -> None:
        case = self.cases[step.case]
        arguments = {"summary": step.summary, **step.when.fields(), **self.common(step.common, step.when)}
        statement = self.statements.get(step.statement)
        if statement is None:
            plan = self.history.statements[step.statement]
            statement = self.statements[step.statement] = services.statement_record(
                cases=[case], government=plan.government, body=plan.body, quote=plan.quote,
                reported_speech=plan.reported_speech, gist=plan.gist, speaker_title=plan.speaker_title,
                speaker=self.people[plan.speaker] if plan.speaker is not None else None, channel=plan.channel,
                **arguments)
            self.entries[step.case].append(statement.events.get(case=case))
        else:
            self.entries[step.case] += services.statement_add_cases(statement=statement, cases=[case], **arguments)

    def close(self, step: Close) -> None:
        self.entries[step.case].append(services.case_close(
            case=self.cases[step.case], outcome=step.outcome, closed_on=step.on, note=step.note,
            after_surrender=step.after_surrender, by=None))

    def reopen(self, step: Reopen) -> None:
        self.entries[step.case].append(services.case_reopen(case=self.cases[step.case], reason=step.reason, on=step.on,
                                                            by=None))

    def setoutcome(self, step: SetOutcome) -> None:
        services.case_set_outcome(case=self.cases[step.case], outcome=step.outcome,
                                  after_surrender=step.after_surrender, by=None)

    def relate(self, step: Relate) -> None:
        services.case_relate(case=self.cases[step.case], related_case=self.cases[step.other], relation=step.relation,
                             note=step.note, by=None)

    def _entry(self, case: int, index: int, *, redating: bool = False) -> Event | None:
        """One of the case's live entries, by order of recording (``index`` wraps round); ``redating``:
        one the services let an analyst re-date or delete, which a stage change is not."""
        live = Event.objects.in_bulk([e.pk for e in self.entries[case]])
        entries = [live[e.pk] for e in self.entries[case] if e.pk in live]
        if redating:
            entries = [e for e in entries if e.kind != Event.Kind.STAGE_CHANGE]
            if self.steer:
                entries = [e for e in entries if not _says_the_case_is_closed(e)]
        return entries[index % len(entries)] if entries else None

    def move(self, step: Move) -> None:
        event = self._entry(step.case, step.entry)
        after = self._entry(step.case, step.after) if step.after is not None else None
        if event is None or (after is not None and after.pk == event.pk):
            return
        # Whether the dates allow an order is the services' to say; a refused move changes nothing,
        # as for an analyst told no, and the history stays one the services accepted.
        with contextlib.suppress(ValidationError):
            services.event_move(event=event, after=after, by=None)

    def redate(self, step: Redate) -> None:
        event = self._entry(step.case, step.entry, redating=True)
        if event is None:
            return
        # Refused when it would be reported before it happened, or lie in the future: nothing changes.
        with contextlib.suppress(ValidationError):
            services.event_update(event=event, by=None, **step.when.fields())

    def delete(self, step: Delete) -> None:
        event = self._entry(step.case, step.entry, redating=True)
        if event is not None:
            with contextlib.suppress(ValidationError):  # none today; the fix of a known defect may refuse some
                services.event_delete(event=event, by=None)


def _says_the_case_is_closed(event: Event) -> bool:
    """Whether this is the entry case_close wrote for the case's current closure.

    The import closes a case where its file shows that entry, and closes it at the end (writing
    the entry again) when the file has none: see
    ``test_a_closed_case_whose_closing_entry_was_deleted_still_round_trips``."""
    case = Case.objects.get(pk=event.case_id)
    return (not case.is_open and event.kind == Event.Kind.STATUS and event.category == StatusCategory.CASE_CLOSURE
            and event.occurred_on == case.closed_on)


# Drawing a plan ----------------------------------------------------------------------------------


def _name_key(text: str) -> str:
    """Two names the import (SQL iexact on either database, Python lower()) might take for one."""
    return " ".join(text.upper().casefold().split())


def _texts(*, csv_safe: bool):
    """(free text, short line, name): text as a form passes it on (trimmed, never a control character).

    For the CSV, lines exclude what the export itself uses to pack several values into one cell:
    "|" and line breaks between the parts of a source, ";" and "[role]" between people."""
    free = st.text(st.characters(codec="utf-8", categories=("L", "M", "N", "P", "S", "Zs"), include_characters="\n"),
                   min_size=1, max_size=24).map(str.strip).filter(bool)
    line = st.text(st.characters(codec="utf-8", categories=("L", "M", "N", "P", "S", "Zs"),
                                 exclude_characters="|;[]" if csv_safe else ""),
                   min_size=1, max_size=20).map(str.strip).filter(bool)
    # Names are words with one space between: the CSV's people cell folds runs of spaces.
    word = st.text(st.characters(codec="utf-8", categories=("L",)), min_size=1, max_size=8)
    name = st.lists(word, min_size=1, max_size=3).map(" ".join)
    return free, line, name


def _maybe(strategy, empty=""):
    return st.one_of(st.just(empty), strategy)


@st.composite
def histories(draw, *, csv_safe: bool = False) -> History:
    free, line, name = _texts(csv_safe=csv_safe)
    past = draw(st.lists(st.dates(FIRST_DAY, TODAY), min_size=1, max_size=4, unique=True))
    whens = _whens(past)
    future = _whens(draw(st.lists(st.dates(TODAY + datetime.timedelta(days=1), TODAY + datetime.timedelta(days=400)),
                                  max_size=1)))
    day = st.sampled_from(past)
    countries = st.sampled_from(COUNTRIES)

    # People: no two share a name or a variant (see test_two_people_with_one_name_stay_two_people).
    names = draw(st.lists(name, min_size=1, max_size=5, unique_by=_name_key))
    count = draw(st.integers(1, min(3, len(names))))
    people = [PersonPlan(name=n, nationality=tuple(draw(st.lists(countries, max_size=2, unique=True))),
                         description=draw(_maybe(free))) for n in names[:count]]
    for variant in names[count:]:
        owner = draw(st.integers(0, count - 1))
        kind = draw(st.sampled_from(PersonName.Kind.values))
        people[owner].variants += ((variant, kind),)

    authorities = [
        AuthorityPlan(name=draw(line), country=draw(countries), kind=Authority.Kind.COURT,
                      level=draw(st.sampled_from(Authority.Level.values))),
        *draw(st.lists(st.builds(AuthorityPlan, name=line, country=st.one_of(countries, st.just("")),
                                 kind=st.sampled_from(Authority.Kind.values),
                                 level=_maybe(st.sampled_from(Authority.Level.values))), max_size=2)),
    ]
    sources = draw(st.lists(st.builds(
        SourcePlan, title=line, publisher=_maybe(line), published_on=_maybe(day, None),
        url=_maybe(st.integers(1, 10**6).map(lambda n: f"https://news.example.org/{n}")),
    ), max_size=3))
    treaties = draw(st.lists(st.builds(TreatyPlan, name=line, signed_on=_maybe(day, None),
                                       countries=st.lists(countries, max_size=2, unique=True).map(tuple)),
                             max_size=2, unique_by=lambda t: t.name))
    # Statements: no two share the words the import knows them by (see
    # test_two_statements_with_the_same_words_stay_two_statements).
    statements = draw(st.lists(_statements(free=free, line=line, countries=countries, people=len(people)), max_size=3,
                               unique_by=lambda s: (s.government, _name_key(s.body), " ".join(s.quote.split()),
                                                    "" if s.quote.split() else " ".join(s.gist.split()))))

    cases = []
    for number in range(draw(st.integers(1, 2))):
        requesting, requested = draw(st.lists(countries, min_size=2, max_size=2, unique=True))
        opened_on = draw(_maybe(day, None))
        cases.append(CasePlan(
            reference=f"{draw(st.from_regex(r'[A-Za-z0-9_-]{1,8}', fullmatch=True))}-{number}",
            title=draw(line), requesting_state=requesting, requested_state=requested, offences=draw(free),
            stage=draw(st.sampled_from(Stage.values)), opened_on=opened_on,
            stage_entered=draw(_maybe(st.sampled_from([w for w in whens if not w.approximate]), None)),
            treaty=draw(_maybe(st.integers(0, len(treaties) - 1), None)) if treaties else None,
            legal_basis=draw(_maybe(free)), summary=draw(_maybe(free)),
            parties=tuple(draw(st.lists(
                st.tuples(st.integers(0, len(people) - 1), st.sampled_from(CaseParty.Role.values), _maybe(line)),
                max_size=3, unique_by=lambda p: p[:2]))),
        ))
    history = History(cases=cases, people=people, authorities=authorities, sources=sources, treaties=treaties,
                      statements=statements)
    common = st.builds(
        Common, note=_maybe(free), confidence=st.sampled_from(Confidence.values),
        reported_after=_maybe(st.integers(0, 10), None),
        authority=_maybe(st.integers(0, len(authorities) - 1), None),
        sources=st.lists(st.integers(0, len(sources) - 1), max_size=2, unique=True).map(tuple)
        if sources else st.just(()),
    )
    _draw_steps(draw, history, whens=whens, future=future, free=free, line=line, common=common)
    return history


def _statements(*, free, line, countries, people: int):
    @st.composite
    def statement(draw) -> StatementPlan:
        reported = draw(st.booleans())
        quote = draw(_maybe(free) if reported else free)
        return StatementPlan(
            government=draw(countries), body=draw(line), reported_speech=reported, quote=quote,
            gist=draw(free if reported and not quote else _maybe(free)),
            speaker=draw(_maybe(st.integers(0, people - 1), None)), speaker_title=draw(_maybe(line)),
            channel=draw(_maybe(st.sampled_from(Statement.Channel.values))),
        )

    return statement()


@dataclass
class _CaseState:
    """What the services will check a case's next step against."""

    stage: str
    floor: DateBounds | None  # the interval of the date its current stage was entered
    opened: DateBounds | None
    entered_apart: bool  # created with a stage date of its own (not its opening day)
    open: bool = True
    outcome: str = ""
    moves: int = 0
    last_move: When | None = None
    stages: list[str] = field(default_factory=list)
    said: set[int] = field(default_factory=set)
    records: list[Record] = field(default_factory=list)


def _draw_steps(draw, history: History, *, whens, future, free, line, common) -> None:
    """The history's steps, each one the services accept after the steps before it."""
    states = []
    for plan in history.cases:
        opened = partial_date_bounds(plan.opened_on, precision=DatePrecision.DAY) if plan.opened_on else None
        floor = plan.stage_entered.bounds if plan.stage_entered else opened
        states.append(_CaseState(stage=plan.stage, floor=floor, opened=opened,
                                 entered_apart=plan.stage_entered is not None, stages=[plan.stage]))
    kinds = ["record"] * 3 + ["stage"] * 4 + ["repeat"] * 2 + ["say", "close", "outcome", "move", "redate", "delete",
                                                                 "relate"]
    for _ in range(draw(st.integers(1, MAX_STEPS))):
        number = draw(st.integers(0, len(history.cases) - 1))
        state, kind = states[number], draw(st.sampled_from(kinds))
        if kind == "stage":
            floors = [state.floor]
            if state.moves == 0 and state.entered_apart:
                # See test_a_first_stage_change_before_the_opening_day_still_round_trips.
                floors.append(state.opened)
            allowed = [w for w in whens if not any(f and w.bounds.certainly_before(f) for f in floors)]
            if not allowed:
                continue
            # Often the day of the last move, and back and forth that day (a stay, an order quashed
            # and made again): several moves to one stage on one day are alike events.
            when = draw(st.sampled_from(allowed) if state.last_move is None else
                        st.one_of(st.just(state.last_move), st.sampled_from(allowed)))
            for _ in range(draw(st.integers(1, 3))):
                earlier = [stage for stage in state.stages if stage != state.stage]
                to_stage = draw(st.one_of(st.sampled_from(earlier), st.sampled_from(Stage.values)) if earlier
                                else st.sampled_from(Stage.values))
                if to_stage == state.stage:
                    break
                history.steps.append(ChangeStage(number, to_stage, when, reason=draw(free), common=draw(common)))
                state.stage, state.floor, state.moves, state.last_move = to_stage, when.bounds, state.moves + 1, when
                state.stages.append(to_stage)
        elif kind == "record":
            step = draw(_records(number, whens=whens, future=future, free=free, line=line, common=common,
                                 authorities=len(history.authorities), people=len(history.people)))
            history.steps.append(step)
            state.records.append(step)
        elif kind == "repeat" and state.records:
            # Several events with identical content on one day: the services allow it, and so must the file.
            history.steps.append(draw(st.sampled_from(state.records)))
        elif kind == "say" and history.statements:
            statement = draw(st.integers(0, len(history.statements) - 1))
            if statement not in state.said:  # the services put a statement on a case's timeline once
                state.said.add(statement)
                history.steps.append(Say(number, statement, draw(st.sampled_from(whens)), summary=draw(free),
                                         common=draw(common)))
        elif kind == "close":
            # Closed when open, reopened when closed, as the case page offers.
            on = draw(st.sampled_from([w.day for w in whens]))
            if state.open:
                outcome = draw(st.sampled_from(Outcome.values))
                after = draw(_maybe(st.sampled_from(AfterSurrender.values))) if outcome == Outcome.EXTRADITED else ""
                history.steps.append(Close(number, outcome, on, after_surrender=after, note=draw(_maybe(free))))
                state.open, state.outcome = False, outcome
            else:
                history.steps.append(Reopen(number, on, reason=draw(free)))
                state.open = True
                if state.outcome != Outcome.EXTRADITED:
                    state.outcome = ""
        elif kind == "outcome":
            # A closed case keeps an outcome; an open one may have none yet.
            outcomes = st.sampled_from(Outcome.values)
            outcome = draw(outcomes if not state.open else _maybe(outcomes))
            after = draw(_maybe(st.sampled_from(AfterSurrender.values))) if outcome == Outcome.EXTRADITED else ""
            history.steps.append(SetOutcome(number, outcome, after_surrender=after))
            state.outcome = outcome
        elif kind == "move":
            history.steps.append(Move(number, draw(st.integers(0, 20)), draw(_maybe(st.integers(0, 20), None))))
        elif kind == "redate":
            history.steps.append(Redate(number, draw(st.integers(0, 20)), draw(st.sampled_from(whens))))
        elif kind == "delete":
            history.steps.append(Delete(number, draw(st.integers(0, 20))))
        elif kind == "relate" and len(history.cases) > 1:
            other = draw(st.integers(0, len(history.cases) - 1))
            if other != number:
                history.steps.append(Relate(number, other, draw(st.sampled_from(CaseRelation.Relation.values)),
                                            note=draw(_maybe(line))))


def _records(number: int, *, whens, future, free, line, common, authorities: int, people: int):
    url = _maybe(st.integers(1, 999).map(lambda n: f"https://courts.example.org/order-{n}"))
    authority = st.integers(0, authorities - 1)

    @st.composite
    def record(draw) -> Record:
        kind = draw(st.sampled_from([Event.Kind.RULING, Event.Kind.EXECUTIVE_DECISION, Event.Kind.HEARING,
                                     Event.Kind.FILING, Event.Kind.CUSTODY, Event.Kind.STATUS]))
        when = draw(st.sampled_from(whens))
        shared = draw(common)
        if kind == Event.Kind.RULING:
            fields = {"decision": draw(st.sampled_from(RulingDecision.values)), "decision_detail": draw(_maybe(line)),
                      "judges": draw(_maybe(line)), "docket_number": draw(_maybe(line)), "document_url": draw(url)}
            shared.authority = draw(authority)  # a ruling needs its court
        elif kind == Event.Kind.EXECUTIVE_DECISION:
            fields = {"decision": draw(st.sampled_from(ExecutiveDecision.values)),
                      "decision_detail": draw(_maybe(line)),
                      "official": draw(_maybe(st.integers(0, people - 1), None)), "docket_number": draw(_maybe(line)),
                      "document_url": draw(url)}
            shared.authority = draw(authority)
        elif kind == Event.Kind.HEARING:
            fields = {"hearing_status": draw(st.sampled_from(Event.HearingStatus.values)),
                      "docket_number": draw(_maybe(line)), "judges": draw(_maybe(line))}
            if fields["hearing_status"] == Event.HearingStatus.SCHEDULED and future:
                when = draw(st.sampled_from(whens + future))  # only a scheduled hearing may lie ahead
        elif kind == Event.Kind.FILING:
            fields = {"filing_type": draw(st.sampled_from(Event.FilingType.values)), "filed_by": draw(_maybe(line)),
                      "docket_number": draw(_maybe(line)), "document_url": draw(url)}
        elif kind == Event.Kind.CUSTODY:
            fields = {"custody_change": draw(st.sampled_from(Event.CustodyChange.values)),
                      "custody_change_then": draw(_maybe(st.sampled_from(Event.CustodyChange.values)))}
        else:
            fields = {"category": draw(st.sampled_from(StatusCategory.values))}
        return Record(number, kind, when, summary=draw(free), fields=tuple(fields.items()), common=shared)

    return record()


# The round trip ----------------------------------------------------------------------------------


def _empty_database() -> None:
    """Remove every case record, as if the import ran on a new installation."""
    Alert.objects.all().delete()
    Follow.objects.all().delete()
    Case.all_objects.update(last_event=None)
    Event.all_objects.all().delete()
    CaseParty.objects.all().delete()
    CaseRelation.objects.all().delete()
    Case.all_objects.all().delete()
    Statement.objects.all().delete()
    Source.objects.all().delete()
    Authority.objects.all().delete()
    PersonName.objects.all().delete()
    Person.objects.all().delete()
    Treaty.objects.all().delete()


@contextlib.contextmanager
def _one_example():
    """Each example starts from an empty database and leaves it so (the test's transaction holds
    them all), with the clock frozen for the services' "not in the future" rule."""
    noon = datetime.datetime(TODAY.year, TODAY.month, TODAY.day, 12, tzinfo=datetime.UTC)
    with time_machine.travel(noon, tick=False):
        with transaction.atomic():
            yield
            transaction.set_rollback(True)


def _round_trip_json(history: History, *, steer_round_known_defects: bool = True) -> tuple[str, str]:
    """The full export of the recorded history, and the full export after importing it into an empty database.

    Nothing is normalised: the document holds natural keys only, never database ids or the moment
    of export (exchange.exports), so the two texts must be equal byte for byte."""
    _Recorder(history, steer_round_known_defects=steer_round_known_defects).run()
    before = export_json(export_document(everything=True))
    _empty_database()
    result = import_bytes(before.encode(), format="json")
    assert result.ok, [str(problem) for problem in result.problems]
    return before, export_json(export_document(everything=True))


def _round_trip_csv(history: History) -> tuple[str, str]:
    """The CSV export of the recorded history, and the CSV export after importing it into an empty database.

    Compared as CSV, not as documents: a CSV holds less than the document (no variants, no
    nationality, no related matters), and what it holds must come back unchanged."""
    _Recorder(history).run()
    before = export_csv(export_document())
    _empty_database()
    result = import_bytes(before.encode(), format="csv")
    assert result.ok, [str(problem) for problem in result.problems]
    return before, export_csv(export_document())


# The stage moved hearing → surrender pending → hearing on one day, and two identical rulings on
# one day: alike events the import once could not tell apart (fixed by numbering them in order).
BACK_AND_FORTH = History(
    cases=[CasePlan(reference="rana-us-in", stage=Stage.APPEAL, opened_on=D(2024, 1, 5))],
    authorities=[AuthorityPlan(name="Supreme Court", country="US", level=Authority.Level.SUPREME)],
    steps=[
        ChangeStage(0, Stage.HEARING, When(D(2025, 3, 3)), reason="Moved."),
        ChangeStage(0, Stage.SURRENDER_PENDING, When(D(2025, 3, 3)), reason="Moved."),
        ChangeStage(0, Stage.HEARING, When(D(2025, 3, 3)), reason="Moved."),
        Record(0, Event.Kind.RULING, When(D(2025, 3, 3)), summary="Stay.", fields=(("decision", "stay_granted"),),
               common=Common(authority=0)),
        Record(0, Event.Kind.RULING, When(D(2025, 3, 3)), summary="Stay.", fields=(("decision", "stay_granted"),),
               common=Common(authority=0)),
    ],
)


@PROPERTY
@given(history=histories())
@example(history=BACK_AND_FORTH)
def test_any_history_the_services_accept_exports_and_imports_into_the_same_document(db, history):
    note(pretty(history))  # Hypothesis's own report of a failure leaves a drawn plan's contents out
    with _one_example():
        before, after = _round_trip_json(history)
        assert after == before


@settings(PROPERTY, max_examples=EXAMPLES // 2)
@given(history=histories(csv_safe=True))
@example(history=BACK_AND_FORTH)
def test_any_history_the_services_accept_exports_and_imports_into_the_same_csv(db, history):
    note(pretty(history))
    with _one_example():
        before, after = _round_trip_csv(history)
        assert after == before


# Known defects -----------------------------------------------------------------------------------
# Histories the services accept that do not survive the round trip. The property above steers
# round each (where its plan or recorder says so); each is kept here as the smallest history that
# shows it, recorded without steering, to pass once the change named in its reason is made.


def _round_trips_unless_refused(history: History) -> None:
    """The history comes back the same, or the services refuse to record it: a defect's fix may be
    a refusal, and a history the services refuse need not survive anything."""
    with _one_example():
        try:
            before, after = _round_trip_json(history, steer_round_known_defects=False)
        except ValidationError:
            return
        assert after == before


def test_a_stage_change_placed_before_the_one_it_follows_still_round_trips(db):
    _round_trips_unless_refused(History(
        cases=[CasePlan(reference="c")],
        steps=[
            Record(0, Event.Kind.STATUS, When(D(2020, 5, 1)), summary="In May.", fields=(("category", "other"),)),
            ChangeStage(0, Stage.HEARING, When(D(2020, 1, 1), DatePrecision.YEAR), reason="Some time in 2020."),
            ChangeStage(0, Stage.COMMITTED, When(D(2020, 2, 1)), reason="On 1 February."),
        ],
    ))


def test_a_first_stage_change_before_the_opening_day_still_round_trips(db):
    _round_trips_unless_refused(History(
        cases=[CasePlan(reference="c", stage=Stage.ARREST, opened_on=D(2020, 6, 1), stage_entered=When(D(2020, 1, 1)))],
        steps=[ChangeStage(0, Stage.HEARING, When(D(2020, 3, 1)), reason="Hearing began.")],
    ))


def test_two_people_with_one_name_stay_two_people(db):
    _round_trips_unless_refused(History(
        cases=[CasePlan(reference="c",
                        parties=((0, CaseParty.Role.PERSON_SOUGHT, ""), (1, CaseParty.Role.WITNESS, "")))],
        people=[PersonPlan(name="Ravi Kumar"), PersonPlan(name="Ravi Kumar", description="Another man.")],
    ))


def test_two_statements_with_the_same_words_stay_two_statements(db):
    said = StatementPlan(government="IN", body="Ministry of External Affairs", quote="We are pursuing it.")
    _round_trips_unless_refused(History(
        cases=[CasePlan(reference="c")],
        statements=[said, said],
        steps=[Say(0, 0, When(D(2024, 1, 5))), Say(0, 1, When(D(2024, 2, 5)))],
    ))


def test_a_closed_case_whose_closing_entry_was_deleted_still_round_trips(db):
    _round_trips_unless_refused(History(
        cases=[CasePlan(reference="c")],
        steps=[Close(0, Outcome.WITHDRAWN, D(2024, 1, 5)), Delete(0, 0)],
    ))


def test_a_closed_case_whose_closing_entry_was_redated_still_round_trips(db):
    _round_trips_unless_refused(History(
        cases=[CasePlan(reference="c")],
        steps=[Close(0, Outcome.WITHDRAWN, D(2024, 1, 5)), Redate(0, 0, When(D(2024, 1, 1), DatePrecision.MONTH))],
    ))
