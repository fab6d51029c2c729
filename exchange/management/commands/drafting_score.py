"""Score the drafter on the development set and print the figures (nothing is kept in the database)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from exchange.drafting.scoring import set_score

DEFAULT = Path(settings.BASE_DIR) / "tests" / "data" / "drafting"


class Command(BaseCommand):
    help = "Score the event drafter on the development set of real reports (tuning and held-out)."

    def add_arguments(self, parser):
        parser.add_argument("--folder", default=str(DEFAULT))
        parser.add_argument("--verbose", action="store_true", help="List every miss and every wrong proposal.")

    def handle(self, *args, folder, verbose, **options):
        for part in ("tuning", "heldout"):
            with transaction.atomic():
                tally = set_score(Path(folder) / part)
                transaction.set_rollback(True)
            figures = tally.figures()
            self.stdout.write(f"{part}: " + ", ".join(
                f"{name} {value:.0%}" if isinstance(value, float) else f"{name} {value}" for name, value in figures.items()
            ))
            if verbose:
                for miss in tally.misses:
                    self.stdout.write(f"  MISS {miss}")
                for wrong in tally.wrong:
                    self.stdout.write(f"  WRONG {wrong}")
