"""Write the exchange format's JSON Schema, built from the models, to exchange/schema/tracker-v2.schema.json."""

from django.core.management.base import BaseCommand, CommandError

from exchange.schema import SCHEMA_FILE, schema_json


class Command(BaseCommand):
    help = "Write the version 2 JSON Schema of the import/export format (run after changing the models' choices)."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Write nothing; fail if the committed file is out of date.")

    def handle(self, *args, check, **options):
        text = schema_json()
        if check:
            if not SCHEMA_FILE.is_file() or SCHEMA_FILE.read_text(encoding="utf-8") != text:
                raise CommandError(f"{SCHEMA_FILE.name} is out of date: run `python manage.py write_schema`.")
            self.stdout.write(f"{SCHEMA_FILE.name} is up to date.")
            return
        SCHEMA_FILE.write_text(text, encoding="utf-8")
        self.stdout.write(f"Wrote {SCHEMA_FILE.name}.")
