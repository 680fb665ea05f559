"""The dashboards as pages ask for them: an incubator's, the programme's and an agency's.

Every figure is aggregated in the database in a fixed number of queries, whatever the
number of firms, engagements or service records; reads start from the permission-scoped
selectors, so a manager's figures only ever count their own incubator's firms, and an
agency's scorecard only its own offers.
"""

import functools
from collections.abc import Sequence

from django.core.cache import cache
from django.utils import timezone, translation

from marketplace import selectors
from reporting.coverage import coverage_by_month, coverage_grid, firms_without_request
from reporting.delivery import (
    deadline_figures,
    deadlines_at_risk,
    delivery_by_engagement,
    monthly_trend,
    offers_waiting,
    satisfaction,
)
from reporting.figures import cumulative
from reporting.filters import LIST_LIMIT, year_window
from reporting.programme import agency_scorecards, budget_figures, chat_figures

# --- The dashboards -------------------------------------------------------------------


def incubator_dashboard(
    user, filters, *, today=None, incubators=None, list_limit=LIST_LIMIT, in_full=()
):
    """An incubator's coverage, gaps, delivery and satisfaction; `user` scopes every read.

    About a dozen queries whatever the incubator's size (see the tests' pins). Coverage
    is broken down by incubator and industry only, which keeps the grid small city-wide.
    incubators: those `user` sees, if the caller has them. The lists (no_request,
    offers_waiting, deadlines_at_risk, delivery) keep their first `list_limit` rows
    (None: all), except those named in `in_full`, which keep every row.
    """
    today = today or timezone.localdate()
    if incubators is None:
        incubators = incubators_for(user)
    firms, coverage = coverage_grid(user, filters, incubators, ("incubator", "industry"))

    def limit(name):
        return None if name in in_full else list_limit

    return {
        "coverage": coverage,
        "no_request": firms_without_request(firms, filters.year, limit("no_request")),
        "offers_waiting": offers_waiting(user, filters, limit("offers_waiting")),
        "deadlines": deadline_figures(user, filters, today),
        "deadlines_at_risk": deadlines_at_risk(user, filters, today, limit("deadlines_at_risk")),
        "delivery": delivery_by_engagement(user, filters, today, limit("delivery")),
        "satisfaction": satisfaction(user, filters),
        "trend": monthly_trend(user, filters),
    }


def incubators_for(user):
    return list(selectors.incubators_visible_to(user).order_by("name"))


class VisibleIncubators(Sequence):
    """The incubators `user` sees, by name, read in two steps: their ids first (the scope of
    the stored figures, all a dashboard needs once its page is stored), their rows only
    when something needs them (computing figures, checking a filter, drawing the page).
    A city-wide reader sees 60 incubators; their rows were a tenth of a stored page's CPU."""

    def __init__(self, user):
        self._query = selectors.incubators_visible_to(user).order_by("name")

    @functools.cached_property
    def ids(self):
        if "rows" in self.__dict__:
            return [incubator.pk for incubator in self.rows]
        return list(self._query.values_list("pk", flat=True))

    @functools.cached_property
    def rows(self):
        return list(self._query)

    def __getitem__(self, index):
        return self.rows[index]

    def __len__(self):
        return len(self.rows)


def programme_dashboard(user, filters, *, incubators, today=None, now=None):
    """The city's progress: coverage against target, budget burn, agencies, assistant."""
    today = today or timezone.localdate()
    now = now or timezone.now()
    firms, coverage = coverage_grid(user, filters, incubators)
    start, end = year_window(filters.year)
    return {
        "coverage": coverage,
        "target": filters.year.target_firms,
        "covered_by_month": cumulative(coverage_by_month(firms, filters.year)),
        "budget": budget_figures(filters.year, today),
        "scorecards": agency_scorecards(user, filters.year),
        "chat": chat_figures((start, min(end, now))),
    }


def agency_scorecard(user, year):
    """The scorecard of the agency `user` works for (its staff see only their own)."""
    cards = agency_scorecards(user, year)
    return cards[0] if cards else None


# An agency's scorecard is seven aggregate queries over its year, a third of its page's
# time under load, and its figures move slowly: each agency's is kept this long (per
# year and language) and its page says when it was computed, as the other dashboards do.
SCORECARD_SECONDS = 60


def stored_agency_scorecard(user, year, *, now=None):
    """(card, computed_at) for the agency `user` works for: computed at most once a minute."""
    if user.agency_id is None:
        return None, None
    key = ":".join(
        (
            "reporting:agency-scorecard",
            str(user.agency_id),
            str(year.pk),
            translation.get_language() or "",
            # A new day moves the figures' window (deadlines missed this year, …).
            timezone.localdate(now).isoformat(),
        )
    )
    now = now or timezone.now()
    stored = cache.get(key)
    # The age is read from the stored time as well as left to the cache's expiry: Redis
    # expires by its own clock, which neither a moved clock nor a slow eviction follows.
    if stored is None or not 0 <= (now - stored[1]).total_seconds() < SCORECARD_SECONDS:
        stored = (agency_scorecard(user, year), now)
        cache.set(key, stored, timeout=SCORECARD_SECONDS)
    return stored
