"""Export cases as JSON (the versioned document) or CSV (one row per event)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.http import QueryDict

from cases.filters import CaseFilter
from cases.models import Case
from exchange.exports import export_csv_chunks, export_json_chunks


class Command(BaseCommand):
    help = "Export cases (all of them, some by reference, or those matching the case list's filters) as JSON or CSV."

    def add_arguments(self, parser):
        parser.add_argument("references", nargs="*", help="Case references; none means all cases.")
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument("--filter", default="", help="The case list's query string, e.g. 'stage=appeal&requested_state=GB'.")
        parser.add_argument("--output", "-o", default="-", help="File to write; '-' (the default) writes to standard output.")

    def handle(self, *args, references, format, filter, output, **options):
        cases = Case.objects.all()
        if references:
            cases = cases.filter(reference__in=references)
            missing = set(references) - set(cases.values_list("reference", flat=True))
            if missing:
                raise CommandError(f"No case with reference(s): {', '.join(sorted(missing))}.")
        if filter:
            filterset = CaseFilter(QueryDict(filter), queryset=cases)
            if not filterset.is_valid():
                raise CommandError(f"Invalid filter: {filterset.errors.as_text()}")
            cases = filterset.qs
        everything = not references and not filter
        write = export_json_chunks if format == "json" else export_csv_chunks
        written = 0

        def count(done: int) -> None:
            nonlocal written
            written = done

        # Piece by piece, so that memory stays flat whatever the number of cases.
        chunks = write(cases=cases, everything=everything, on_case=count)
        if output == "-":
            for chunk in chunks:
                self.stdout.write(chunk, ending="")
        else:
            with Path(output).open("w", encoding="utf-8", newline="") as out:
                for chunk in chunks:
                    out.write(chunk)
            self.stderr.write(f"Exported {written} case(s) to {output}.")
