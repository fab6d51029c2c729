"""Import cases from the export's JSON or CSV: all or nothing, and again without duplicates."""

import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from exchange.imports import guess_format, import_bytes


class Command(BaseCommand):
    help = "Import a JSON or CSV file laid out like the export. Prints a report; nothing is saved if any row is wrong."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The file to import ('-' reads standard input).")
        parser.add_argument("--format", choices=["json", "csv"], help="Default: from the file name, else from its content.")
        parser.add_argument("--dry-run", action="store_true", help="Check and show what would change; save nothing.")
        parser.add_argument("--user", help="Username recorded as the author of the imported events.")

    def handle(self, *args, file, format, dry_run, user, **options):
        if file == "-":
            import sys

            data = sys.stdin.buffer.read()
        else:
            path = Path(file)
            if not path.is_file():
                raise CommandError(f"No such file: {file}")
            data = path.read_bytes()
        by = None
        if user:
            by = get_user_model().objects.filter(username=user).first()
            if by is None:
                raise CommandError(f"No user named “{user}”.")
        started = time.monotonic()
        result = import_bytes(data, format=format or guess_format(file, data), by=by, dry_run=dry_run,
                              progress=self._progress if self.stderr.isatty() else None)
        elapsed = time.monotonic() - started
        if result.problems:
            self.stderr.write(self.style.ERROR(f"Nothing was imported: {len(result.problems)} problem(s)."))
            self.stderr.write("row\tfield\tproblem")
            for problem in result.problems:
                self.stderr.write(f"{problem.row}\t{problem.field}\t{problem.problem}")
            raise CommandError("Import refused.")
        verb = "Would import" if dry_run else "Imported"
        self.stdout.write(self.style.SUCCESS(f"{verb}: {result.summary()} ({elapsed:.1f} s)."))
        for action in result.actions:
            self.stdout.write(f"  {action.verb} {action.what}: {action.label}", style_func=lambda x: x)

    def _progress(self, done, total):
        self.stderr.write(f"\r{done}/{total} events", ending="")
