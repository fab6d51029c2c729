"""Back up the database to one file, safely while the app runs.

SQLite: SQLite's online backup API (a consistent copy even while the web server and worker write).
PostgreSQL: pg_dump in its custom format, for pg_restore."""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection


def _pg_env_and_args(settings_dict) -> tuple[dict, list[str]]:
    env = {"PGPASSWORD": settings_dict.get("PASSWORD") or ""}
    args = ["--host", settings_dict.get("HOST") or "localhost", "--port", str(settings_dict.get("PORT") or 5432)]
    if settings_dict.get("USER"):
        args += ["--username", settings_dict["USER"]]
    return env, args


class Command(BaseCommand):
    help = "Write a consistent backup of the database to --output."

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, help="The backup file to write.")

    def handle(self, *args, output, **options):
        target = Path(output)
        target.parent.mkdir(parents=True, exist_ok=True)
        settings_dict = connection.settings_dict
        if connection.vendor == "sqlite":
            source = sqlite3.connect(settings_dict["NAME"])
            copy = sqlite3.connect(target)
            with copy:
                source.backup(copy)
            copy.close()
            source.close()
        elif connection.vendor == "postgresql":
            if not shutil.which("pg_dump"):
                raise CommandError("pg_dump is not installed (PostgreSQL client tools).")
            env, args = _pg_env_and_args(settings_dict)
            subprocess.run(
                ["pg_dump", "--format=custom", "--no-owner", "--file", str(target), *args, settings_dict["NAME"]],
                env={**env, "PATH": _path()}, check=True,
            )
        else:
            raise CommandError(f"No backup method for {connection.vendor}.")
        self.stdout.write(self.style.SUCCESS(f"Backup written to {target}"))


def _path() -> str:
    return os.environ.get("PATH", "")
