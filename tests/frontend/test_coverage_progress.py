"""One truth for the programme's progress: the public home, the office home and the
programme dashboard all show the firms covered against the target from one selector
(marketplace.selectors.coverage_progress), the share rounded half up beside the counts."""

from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from marketplace import selectors
from tests.reporting.world import NOW, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(personas):
    return build_world(personas)


@pytest.fixture
def at_mid_june():
    with time_machine.travel(NOW, tick=False):
        yield


def test_covered_firms_are_counted_once_for_the_whole_programme(world):
    # The world's programme: 6 verified firms, 3 covered (two active, one completed).
    progress = selectors.coverage_progress(world.year)

    assert (progress.covered, progress.target, progress.percent) == (3, 100, Decimal("3.0"))


@pytest.mark.usefixtures("at_mid_june")
def test_every_page_shows_the_same_progress(client, personas, world):
    client.force_login(personas.officer)

    office = client.get(reverse("frontend:office-home"), HTTP_ACCEPT_LANGUAGE="en")
    dashboard = client.get(reverse("frontend:dashboard-programme"), HTTP_ACCEPT_LANGUAGE="en")
    client.logout()
    public = client.get("/?fresh", HTTP_ACCEPT_LANGUAGE="en")

    assert office.context["progress"].covered == 3
    assert "3 of 100 firms covered (3.0 %)" in office.text
    # Six firms are verified: the office's bar no longer counts them as progress.
    assert "6 of 100" not in office.text
    assert dashboard.context["figures"]["coverage"]["total"]["covered"] == 3
    assert public.context["figures"]["firms_under_custody"] == 3
    assert "firms covered against this year's target (3.0 %)" in public.text


@pytest.mark.parametrize(
    ("part", "whole", "shown"),
    [(10, 24, Decimal("41.7")), (1, 8, Decimal("12.5")), (1, 16, Decimal("6.3")), (0, 5, 0)],
)
def test_percentages_round_half_up(part, whole, shown):
    # 10 of 24 was shown truncated as 41.6 %; 1 of 16 is 6.25, which rounding to even makes 6.2.
    assert selectors.percent(part, whole) == shown


def test_without_a_whole_there_is_no_percentage():
    assert selectors.percent(3, 0) is None
