"""`manage.py seed_demo` on an empty database: sizes, --if-empty, refusals, one transaction."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from core.models import AuditEvent, Notification
from demo import cms as demo_cms
from demo import programme as demo
from demo.participants import Planner
from marketplace.models import (
    Agency,
    CustodyRequest,
    Engagement,
    Firm,
    HighTechPark,
    Incubator,
    Offer,
    ProgrammeYear,
    ServiceItem,
    User,
)
from tests.demo.conftest import cms_editor_only

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

SMALL = {"firms": 20, "agencies": 6, "incubators": 4}


@pytest.fixture(autouse=True)
def _cms_editor_only():
    with cms_editor_only():
        yield


def _seed(*args):
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def _dump():
    """What a run produced, in a stable order, for comparing runs."""
    return {
        "firms": list(
            Firm.objects.order_by("credit_code").values_list(
                "name", "credit_code", "incubator__name", "industry", "headcount", "verification"
            )
        ),
        "agencies": list(
            Agency.objects.order_by("credit_code").values_list(
                "name", "name_en", "credit_code", "status", "licence_number"
            )
        ),
        "requests": list(
            CustodyRequest.objects.order_by("firm__credit_code").values_list(
                "firm__credit_code", "status", "submitted_at", "needs"
            )
        ),
        "offers": list(
            Offer.objects.order_by("request__firm__credit_code", "sent_at").values_list(
                "agency__credit_code", "status", "score", "rank", "sent_at", "respond_by"
            )
        ),
        "engagements": list(
            Engagement.objects.order_by("firm__credit_code").values_list(
                "agency__credit_code", "status", "government_amount", "copay_amount", "starts_on"
            )
        ),
        "trail": list(AuditEvent.objects.order_by("at", "action").values_list("action", "at")),
    }


def _dump_of_a_fresh_run(seed):
    # Roll the run back so the next one starts from an empty database too.
    with transaction.atomic():
        demo.seed(**SMALL, seed=seed)
        dump = _dump()
        transaction.set_rollback(True)
    assert not Firm.objects.exists()
    return dump


def test_sizes_are_as_asked_and_the_time_is_printed():
    output = _seed("--firms", "12", "--agencies", "4", "--incubators", "3")
    assert (Firm.objects.count(), Agency.objects.count(), Incubator.objects.count()) == (12, 4, 3)
    assert "12 firms" in output and "4 agencies" in output and "audit events" in output
    assert " s." in output
    # Then the site's content and the editor's login (seed_cms).
    assert f"CMS editor login: {demo_cms.EDITOR_USERNAME}" in output


def test_same_seed_gives_the_same_data_and_another_seed_does_not():
    first = _dump_of_a_fresh_run(5)
    second = _dump_of_a_fresh_run(5)
    other = _dump_of_a_fresh_run(6)

    assert first == second
    assert len(first["firms"]) == SMALL["firms"]
    assert first["firms"] != other["firms"]


def test_if_empty_seeds_once():
    _seed("--firms", "5", "--agencies", "3", "--incubators", "2", "--if-empty")
    counts = (Firm.objects.count(), User.objects.count(), AuditEvent.objects.count())

    output = _seed("--firms", "5", "--if-empty")

    assert "nothing seeded" in output
    assert (Firm.objects.count(), User.objects.count(), AuditEvent.objects.count()) == counts


def test_seeding_a_filled_database_is_refused():
    demo.seed(firms=3, agencies=2, incubators=1)
    with pytest.raises(CommandError, match="--if-empty"):
        _seed("--firms", "5")
    with pytest.raises(CommandError, match="--if-empty"):
        _seed("--firms", "5", "--bulk")


def test_sizes_below_one_are_refused():
    with pytest.raises(CommandError, match="agencies must be at least 1"):
        _seed("--agencies", "0")
    with pytest.raises(CommandError, match="firms must be at least 1"):
        _seed("--firms", "0", "--bulk")
    assert not User.objects.exists()


def test_the_smallest_programme_still_has_every_demo_login():
    _seed("--firms", "1", "--agencies", "1", "--incubators", "1")
    assert set(User.objects.values_list("username", flat=True)) == {
        "demo-firm",
        "demo-agency",
        "demo-manager",
        "demo-officer",
        "demo-editor",
    }


def test_incubators_beyond_the_named_ones_get_distinct_names():
    demo.seed(firms=10, agencies=2, incubators=len(demo.INCUBATORS) + 40)
    names = list(Incubator.objects.values_list("name", flat=True))
    english = list(Incubator.objects.values_list("name_en", flat=True))
    assert len(names) == len(set(names)) == len(demo.INCUBATORS) + 40
    assert len(set(english)) == len(english)


def test_the_scale_seed_is_asked_for_by_name():
    output = _seed("--bulk", "--firms", "12", "--agencies", "4", "--incubators", "3")
    assert "12 firms" in output
    assert CustodyRequest.objects.exists() and AuditEvent.objects.exists()


def _fail(*args, **kwargs):
    raise RuntimeError("disk full")


def test_a_failure_leaves_nothing_written(monkeypatch):
    monkeypatch.setattr(Planner, "_firms", _fail)
    with pytest.raises(RuntimeError):
        _seed("--firms", "5")
    for model in (HighTechPark, Incubator, ServiceItem, ProgrammeYear, Agency, User, AuditEvent):
        assert not model.objects.exists(), model


def test_a_failure_in_the_contracting_part_leaves_nothing_written(monkeypatch):
    # The story fails halfway, after requests and offers went through their actions.
    monkeypatch.setattr(demo.Story, "_answer", _fail)
    with pytest.raises(RuntimeError):
        _seed("--firms", "20", "--agencies", "6", "--incubators", "4")
    for model in (Firm, CustodyRequest, Offer, Engagement, Notification, AuditEvent):
        assert not model.objects.exists(), model


def test_demo_logins_before_seeding_says_how_to_seed():
    out = StringIO()
    call_command("demo_logins", stdout=out)
    assert "seed_demo" in out.getvalue()
    assert "ipcustody-demo" not in out.getvalue()
