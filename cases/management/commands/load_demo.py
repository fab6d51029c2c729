"""Load the demo matter (Tahawwur Rana, US → India) and a demo analyst login.

Running it again changes nothing: each case is loaded once, matched by its reference."""

import datetime
import json
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from cases import roles, services
from cases.models import Case, Event, Authority, Person, Treaty

DEMO_FILE = Path(__file__).resolve().parents[2] / "demo" / "rana.json"
# (username, role, first name): the analyst logs events; the viewer shows what a read-only reader sees.
DEMO_USERS = [("analyst", roles.ANALYST, "Demo Analyst"), ("viewer", roles.VIEWER, "Demo Viewer")]


def _date(text):
    return datetime.date.fromisoformat(text) if text else None


class Command(BaseCommand):
    help = "Load the demo case from cases/demo/rana.json and print the demo login."

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(DEMO_FILE), help="The demo data file (JSON).")

    def handle(self, *args, file, **options):
        data = json.loads(Path(file).read_text(encoding="utf-8"))
        with transaction.atomic():
            roles.roles_sync()
            logins = [self._demo_user(*spec) for spec in DEMO_USERS]
            analyst = logins[0][0]
            loaded = [case for case in data["cases"] if self._load_case(case, data, by=analyst)]
        if loaded:
            self.stdout.write(self.style.SUCCESS(f"Loaded demo case(s): {', '.join(c['title'] for c in loaded)}"))
        else:
            self.stdout.write("Demo data already loaded; nothing changed.")
        for user, password in logins:
            self.stdout.write(self.style.SUCCESS(f"Demo login ({roles.ROLE_LABELS[roles.user_role(user)]}): {user.username} / {password}"))

    def _demo_user(self, username, role, full_name):
        """A demo user in its role, with a password made on this machine and kept (git-ignored) under var/."""
        password_file = Path(settings.VAR_DIR) / f"demo-login-{username}.txt"
        first, last = full_name.split(" ", 1)
        user, created = get_user_model().objects.get_or_create(
            username=username, defaults={"first_name": first, "last_name": last, "email": f"{username}@example.org"}
        )
        roles.user_set_role(user=user, role=role)
        if created or not password_file.exists():
            password = secrets.token_urlsafe(12)
            user.set_password(password)
            user.save()
            password_file.write_text(password + "\n", encoding="utf-8")
            password_file.chmod(0o600)
        return user, password_file.read_text(encoding="utf-8").strip()

    def _load_case(self, spec, data, *, by):
        if Case.objects.filter(reference=spec["reference"]).exists():
            return False
        treaties = {t["key"]: self._treaty(t) for t in data.get("treaties", [])}
        people = {p["key"]: self._person(p, by=by) for p in data.get("people", [])}
        authorities = {f["key"]: self._authority(f) for f in data.get("authorities", [])}
        sources = {
            s["key"]: services.source_get_or_create(
                url=s.get("url", ""), title=s["title"], publisher=s.get("publisher", ""),
                published_on=_date(s.get("published_on")),
            )
            for s in data.get("sources", [])
        }
        case = services.case_create(
            title=spec["title"],
            reference=spec["reference"],
            requesting_state=spec["requesting_state"],
            requested_state=spec["requested_state"],
            offences=spec["offences"],
            summary=spec.get("summary", ""),
            stage=spec["stage"],
            treaty=treaties.get(spec.get("treaty")),
            opened_on=_date(spec.get("opened_on")),
            by=by,
        )
        for party in spec.get("parties", []):
            services.case_add_party(
                case=case, person=people[party["person"]], role=party["role"], note=party.get("note", ""), by=by
            )
        for event in spec.get("events", []):
            self._event(case, event, people=people, authorities=authorities, sources=sources, by=by)
        return True

    def _treaty(self, spec):
        treaty, _ = Treaty.objects.get_or_create(name=spec["name"], defaults={"countries": spec.get("countries", [])})
        return treaty

    def _authority(self, spec):
        authority, _ = Authority.objects.get_or_create(
            name=spec["name"],
            country=spec.get("country", ""),
            defaults={"jurisdiction": spec.get("jurisdiction", ""), "level": spec["level"]},
        )
        return authority

    def _person(self, spec, *, by):
        existing = Person.objects.filter(name=spec["name"]).first()
        if existing:
            return existing
        return services.person_create(
            name=spec["name"],
            variants=[tuple(v) for v in spec.get("variants", [])],
            nationality=spec.get("nationality", []),
            description=spec.get("description", ""),
            by=by,
        )

    def _event(self, case, spec, *, people, authorities, sources, by):
        common = dict(
            occurred_on=_date(spec["occurred_on"]),
            date_precision=spec.get("date_precision", "day"),
            reported_on=_date(spec.get("reported_on")),
            confidence=spec.get("confidence", "reported"),
            sources=[sources[key] for key in spec.get("sources", [])],
            by=by,
        )
        kind = spec["kind"]
        if kind == Event.Kind.STAGE_CHANGE:
            services.case_change_stage(case=case, to_stage=spec["to_stage"], reason=spec["summary"], **common)
        elif kind == Event.Kind.STATEMENT:
            services.statement_record(
                cases=[case],
                government=spec["government"],
                body=spec["body"],
                speaker=people.get(spec.get("speaker")),
                speaker_title=spec.get("speaker_title", ""),
                channel=spec["channel"],
                quote=spec["quote"],
                summary=spec["summary"],
                **common,
            )
        else:
            fields = {
                k: v for k, v in spec.items()
                if k not in ("kind", "occurred_on", "date_precision", "reported_on", "confidence", "sources", "authority")
            }
            if "authority" in spec:
                fields["authority"] = authorities[spec["authority"]]
            services.event_record(case=case, kind=kind, **fields, **common)
