import io
import json

import pytest
import time_machine
from django.core import checks
from django.core.management import CommandError, call_command, execute_from_command_line

from marketplace import actions
from marketplace.models import Offer
from tests.marketplace.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_requests(personas, programme):
    with time_machine.travel(NOW, tick=False):
        for firm, member in (
            (personas.firm, personas.firm_member),
            (personas.other_firm, personas.other_firm_member),
        ):
            actions.request_submit(
                firm=firm, by=member, programme_year=programme, quotas=programme.standard_quotas
            )


def test_preview_prints_assignments_objective_and_baseline(open_requests):
    out = io.StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("allocate", "--year", "2026", stdout=out)
    text = out.getvalue()
    assert "Placed 2 of 2 requests" in text
    assert "greedy baseline" in text
    assert not Offer.objects.exists()


def test_commit_with_json_makes_offers(open_requests):
    out = io.StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("allocate", "--year", "2026", "--commit", "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert result["status"] == "committed"
    assert len(result["committed_offers"]) == 2
    assert Offer.objects.filter(source=Offer.Source.ALLOCATION).count() == 2


def test_unknown_year_is_a_clear_error(personas):
    with pytest.raises(CommandError, match="No programme year 1999"):
        call_command("allocate", "--year", "1999")


def test_allocation_does_not_run_the_system_checks_first(open_requests, monkeypatch, capsys):
    # The checks loaded every URL pattern and view: most of the command's start-up (#15).
    ran = []

    def failing_check(app_configs, **kwargs):
        ran.append(True)
        return [checks.Error("a check that would stop the command")]

    monkeypatch.setattr(checks.registry.registry, "registered_checks", {failing_check})
    with time_machine.travel(NOW, tick=False):
        # As from the command line, where a command runs the checks unless it opts out.
        execute_from_command_line(["manage.py", "allocate", "--year", "2026", "--json"])
    assert json.loads(capsys.readouterr().out)["placed"] == 2
    assert ran == []
