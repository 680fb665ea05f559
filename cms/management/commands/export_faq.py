"""Write the published FAQ entries as JSON lines, in the format import_faq reads."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cms.faq_io import export_faq


class Command(BaseCommand):
    help = "Export published FAQ entries to PATH as JSON lines ('-' writes to standard output)."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument(
            "--include-drafts",
            action="store_true",
            help="Also export entries that were never published.",
        )

    def handle(self, *args, path, include_drafts, **options):
        lines = list(export_faq(include_drafts=include_drafts))
        text = "".join(f"{line}\n" for line in lines)
        if path == "-":
            sys.stdout.write(text)
            return
        try:
            Path(path).write_text(text, encoding="utf-8")
        except OSError as error:
            raise CommandError(f"Cannot write {path}: {error}") from None
        self.stdout.write(self.style.SUCCESS(f"{len(lines)} entries written to {path}."))
