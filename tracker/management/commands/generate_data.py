"""Generate a large, realistic, deterministic data set for benchmarks and load tests.

Rows are written with bulk_create in batches, bypassing the services and their per-row work, so a
million events load in minutes. Generated rows therefore have no edit-history records (the history
library records single saves, not bulk inserts); the app treats them as imported data. What the
services would keep is written here too: each event's date interval and its place on its case's
timeline, the case's latest event and stage date, and the alerts' marker that the event's
followers have been told (history is not news: the sweep must not send it).

Nothing is written that the services would refuse, so that the data exports and imports again
(``exchange``): no date after today (the end of the generated history, or today if that is earlier),
a case's first stage change not certainly before the day it was opened (the services date the
stage a case is opened at from that day), every later one not certainly before the one it follows,
and a closed case closed on a day by then past, with the timeline entry ``case_close`` writes.

A project command rather than one of ``cases``: it fills the tables of every app (cases, people,
followers, deadlines), and the domain imports nothing above it.
"""

import contextlib
import datetime
import enum
import itertools
import random
import time
from itertools import islice

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from alerts.models import CaseFanout, Deadline, EventFanout, Follow
from analytics import services as analytics
from cases import facets, names, roles, search
from cases.dates import partial_date_bounds
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
)
from cases.services import POSITION_GAP

COUNTRIES = [
    "IN", "US", "GB", "AE", "PK", "BD", "CA", "AU", "FR", "DE", "ES", "IT", "NL", "BE", "PT", "IE", "CH", "AT",
    "SE", "NO", "PL", "RO", "GR", "TR", "RU", "UA", "BR", "AR", "MX", "CO", "ZA", "NG", "KE", "EG", "SA", "TH",
    "MY", "SG", "ID", "JP", "KR", "NZ", "LK", "NP",
]
FIRST = ["Tahawwur", "Nirav", "Vijay", "Sanjay", "Julian", "Mehul", "Lalit", "Christian", "Ravi", "Anna", "Marek",
         "Olga", "Carlos", "Lucia", "Ahmed", "Fatima", "Chen", "Hiroshi", "Amara", "Kwame", "Ines", "Pavel", "Sofia",
         "Dmitri", "Hassan", "Priya", "Arjun", "Elena", "Tomas", "Yusuf"]
LAST = ["Rana", "Modi", "Mallya", "Bhandari", "Assange", "Choksi", "Michel", "Shankaran", "Kowalski", "Petrova",
        "Garcia", "Rossi", "Haddad", "Khan", "Wei", "Tanaka", "Okafor", "Mensah", "Silva", "Novak", "Ivanova",
        "Volkov", "Aziz", "Sharma", "Patel", "Costa", "Horvat", "Demir", "Moreau", "Fischer"]
MIDDLE = ["Hussain", "Deepak", "Kumar", "Paul", "James", "Ali", "Maria", "Lee", "Ann", "Singh"]
OFFENCES = ["Bank fraud and money laundering", "Conspiracy to commit terrorist acts", "Tax evasion",
            "Drug trafficking", "Corruption and bribery", "Murder", "Cyber fraud", "Arms smuggling",
            "Securities fraud", "Human trafficking", "Espionage", "Embezzlement of public funds"]
VERBS = ["court heard arguments on", "government confirmed", "defence challenged", "judge adjourned",
         "ministry said it was pursuing", "prosecutors filed papers on", "appeal court considered",
         "counsel argued prison conditions in", "officials discussed", "tribunal reviewed"]
GISTS = ["it was pursuing the extradition through diplomatic channels", "the request had been sent to the court",
         "assurances on prison conditions would be given", "the person would be brought back to face trial",
         "it had asked for the person's provisional arrest"]
NOTES = ["Day inferred from “on Friday” in the report.", "Sources conflict on the month.", "From a single wire report.",
         "Date of the order, not of its publication.", "Reported later in parliament."]
# Kinds in the proportions an analyst logs them.
KIND_WEIGHTS = [("status", 27), ("hearing", 18), ("filing", 13), ("ruling", 15), ("executive_decision", 5),
                ("statement", 10), ("custody", 6)]
