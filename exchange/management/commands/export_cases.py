"""Export cases as JSON (the versioned document) or CSV (one row per event)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.http import QueryDict

from cases.filters import CaseFilter
from cases.models import Case
from exchange.exports import export_csv, export_document, export_json


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
        document = export_document(cases=cases, everything=everything)
        text = export_json(document) if format == "json" else export_csv(document)
        if output == "-":
            self.stdout.write(text, ending="")
        else:
            Path(output).write_text(text, encoding="utf-8", newline="")
            self.stderr.write(f"Exported {len(document['cases'])} case(s) to {output}.")
