"""Load the demo workspace (Tahawwur Rana, US → India, and the other public matters under
cases/demo/matters/) and the demo logins.

Each demo file is a version 2 export document, loaded through the import, so it is checked like any
file and running the command again changes nothing (the import matches what is already there).
The command lives here, not in ``cases``, because the domain imports nothing that builds on it."""

import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from cases import roles
from exchange.imports import document_read, import_document

DEMO_DIR = Path(roles.__file__).resolve().parent / "demo"
DEMO_FILE = DEMO_DIR / "rana.json"
# The demo's other matters, one export document each (several cases where they are linked).
DEMO_MATTERS = DEMO_DIR / "matters"
# (username, role, first name): the analyst logs events; the viewer shows what a read-only reader sees.
DEMO_USERS = [("analyst", roles.ANALYST, "Demo Analyst"), ("viewer", roles.VIEWER, "Demo Viewer")]


def demo_files() -> list[Path]:
    return [DEMO_FILE, *sorted(DEMO_MATTERS.glob("*.json"))]


class Command(BaseCommand):
    help = "Load the demo matters from cases/demo/ (export documents) and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--file", action="append", dest="files",
            help="A demo data file (an export document, JSON), instead of the demo's own; may be repeated.",
        )

    def handle(self, *args, files, **options):
        paths = [Path(file) for file in files] if files else demo_files()
        loaded = []
        with transaction.atomic():
            roles.roles_sync()
            logins = [self._demo_user(*spec) for spec in DEMO_USERS]
            for path in paths:
                document, problems = document_read(path.read_bytes(), format="json")
                if document is not None:
                    result = import_document(document, by=logins[0][0])
                    problems = result.problems
                if problems:
                    # Raised inside the transaction: nothing of the demo is kept, its users neither.
                    raise CommandError(f"The demo file {path.name} was refused:\n" + "\n".join(str(problem) for problem in problems))
                if result.actions:
                    titles = [case.get("title", "") for case in document.get("cases", []) if isinstance(case, dict)]
                    loaded.append(f"{', '.join(titles)} ({result.summary()})")
        for line in loaded:
            self.stdout.write(self.style.SUCCESS(f"Loaded demo case(s): {line}"))
        if not loaded:
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