# What status updates are about, in the proportions real matters show.
CATEGORY_WEIGHTS = [
    (StatusCategory.OTHER, 40), (StatusCategory.INVESTIGATION, 15), (StatusCategory.CHARGE, 15), (StatusCategory.FLIGHT, 6),
    (StatusCategory.ASYLUM, 5), (StatusCategory.CITIZENSHIP, 4), (StatusCategory.INTERPOL_NOTICE, 8),
    (StatusCategory.HEALTH, 5), (StatusCategory.DEATH, 2),
]
MAX_STAGE_CHANGES = 25
EPOCH = datetime.date(2012, 1, 1)
HISTORY_END = datetime.date(2026, 10, 31)
# Days from a case's opening to its closing, when it is closed.
CLOSED_AFTER_DAYS = (30, 1500)
# What case_close writes on the timeline (and the import looks for, to close the case there).
CLOSING_SUMMARY = "Case closed: {outcome}."
# When the generated history counts as announced to followers: after its last date, and long
# before any real entry, so the alerts' sweep starts its search after the generated events.
FANNED_OUT_AT = datetime.datetime.combine(HISTORY_END, datetime.time(23, 59), tzinfo=datetime.UTC)


@contextlib.contextmanager
def _indexes_built_after(names: list[str]):
    """Drop these indexes for the block and build them again, as they were, after it (PostgreSQL).

    Writing every case's words through the live search indexes (GIN of the documents, GiST of the
    vocabulary's trigrams) grows worse than linearly with their size: at a million cases the search
    phase had not ended after 49 minutes, where 100,000 took 104 s. One build from the finished
    rows is the bulk load that PostgreSQL's manual recommends. Inside the caller's transaction, a
    failure rolls the drops back too."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND indexname = ANY(%s)",
            [names],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        # An index is not built on a table with foreign-key checks still pending (Django's are
        # deferred to the commit): run them now, and defer the later ones again.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for _name, definition in indexes:
            cursor.execute(definition)
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _plain(value):
    """A field's value as COPY writes it: a choice as its stored value."""
    return value.value if isinstance(value, enum.Enum) else value


def _batched(iterable, size):
    iterator = iter(iterable)
    while batch := list(islice(iterator, size)):
        yield batch


