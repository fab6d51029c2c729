"""Generate a large, realistic, deterministic data set for benchmarks and load tests.

Rows are written with bulk_create in batches, bypassing the services and their per-row work, so a
million events load in minutes. Generated rows therefore have no edit-history records (the history
library records single saves, not bulk inserts); the app treats them as imported data.
"""

import datetime
import random
import time
from itertools import islice

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.db.models import OuterRef, Subquery

from alerts.models import Deadline, Follow
from cases import roles, search
from cases.models import Case, CaseParty, Confidence, Event, Authority, Outcome, Person, PersonName, Source, Stage, Statement

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
# Kinds in the proportions an analyst logs them.
KIND_WEIGHTS = [("status", 30), ("hearing", 20), ("filing", 15), ("ruling", 15), ("statement", 10), ("custody", 5)]
MAX_STAGE_CHANGES = 25
EPOCH = datetime.date(2012, 1, 1)
SPAN_DAYS = (datetime.date(2026, 10, 31) - EPOCH).days


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
        started = time.monotonic()
        with transaction.atomic():
            authorities = self._authorities()
            sources = self._sources(max(200, (events + big_cases * big_case_events) // 20))
            case_rows = self._cases(cases, big_cases)
            total = self._events(case_rows, events, big_cases, big_case_events, authorities, sources)
            self._refresh_latest()
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(search.REFRESH_ALL_SQL)
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

    # -- pieces --------------------------------------------------------------------------------------

    def _date(self) -> tuple[datetime.date, str]:
        day = EPOCH + datetime.timedelta(days=self.rng.randrange(SPAN_DAYS))
        precision = self.rng.choices(["day", "month", "year"], weights=[75, 20, 5])[0]
        if precision == "month":
            day = day.replace(day=1)
        elif precision == "year":
            day = day.replace(month=1, day=1)
        return day, precision

    def _authorities(self) -> list[Authority]:
        levels = Authority.Level.values
        rows = [
            Authority(name=f"{country} {level.replace('_', ' ')} court {n}", country=country, level=level,
                  jurisdiction=f"District {n}")
            for country in COUNTRIES for n, level in enumerate(levels[:5])
        ]
        return Authority.objects.bulk_create(rows, batch_size=self.batch, ignore_conflicts=False)

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
            opened, _ = self._date()
            rows.append(Case(
                title=f"{name} ({requested} → {requesting})" + (" [famous]" if n < big else ""),
                reference=f"gen-{n:06d}", requesting_state=requesting, requested_state=requested,
                offences=self.rng.choice(OFFENCES), stage=stage, opened_on=opened,
                outcome=self.rng.choice(Outcome.values) if closed else "",
                closed_on=opened + datetime.timedelta(days=900) if closed else None,
                search_text="",
            ))
            people.append(Person(name=name, description="Generated person"))
            names.append(full)
        cases = Case.objects.bulk_create(rows, batch_size=self.batch)
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
        Case.objects.bulk_update(cases, ["search_text"], batch_size=self.batch)
        return cases

    def _events(self, cases, count, big, big_count, authorities, sources) -> int:
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
                rows.extend(self._case_events(case, n, authorities))
            statements = [e.statement for e in rows if e.kind == Event.Kind.STATEMENT]
            Statement.objects.bulk_create(statements, batch_size=self.batch)
            for event in rows:
                if event.statement is not None:
                    event.statement_id = event.statement.pk
            for part in _batched(rows, self.batch):
                created = Event.objects.bulk_create(part)
                for event in created:
                    for source in self.rng.sample(sources, self.rng.choice([1, 1, 2, 3])):
                        links.append(Event.sources.through(event_id=event.pk, source_id=source.pk))
            Event.sources.through.objects.bulk_create(links, batch_size=self.batch)
            total += len(rows)
            Case.objects.bulk_update([case for case, _ in chunk], ["stage_entered_on"], batch_size=self.batch)
        return total

    def _case_events(self, case: Case, n: int, authorities) -> list[Event]:
        """n events for one case, some of them stage changes forming a chain that ends at its stage
        (a tenth of the events, but no more than a long real matter goes through)."""
        dated = sorted((self._date() for _ in range(n)), key=lambda d: d[0])
        changes = min(MAX_STAGE_CHANGES, max(1, n // 10)) if n else 0
        change_at = set(self.rng.sample(range(n), changes)) if n else set()
        chain = [case.stage]
        while len(chain) <= changes:
            chain.append(self.rng.choice([s for s in Stage.values if s != chain[-1]]))
        chain.reverse()  # chain[0] is where the case started, chain[-1] its current stage
        step, events = 0, []
        for index, (day, precision) in enumerate(dated):
            event = Event(case=case, occurred_on=day, date_precision=precision, confidence=self.rng.choice(Confidence.values),
                          summary=f"The {self.rng.choice(VERBS)} the request for {case.title.split(' (')[0]}.")
            if index in change_at:
                event.kind, event.from_stage, event.to_stage = Event.Kind.STAGE_CHANGE, chain[step], chain[step + 1]
                step += 1
                case.stage_entered_on = day
            else:
                event.kind = self.rng.choices([k for k, _ in KIND_WEIGHTS], weights=[w for _, w in KIND_WEIGHTS])[0]
                self._kind_fields(event, authorities, case)
            events.append(event)
        return events

    def _kind_fields(self, event: Event, authorities, case: Case) -> None:
        kind, rng = event.kind, self.rng
        if kind in (Event.Kind.RULING, Event.Kind.HEARING, Event.Kind.FILING):
            event.authority = rng.choice(authorities)
            event.docket_number = f"{rng.randrange(1, 99)}-{rng.randrange(1000, 99999)}"
        if kind == Event.Kind.RULING:
            event.decision = rng.choice(Event.Decision.values)
            event.judges = f"Judge {rng.choice(LAST)}"
        elif kind == Event.Kind.HEARING:
            event.hearing_status = rng.choice([Event.HearingStatus.HELD, Event.HearingStatus.ADJOURNED])
        elif kind == Event.Kind.FILING:
            event.filing_type, event.filed_by = rng.choice(Event.FilingType.values), "Defence"
        elif kind == Event.Kind.CUSTODY:
            event.custody_change = rng.choice(Event.CustodyChange.values)
        elif kind == Event.Kind.STATEMENT:
            event.statement = Statement(
                government=case.requesting_state, body="Ministry of External Affairs", speaker_title="Spokesperson",
                channel=rng.choice(Statement.Channel.values),
                quote=f"We are pursuing the extradition of {case.title.split(' (')[0]} with all seriousness.",
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
                    " WHERE deleted_at IS NULL ORDER BY case_id, occurred_on DESC, id DESC) AS l"
                    " WHERE l.case_id = c.id"
                )
            return
        latest = Event.objects.filter(case=OuterRef("pk")).order_by("-occurred_on", "-id")
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
