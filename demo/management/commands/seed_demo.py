"""Fill an empty database with the demo programme (see demo.programme)."""

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from demo import bulk as bulk_seed
from demo import programme as demo


class Command(BaseCommand):
    help = (
        "Create the demo Nanjing programme: parks, incubators, the service catalogue, this "
        "year's programme, agencies, firms, one login per role, and the year's custody "
        "requests, offers and engagements so far. Same --seed on the same day, same data."
    )

    def add_arguments(self, parser):
        parser.add_argument("--firms", type=int, default=demo.DEFAULT_FIRMS)
        parser.add_argument("--agencies", type=int, default=demo.DEFAULT_AGENCIES)
        parser.add_argument("--incubators", type=int, default=demo.DEFAULT_INCUBATORS)
        parser.add_argument(
            "--seed", type=int, default=demo.DEFAULT_SEED, help="Random seed; same seed, same data."
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when programme data exists already (for `make run`).",
        )
        parser.add_argument(
            "--bulk",
            action="store_true",
            help="Insert where the story ends in bulk instead of living it through the actions: "
            "the benchmarks' scale seed (thousands of firms in seconds).",
        )

    def handle(self, *args, firms, agencies, incubators, seed, if_empty, bulk, **options):
        if if_empty and demo.programme_data_exists():
            self.stdout.write("Programme data exists already; nothing seeded.")
            return
        try:
            # The demo's people are made up: the mail their story would send goes nowhere.
            seeder = bulk_seed.seed if bulk else demo.seed
            report = seeder(firms=firms, agencies=agencies, incubators=incubators, seed=seed)
        except demo.DemoDataExists:
            raise CommandError(
                "The database already holds programme data; seed_demo only fills an empty "
                "database. Use --if-empty to skip quietly."
            ) from None
        except ValueError as error:
            raise CommandError(str(error)) from None
        summary = ", ".join(f"{count} {label}" for label, count in report.counts.items())
        self.stdout.write(self.style.SUCCESS(f"Seeded {summary} in {report.seconds:.1f} s."))
        # Training content, FAQ and the CMS editor login live in the cms app.
        call_command("seed_cms", "--if-empty", stdout=self.stdout)
        self.stdout.write("Run `manage.py demo_logins` for the demo accounts.")