class Command(BaseCommand):
    help = "Generate cases, people, courts, events, followers and deadlines (deterministic for a seed)."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=1000)
        parser.add_argument("--events", type=int, default=10000, help="Events spread over the ordinary cases.")
        parser.add_argument("--big-cases", type=int, default=0, help="Famous cases with very long timelines.")
        parser.add_argument("--big-case-events", type=int, default=10000, help="Events on each big case.")
        parser.add_argument("--followers", type=int, default=0, help="Users following the first big (or first) case.")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--batch", type=int, default=5000)

    def handle(self, *args, cases, events, big_cases, big_case_events, followers, seed, batch, **options):
        self.rng, self.batch = random.Random(seed), batch
        self.verbosity = options["verbosity"]
        # The services refuse a date after today (but for a scheduled hearing, which is not generated);
        # run on or after HISTORY_END, the same seed gives the same data whatever the day.
        self.end = min(HISTORY_END, timezone.localdate())
        self.statement_numbers = itertools.count(1)
        started = time.monotonic()
        with transaction.atomic():
            with self._phase("authorities, officials and sources"):
                self.authorities = self._authorities()
                self.officials = self._officials()
                sources = self._sources(max(200, (events + big_cases * big_case_events) // 20))
            with self._phase("cases, people and links"):
                case_rows = self._cases(cases, big_cases)
                self._relations(case_rows)
            with self._phase("events"):
                total = self._events(case_rows, events, big_cases, big_case_events, sources)
                self._refresh_latest()
            # The planner's statistics of the rows just loaded, for the phases below, which read
            # them back case by case: without any, at a million cases it hashed whole tables for
            # each batch of a thousand cases, and the search words took over an hour. ANALYZE sees
            # this transaction's own rows.
            if connection.vendor == "postgresql":
                with self._phase("statistics"), connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
            # People and variants were bulk-inserted, past the receivers that index their words.
            with self._phase("name index"):
                names.name_index_rebuild(batch=self.batch)
            # Every case's search words and text, as the services would have kept them.
            with self._phase("search vectors"), _indexes_built_after(search.SEARCH_INDEXES):
                search.search_vector_refresh_all()
            # What the figures across matters read of each case.
            with self._phase("analytics"):
                analytics.matters_derive_all()
            # The case list's kept counts, which Case.save keeps and bulk_create passes by.
            with self._phase("kept counts"):
                facets.case_facets_rebuild()
            with self._phase("followers and deadlines"):
                self._followers_and_deadlines(case_rows[0], followers, case_rows)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # What autovacuum would do a little later: statistics for the planner, and the
                # visibility map that lets counts read indexes alone. VACUUM cannot run inside a
                # transaction (a caller's, such as a test's); statistics alone can.
                cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
        self.stdout.write(self.style.SUCCESS(
            f"Generated {len(case_rows)} cases and {total} events in {time.monotonic() - started:.1f} s "
            f"(seed {seed}); reference of the first big case: {case_rows[0].reference}"
        ))

    @contextlib.contextmanager
    def _phase(self, name: str):
        """Each phase's time at verbosity 2: what to speed up when generating ten times the data."""
        started = time.monotonic()
        yield
        if self.verbosity >= 2:
            self.stdout.write(f"  {name}: {time.monotonic() - started:.1f} s")

    # -- pieces --------------------------------------------------------------------------------------

    def _day(self, start: datetime.date = EPOCH) -> datetime.date:
        """A day from ``start`` to the end of the generated history."""
        return start + datetime.timedelta(days=self.rng.randrange((self.end - start).days + 1))

    def _date(self, start: datetime.date = EPOCH) -> tuple[datetime.date, str]:
        """A partial date (stored as the first day of its month or year) whose period holds a day from ``start`` on."""
        day = self._day(start)
        precision = self.rng.choices(["day", "month", "year"], weights=[75, 20, 5])[0]
        if precision == "month":
            day = day.replace(day=1)
        elif precision == "year":
            day = day.replace(month=1, day=1)
        return day, precision

    def _authorities(self) -> dict[str, list[Authority]]:
        """Courts at five levels, a justice ministry, a prosecutor and the police per country, and
        international bodies (no country): every kind an event can name as its acting authority."""
        levels = Authority.Level.values
        rows = [
            Authority(name=f"{country} {level.replace('_', ' ')} court {n}", country=country, kind=Authority.Kind.COURT,
                      level=level, jurisdiction=f"District {n}")
            for country in COUNTRIES for n, level in enumerate(levels[:5])
        ]
        for country in COUNTRIES:
            rows += [
                Authority(name=f"{country} Ministry of Justice", country=country, kind=Authority.Kind.EXECUTIVE),
                Authority(name=f"{country} Public Prosecutor", country=country, kind=Authority.Kind.PROSECUTOR),
                Authority(name=f"{country} National Police", country=country, kind=Authority.Kind.POLICE),
                Authority(name=f"{country} Parliament", country=country, kind=Authority.Kind.LEGISLATURE),
            ]
        rows += [
            Authority(name="Interpol", country="", kind=Authority.Kind.INTERNATIONAL),
            Authority(name="Commission for the Control of INTERPOL's Files", country="", kind=Authority.Kind.INTERNATIONAL),
            Authority(name="European Court of Human Rights", country="", kind=Authority.Kind.COURT, level=Authority.Level.HUMAN_RIGHTS),
        ]
        by_kind: dict[str, list[Authority]] = {}
        for authority in Authority.objects.bulk_create(rows, batch_size=self.batch):
            by_kind.setdefault(authority.kind, []).append(authority)
        # A state's own ministry, prosecutor or police acts in its matters.
        self.national = {
            (a.kind, str(a.country)): a for kinds in by_kind.values() for a in kinds if a.kind != Authority.Kind.COURT
        }
        return by_kind

    def _officials(self) -> list[Person]:
        """Ministers and officials who take executive decisions."""
        return Person.objects.bulk_create(
            [Person(name=f"{self.rng.choice(FIRST)} {last}", description="Generated official") for last in LAST],
            batch_size=self.batch,
        )

    def _sources(self, count: int) -> list[Source]:
        rows = []
        for n in range(count):
            day, _ = self._date()
            rows.append(Source(url=f"https://news.example.org/{self.rng.randrange(10**9)}-{n}",
                               title=f"Report {n}", publisher=self.rng.choice(["Daily Courier", "The Ledger", "Wire Service", "Ministry"]),
                               published_on=day))
        return Source.objects.bulk_create(rows, batch_size=self.batch)

    def _name(self) -> tuple[str, str]:
        first, last = self.rng.choice(FIRST), self.rng.choice(LAST)
        return f"{first} {last}", f"{first} {self.rng.choice(MIDDLE)} {last}"

    def _cases(self, count: int, big: int) -> list[Case]:
        rows, people, names = [], [], []
        for n in range(count):
            requesting, requested = self.rng.sample(COUNTRIES, 2)
            name, full = self._name()
            stage = self.rng.choice(Stage.values)
            closed = self.rng.random() < 0.12
            opened = self._day()
            outcome = self.rng.choice(Outcome.values) if closed else ""
            rows.append(Case(
                title=f"{name} ({requested} → {requesting})" + (" [famous]" if n < big else ""),
                reference=f"gen-{n:06d}", requesting_state=requesting, requested_state=requested,
                offences=self.rng.choice(OFFENCES), stage=stage, opened_on=opened, outcome=outcome,
                # As case_create keeps it: the stage a case is opened at is entered on its opening day.
                stage_entered_on=opened,
                after_surrender=self.rng.choice(AfterSurrender.values) if outcome == Outcome.EXTRADITED else "",
                closed_on=min(self.end, opened + datetime.timedelta(days=self.rng.randrange(*CLOSED_AFTER_DAYS)))
                if closed else None,
                legal_basis="" if self.rng.random() < 0.7 else f"Extradition Act, section {self.rng.randrange(1, 99)}",
                search_text="",
            ))
            people.append(Person(name=name, description="Generated person"))
            names.append(full)
        cases = Case.objects.bulk_create(rows, batch_size=self.batch)
        # Like the events' markers: history, not news for saved searches.
        CaseFanout.objects.bulk_create([CaseFanout(case=c, fanned_out_at=FANNED_OUT_AT) for c in cases], batch_size=self.batch)
        people = Person.objects.bulk_create(people, batch_size=self.batch)
        PersonName.objects.bulk_create(
            [PersonName(person=p, name=full, kind=PersonName.Kind.FULL) for p, full in zip(people, names)],
            batch_size=self.batch,
        )
        CaseParty.objects.bulk_create(
            [CaseParty(case=c, person=p, role=CaseParty.Role.PERSON_SOUGHT) for c, p in zip(cases, people)],
            batch_size=self.batch,
        )
        for case, person, full in zip(cases, people, names):
            case.search_text = "\n".join([case.title, case.reference, case.offences, person.name, full])
        self._update(Case, cases, ["search_text"])
        return cases

    def _relations(self, cases) -> None:
        """Some matters linked to the next one: the same person's other request, a co-accused's case…"""
        rows = [
            CaseRelation(case=case, related_case=following, relation=self.rng.choice(CaseRelation.Relation.values),
                         note="Generated link")
            for case, following in zip(cases, cases[1:])
            if self.rng.random() < 0.03
        ]
        CaseRelation.objects.bulk_create(rows, batch_size=self.batch)

    def _events(self, cases, count, big, big_count, sources) -> int:
        plan = [(case, big_count) for case in cases[:big]]
        ordinary = cases[big:] or cases
        per_case = [0] * len(ordinary)
        for _ in range(count):
            per_case[self.rng.randrange(len(ordinary))] += 1
        plan += [(case, n) for case, n in zip(ordinary, per_case) if n]
        total = 0
        for chunk in _batched(((case, n) for case, n in plan), 200):
            rows, links = [], []
            for case, n in chunk:
                rows.extend(self._case_events(case, n))
            statements = [e.statement for e in rows if e.kind == Event.Kind.STATEMENT]
            Statement.objects.bulk_create(statements, batch_size=self.batch)
            for event in rows:
                if event.statement is not None:
                    event.statement_id = event.statement.pk
            for part in _batched(rows, self.batch):
                created = self._insert(Event, part)
                for event in created:
                    if event.category == StatusCategory.CASE_CLOSURE:
                        continue  # case_close cites no source
                    for source in self.rng.sample(sources, self.rng.choice([1, 1, 2, 3])):
                        links.append(Event.sources.through(event_id=event.pk, source_id=source.pk))
                self._mark_fanned_out(created[0].pk, created[-1].pk)
            self._insert(Event.sources.through, links)
            total += len(rows)
        # What the events decided of each case (its stage's date, a closing left open), in one pass.
        self._update(Case, [case for case, _ in plan], ["stage_entered_on", "stage_entered_precision",
                                                         "stage_entered_approximate", "closed_on", "outcome", "after_surrender"])
        return total

    def _insert(self, model, rows: list) -> list:
        """Insert new rows, their ids set. On PostgreSQL with COPY, ids taken from the table's sequence:
        for the millions of events and links, where bulk_create spent most of its time building its
        statements value by value. Only for models whose fields hold plain values (no country or
        JSON field, whose Python values need converting)."""
        if connection.vendor != "postgresql" or not rows:
            return model.objects.bulk_create(rows, batch_size=self.batch)
        table, pk = model._meta.db_table, model._meta.pk
        fields = [f for f in model._meta.concrete_fields if f is not pk]
        stamped = {f.attname for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)}
        now = timezone.now()
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                           [table, pk.column, len(rows)])
            ids = [row[0] for row in cursor.fetchall()]
            columns = ", ".join(connection.ops.quote_name(f.column) for f in [pk, *fields])
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row, row_id in zip(rows, ids):
                    row.pk = row_id
                    for name in stamped:
                        setattr(row, name, now)
                    copy.write_row([row_id, *(_plain(getattr(row, f.attname)) for f in fields)])
        for row in rows:
            row._state.adding, row._state.db = False, connection.alias
        return rows

    def _update(self, model, rows: list, fields: list[str]) -> None:
        """Write these fields of existing rows. On PostgreSQL through a temporary table filled by COPY
        and one UPDATE; bulk_update's CASE expressions cost milliseconds a row at this size."""
        if connection.vendor != "postgresql":
            model.objects.bulk_update(rows, fields, batch_size=self.batch)
            return
        table = model._meta.db_table
        columns = [model._meta.get_field(name).column for name in fields]
        attnames = [model._meta.get_field(name).attname for name in fields]
        quoted = [connection.ops.quote_name(column) for column in columns]
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TEMPORARY TABLE generated_update AS SELECT id, {', '.join(quoted)} FROM {table} WITH NO DATA")
            with cursor.cursor.copy(f"COPY generated_update (id, {', '.join(quoted)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([row.pk, *(_plain(getattr(row, name)) for name in attnames)])
            assignments = ", ".join(f"{column} = generated_update.{column}" for column in quoted)
            cursor.execute(f"UPDATE {table} SET {assignments} FROM generated_update WHERE {table}.id = generated_update.id")
            cursor.execute("DROP TABLE generated_update")

    def _mark_fanned_out(self, first_id: int, last_id: int) -> None:
        """The alerts' marker for a batch of generated events, in one statement: history, not news."""
        table, event_table = EventFanout._meta.db_table, Event._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (event_id, fanned_out_at) SELECT id, %s FROM {event_table} WHERE id BETWEEN %s AND %s",
                [connection.ops.adapt_datetimefield_value(FANNED_OUT_AT), first_id, last_id],
            )

    def _case_events(self, case: Case, n: int) -> list[Event]:
        """n events for one case, placed on the timeline in date order as the services would place them.

        Some are stage changes forming a chain that ends at the case's stage (a tenth of the events,
        but no more than a long real matter goes through), dated from the case's opening day on; a
        closed case's closing is one of them, on the day it closed."""
        changes = min(MAX_STAGE_CHANGES, max(1, n // 10)) if n else 0
        closing = case.closed_on is not None and n > changes
        if case.closed_on is not None and not closing:
            # No event left to record the closing on, and case_close always records one: left open.
            case.closed_on, case.outcome, case.after_surrender = None, "", ""
        roles = ["change"] * changes + ["closing"] * closing + ["other"] * (n - changes - closing)
        dated = []
        for role in roles:
            if role == "closing":
                day, precision = case.closed_on, "day"
            elif role == "change":
                # A period holding a day from the opening on, so that it does not end before the day
                # case_create dates the opening stage from (a month or year may start before it).
                day, precision = self._date(start=case.opened_on)
            else:
                day, precision = self._date()
            dated.append((day, precision, role))
        # In the order of their first days, no stage change is certainly before the one it follows:
        # its period ends no earlier than its first day, which is no earlier than that one's.
        dated.sort(key=lambda d: d[0])
        chain = [case.stage]
        while len(chain) <= changes:
            chain.append(self.rng.choice([s for s in Stage.values if s != chain[-1]]))
        chain.reverse()  # chain[0] is where the case started, chain[-1] its current stage
        step, events = 0, []
        for index, (day, precision, role) in enumerate(dated):
            approximate = role != "closing" and self.rng.random() < 0.05
            bounds = partial_date_bounds(day, precision=precision, approximate=approximate)
            event = Event(case=case, occurred_on=day, date_precision=precision, date_approximate=approximate,
                          date_earliest=bounds.earliest, date_latest=bounds.latest, position=(index + 1) * POSITION_GAP,
                          confidence=self.rng.choice(Confidence.values),
                          note=self.rng.choice(NOTES) if self.rng.random() < 0.1 else "",
                          summary=f"The {self.rng.choice(VERBS)} the request for {case.title.split(' (')[0]}.")
            if role == "change":
                event.kind, event.from_stage, event.to_stage = Event.Kind.STAGE_CHANGE, chain[step], chain[step + 1]
                step += 1
                case.stage_entered_on, case.stage_entered_precision, case.stage_entered_approximate = day, precision, approximate
            elif role == "closing":
                # As case_close writes it.
                event.kind, event.category, event.confidence, event.note = (
                    Event.Kind.STATUS, StatusCategory.CASE_CLOSURE, Confidence.REPORTED, "")
                event.summary = CLOSING_SUMMARY.format(outcome=Outcome(case.outcome).label.lower())
            else:
                event.kind = self.rng.choices([k for k, _ in KIND_WEIGHTS], weights=[w for _, w in KIND_WEIGHTS])[0]
                self._kind_fields(event, case)
            events.append(event)
        return events

    def _kind_fields(self, event: Event, case: Case) -> None:
        kind, rng, courts = event.kind, self.rng, self.authorities[Authority.Kind.COURT]
        if kind in (Event.Kind.RULING, Event.Kind.HEARING, Event.Kind.FILING):
            event.authority = rng.choice(courts)
            event.docket_number = f"{rng.randrange(1, 99)}-{rng.randrange(1000, 99999)}"
        if kind == Event.Kind.RULING:
            event.decision = rng.choice(RulingDecision.values)
            if event.decision == RulingDecision.SENTENCED:
                event.decision_detail = f"{rng.randrange(2, 25)} years in prison"
            event.judges = f"Judge {rng.choice(LAST)}"
        elif kind == Event.Kind.EXECUTIVE_DECISION:
            event.authority = self.national[(Authority.Kind.EXECUTIVE, str(case.requested_state))]
            event.decision = rng.choice(ExecutiveDecision.values)
            event.official = rng.choice(self.officials) if rng.random() < 0.7 else None
            if rng.random() < 0.2:
                event.decision_detail = "subject to assurances on prison conditions"
        elif kind == Event.Kind.HEARING:
            event.hearing_status = rng.choice([Event.HearingStatus.HELD, Event.HearingStatus.ADJOURNED,
                                               Event.HearingStatus.RESERVED, Event.HearingStatus.FIRST_APPEARANCE])
        elif kind == Event.Kind.FILING:
            event.filing_type, event.filed_by = rng.choice(Event.FilingType.values), "Defence"
        elif kind == Event.Kind.CUSTODY:
            event.custody_change = rng.choice(Event.CustodyChange.values)
            if rng.random() < 0.2:
                event.custody_change_then = rng.choice([c for c in Event.CustodyChange.values if c != event.custody_change])
            if rng.random() < 0.5:
                event.authority = self.national[(Authority.Kind.POLICE, str(case.requested_state))]
        elif kind == Event.Kind.STATUS:
            event.category = rng.choices([c for c, _ in CATEGORY_WEIGHTS], weights=[w for _, w in CATEGORY_WEIGHTS])[0]
            if event.category == StatusCategory.INTERPOL_NOTICE:
                event.authority = self.authorities[Authority.Kind.INTERNATIONAL][0]
            elif event.category in (StatusCategory.INVESTIGATION, StatusCategory.CHARGE):
                event.authority = self.national[(Authority.Kind.PROSECUTOR, str(case.requesting_state))]
        elif kind == Event.Kind.STATEMENT:
            person = case.title.split(" (")[0]
            # Most government statements reach an analyst as reported speech, some with no known channel.
            reported = rng.random() < 0.4
            # Numbered, so that no two say the same words: the import takes two statements of one
            # government and body with the same words for one, and refuses it on one case twice.
            number = next(self.statement_numbers)
            event.statement = Statement(
                government=case.requesting_state, body="Ministry of External Affairs", speaker_title="Spokesperson",
                channel="" if rng.random() < 0.2 else rng.choice(Statement.Channel.values),
                reported_speech=reported,
                quote="" if reported
                else f"We are pursuing the extradition of {person} with all seriousness (no. {number}).",
                gist=f"The ministry said {rng.choice(GISTS)} (no. {number})." if reported else "",
            )

    def _refresh_latest(self) -> None:
        """Point every case at its latest event in one statement, not one query per case."""
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Fresh statistics first, or the planner takes the new million rows for an empty table.
                cursor.execute("ANALYZE cases_event")
                cursor.execute(
                    "UPDATE cases_case AS c SET last_event_id = l.id, last_activity_on = l.occurred_on FROM ("
                    " SELECT DISTINCT ON (case_id) case_id, id, occurred_on FROM cases_event"
                    " WHERE deleted_at IS NULL ORDER BY case_id, position DESC, id DESC) AS l"
                    " WHERE l.case_id = c.id"
                )
            return
        latest = Event.objects.filter(case=OuterRef("pk")).timeline_order()
        Case.objects.update(
            last_event=Subquery(latest.values("pk")[:1]), last_activity_on=Subquery(latest.values("occurred_on")[:1])
        )

    def _followers_and_deadlines(self, case: Case, followers: int, cases) -> None:
        if followers:
            roles.roles_sync()
            password = make_password(None)  # unusable: generated users cannot log in
            User = get_user_model()
            users = User.objects.bulk_create(
                [User(username=f"follower-{case.pk}-{n}", email=f"follower{n}@example.org", password=password)
                 for n in range(followers)],
                batch_size=self.batch,
            )
            # Followers are readers: only users with a role hear about a case.
            viewer = Group.objects.get(name=roles.VIEWER)
            User.groups.through.objects.bulk_create(
                [User.groups.through(user_id=u.pk, group_id=viewer.pk) for u in users], batch_size=self.batch
            )
            Follow.objects.bulk_create(
                [Follow(user=u, case=case, delivery=Follow.Delivery.INSTANT, scope=Follow.Scope.MAJOR) for u in users],
                batch_size=self.batch,
            )
        today = datetime.date.today()
        Deadline.objects.bulk_create(
            [Deadline(case=c, kind=Deadline.Kind.HEARING, title="Next hearing",
                      due_on=today + datetime.timedelta(days=self.rng.randrange(1, 90)))
             for c in self.rng.sample(cases, min(len(cases), 500))],
            batch_size=self.batch,
        )
