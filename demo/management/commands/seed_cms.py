"""Fill the public site with demo content (see demo.cms)."""

from django.core.management.base import BaseCommand, CommandError

from demo import cms as demo


class Command(BaseCommand):
    help = (
        "Create demo courses, events, articles and the product's FAQ in Chinese and English, "
        "and the CMS editor login demo-editor."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when courses or articles exist already.",
        )

    def handle(self, *args, if_empty, **options):
        if demo.content_exists():
            if if_empty:
                self.stdout.write("Site content exists already; nothing seeded.")
                return
            raise CommandError(
                "The site already has courses or articles; seed_cms only fills an empty site. "
                "Use --if-empty to skip quietly."
            )
        try:
            report = demo.seed()
        except demo.SiteTreeMissing:
            raise CommandError(
                "The Chinese and English home pages with their training centre and news index "
                "are missing (they come with migration cms 0002 on a fresh database)."
            ) from None
        summary = ", ".join(f"{count} {label}" for label, count in report.counts.items())
        self.stdout.write(self.style.SUCCESS(f"Seeded {summary}."))
        self.stdout.write(
            f"CMS editor login: {demo.EDITOR_USERNAME} / {demo.EDITOR_PASSWORD} at /cms/"
        )
