"""Load FAQ entries from a JSON-lines file: all or nothing, upserted by key and language."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cms.faq_io import FaqImportError, import_faq, read_faq_lines


class Command(BaseCommand):
    help = (
        "Import FAQ entries from PATH (JSON lines: key, language, category, question, "
        "alternates, answer). Every line is checked first; one bad line writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--check", action="store_true", help="Only validate the file; write nothing."
        )

    def handle(self, *args, path, check, **options):
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {path}: {error}") from None
        try:
            if check:
                entries = read_faq_lines(lines)
                self.stdout.write(self.style.SUCCESS(f"{len(entries)} entries are valid."))
                return
            report = import_faq(lines)
        except FaqImportError as error:
            for problem in error.errors:
                self.stderr.write(str(problem))
            raise CommandError(
                f"{len(error.errors)} problem(s) in {path}; nothing was imported."
            ) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"{report.total} entries: {len(report.created)} created, "
                f"{len(report.updated)} updated, {len(report.unchanged)} unchanged."
            )
        )
