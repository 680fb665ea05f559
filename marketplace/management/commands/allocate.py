"""Cohort allocation from the command line: preview, and with --commit turn it into offers."""

import json

from django.core.management.base import BaseCommand, CommandError

from core.errors import ActionError
from marketplace import actions
from marketplace.explain import describe_constraint
from marketplace.models import ProgrammeYear, User


class Command(BaseCommand):
    help = "Allocate the open requests of a programme year to agencies (min-cost flow); --commit makes the offers."
    # The system checks are `manage.py check`'s and the deployment's job; run before every
    # allocation they loaded every URL pattern and view module, most of its start-up (#15).
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help="Programme year, e.g. 2026.")
        parser.add_argument(
            "--commit", action="store_true", help="Turn the assignment into offers."
        )
        parser.add_argument(
            "--json", dest="as_json", action="store_true", help="Print the result as JSON."
        )
        parser.add_argument(
            "--as",
            dest="username",
            help="Programme officer recorded as the actor (default: the first active officer).",
        )

    def handle(self, *args, year, commit, as_json, username, **options):
        try:
            programme_year = ProgrammeYear.objects.get(year=year)
        except ProgrammeYear.DoesNotExist:
            raise CommandError(f"No programme year {year}.") from None
        officers = User.objects.filter(role=User.Role.PROGRAMME_OFFICER, is_active=True).order_by(
            "pk"
        )
        officer = officers.filter(username=username).first() if username else officers.first()
        if officer is None:
            raise CommandError("No active programme officer to act as (use --as USERNAME).")
        try:
            run = actions.allocation_preview(programme_year=programme_year, by=officer)
            if commit:
                run = actions.allocation_commit(run=run, by=officer)
        except ActionError as error:
            raise CommandError(error.message) from None
        result = run.result
        if as_json:
            self.stdout.write(
                json.dumps(
                    {"run": run.pk, "status": run.status, **result}, ensure_ascii=False, indent=2
                )
            )
            return
        self._print(run, result)

    def _print(self, run, result):
        out = self.stdout.write
        out(f"Allocation run {run.pk} ({run.status}) for {run.programme_year.year}")
        out(f"Placed {result['placed']} of {result['placed'] + len(result['unplaced'])} requests")
        out(
            f"Objective {result['objective']:.2f} (greedy baseline {result['greedy']['objective']:.2f}, placed {result['greedy']['placed']})"
        )
        out("Assignments (request → agency: score):")
        for assignment in result["assignments"]:
            out(f"  {assignment['request']} → {assignment['agency']}: {assignment['score']:.2f}")
        out("Agency load:")
        for row in result["load"]:
            out(f"  {row['name']}: {row['assigned']} of {row['free']} free places")
        if result["unplaced"]:
            out("Unplaced:")
            for row in result["unplaced"]:
                out(f"  {row['request']} {row['firm']}: {describe_constraint(row['constraint'])}")
        if run.status == run.Status.COMMITTED:
            out(
                f"Offers made: {len(result.get('committed_offers', []))}; skipped: {len(result.get('skipped', []))}"
            )
