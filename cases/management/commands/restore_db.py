"""Restore a backup made by backup_db into the configured database, replacing what is there."""

import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from .backup_db import _path, _pg_env_and_args


class Command(BaseCommand):
    help = "Replace the database's contents with a backup made by backup_db."

    def add_arguments(self, parser):
        parser.add_argument("backup", help="The backup file.")
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args, backup, yes, **options):
        source = Path(backup)
        if not source.is_file():
            raise CommandError(f"No backup file at {source}.")
        if not yes and input("This replaces everything in the database. Type 'yes' to go on: ") != "yes":
            raise CommandError("Nothing restored.")
        settings_dict = connection.settings_dict
        connection.close()
        if connection.vendor == "sqlite":
            backup_db = sqlite3.connect(source)
            live = sqlite3.connect(settings_dict["NAME"])
            with live:
                backup_db.backup(live)
            live.close()
            backup_db.close()
        elif connection.vendor == "postgresql":
            if not shutil.which("pg_restore"):
                raise CommandError("pg_restore is not installed (PostgreSQL client tools).")
            env, args = _pg_env_and_args(settings_dict)
            subprocess.run(
                ["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", *args,
                 "--dbname", settings_dict["NAME"], str(source)],
                env={**env, "PATH": _path()}, check=True,
            )
        else:
            raise CommandError(f"No restore method for {connection.vendor}.")
        self.stdout.write(self.style.SUCCESS(f"Restored {source}"))
