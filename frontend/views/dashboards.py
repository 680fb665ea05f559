"""Dashboards: an incubator's coverage, the programme's progress, an agency's scorecard.

Each page reads its figures from the stored snapshot of reporting.snapshots (computed
off the request, scoped by the user) and says when they were computed; an export
computes them in full from reporting.dashboards. Both turn them into the tables of
reporting.tables.
"""

import functools
import hashlib
import logging

from django import forms
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.db import transaction
from django.http import Http404, HttpRequest
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from core import exports
from frontend.forms import BootstrapMixin
from frontend.views.access import role_required
from frontend.views.office import _progress_step
from marketplace import selectors
from marketplace.choices import District, Industry
from reporting import dashboards, snapshots, tables
from reporting.filters import Filters

CHARTJS = "vendor/chartjs/chart.umd.min.js"
# Long tables show their first rows on the page (and in their chart); the page's "show
# all" link and the exports carry every row. Rendering 300 agencies cost more than
# computing their figures.
PAGE_LIMITS = {"by_incubator": 20, "scorecards": 20}
# The incubator dashboard's lists: its table key -> its figure. The page's snapshot keeps
# their first rows only (snapshots.PAGE_LIST_LIMIT; an officer's page spans every firm);
# "show every row" and the exports fetch them all.
LISTS = {
    "no_request": "no_request",
    "offers_waiting": "offers_waiting",
    "deadlines": "deadlines_at_risk",
    "delivery": "delivery",
}

# A drawn page body is kept this long (a new snapshot has a new key anyway).
BODY_SECONDS = 3600
# The page a dashboard opens with is read whole from the cache for this long: a snapshot
# computed meanwhile reaches its readers this much later (_opening_key).
OPENING_SECONDS = 15
_OPENING_READERS = ("incubator", "programme")
# What the page around the body shows (the heading's eyebrow, the figures' age).
OPENING_PARTS = ("eyebrow", "figures_computed_at", "body")
# Where readers open the dashboards (scheme and host, which the invitations' sign-in link
# carries): the jobs draw the pages they open with for it (draw_computed_page).
ORIGIN_KEY = "frontend:dashboard-origin"
ORIGIN_SECONDS = 7 * 24 * 3600
# The snapshot parameters other than the year and the language that the page a dashboard
# opens with (no query) leaves empty.
_CHOSEN = ("district", "park", "incubator", "industry", "in_full")

logger = logging.getLogger(__name__)


@functools.cache
def chartjs_url():
    """Chart.js from npm when `make assets` installed it; None leaves the tables alone."""
    if finders.find(CHARTJS) is None:
        return None
    try:
        return static(CHARTJS)
    except ValueError:  # a manifest without the file: collectstatic has not run since
        return None


class DashboardFilterForm(BootstrapMixin, forms.Form):
    """A GET form; its choices come from lists the dashboard reads anyway (no extra query)."""

    year = forms.TypedChoiceField(label=_("Programme year"), coerce=int, required=False)
    district = forms.ChoiceField(label=_("District"), required=False)
    park = forms.TypedChoiceField(label=_("High-tech park"), coerce=int, required=False)
    incubator = forms.TypedChoiceField(label=_("Incubator"), coerce=int, required=False)
    industry = forms.ChoiceField(label=_("Industry"), required=False)

    def __init__(self, data, *, years, incubators, fields):
        super().__init__(data)
        everything = [("", _("All"))]
        self.fields["year"].choices = [(y.year, y.name) for y in years]
        self.fields["district"].choices = everything + list(District.choices)
        parks = sorted({(i.park_id, i.park.display_name) for i in incubators if i.park_id})
        self.fields["park"].choices = everything + parks
        self.fields["incubator"].choices = everything + [(i.pk, i.display_name) for i in incubators]
        self.fields["industry"].choices = everything + list(Industry.choices)
        for name in list(self.fields):
            if name not in fields:
                del self.fields[name]

    def filters(self, years, today):
        """The Filters chosen; anything invalid falls back to "all" (and the current year)."""
        data = self.cleaned_data if self.is_valid() else {}
        by_year = {y.year: y for y in years}
        year = by_year.get(data.get("year")) or selectors.default_year(years, today)
        if year is not None:
            self.initial["year"] = year.year
        return Filters(
            year=year,
            district=data.get("district") or "",
            park_id=data.get("park") or None,
            incubator_id=data.get("incubator") or None,
            industry=data.get("industry") or "",
        )


def _setup(request, fields, incubators):
    """(the filter form, the Filters chosen, today). With no query the page shows the
    current year unfiltered, and the form (whose choices read the incubators' rows) is
    built only if the page is drawn rather than read from the cache."""
    years = selectors.programme_years()
    today = timezone.localdate()

    def form(data):
        return DashboardFilterForm(data, years=years, incubators=incubators, fields=fields)

    if request.GET or not years:
        chosen = form(request.GET or None)
        return chosen, chosen.filters(years, today) if years else None, today
    year = selectors.default_year(years, today)

    def unfiltered():
        shown = form(None)
        shown.initial["year"] = year.year
        return shown

    return SimpleLazyObject(unfiltered), Filters(year=year), today


def _limit_rows(request, built):
    """Cap the long tables in `built` at PAGE_LIMITS, except the one asked for in full."""
    in_full = request.GET.get("all", "")
    for key, limit in PAGE_LIMITS.items():
        table = built.get(key)
        if table is None or key == in_full:
            continue
        table.page_limit = limit
        table.all_url = _show_every_row_url(request, key)


def _show_every_row_url(request, key):
    query = request.GET.copy()
    query["all"] = key
    return f"?{query.urlencode()}#heading-{key}"


def _incubator_tables(request, *, every_row=False, stored=None):
    """The incubator dashboard's context. stored: (figures, computed at) a job has just
    computed, drawn instead of reading the snapshot."""
    user = request.user
    incubators = dashboards.VisibleIncubators(user)
    if user.is_incubator_manager:
        fields = ("year", "industry")
    else:
        fields = ("year", "district", "park", "incubator", "industry")
    form, filters, today = _setup(request, fields, incubators)
    if filters is None:
        return {"form": form, "filters": None}
    in_full = LISTS.get(request.GET.get("all", ""), "")
    incubator = None
    if user.is_incubator_manager:
        # Their one incubator, which the heading names: its row also gives the scope's id.
        incubator = next((i for i in incubators if i.pk == user.incubator_id), None)
    elif filters.incubator_id:
        incubator = next((i for i in incubators if i.pk == filters.incubator_id), None)
    if every_row:
        # An export: every row of every list, as of now.
        figures, computed_at = (
            dashboards.incubator_dashboard(
                user, filters, today=today, incubators=incubators, list_limit=None
            ),
            None,
        )
    elif stored is not None:
        figures, computed_at = stored
    else:
        figures, computed_at = snapshots.figures(
            snapshots.Kind.INCUBATOR, user, filters, incubators=incubators, in_full=in_full
        )
    context = {
        "form": form,
        "filters": filters,
        "figures": figures,
        "figures_computed_at": computed_at,
        "incubator": incubator,
        "eyebrow": incubator.display_name if incubator else _("All incubators"),
        "snapshot_key": snapshots.key_for(
            snapshots.Kind.INCUBATOR, user, filters, incubators=incubators, in_full=in_full
        ),
    }
    finish = functools.partial(
        _incubator_built, request, figures, filters, in_full=in_full, every_row=every_row
    )
    return _finished(context, finish, every_row=every_row)


def _finished(context, finish, *, every_row):
    """The page's context: its tables and charts built now for an export, or by _page
    only when the page's body is not stored already."""
    if every_row:
        context.update(finish())
    else:
        context["finish"] = finish
    return context


def _incubator_built(request, figures, filters, *, in_full, every_row):
    coverage = figures["coverage"]
    params = filters.firm_list_params()
    built = {
        "funnel": tables.funnel(coverage, params),
        "by_industry": tables.breakdown(coverage, "industry", params),
        "no_request": tables.no_request(
            figures["no_request"], sign_in_url=request.build_absolute_uri(reverse("frontend:login"))
        ),
        "offers_waiting": tables.offers_waiting(figures["offers_waiting"]),
        "deadlines": tables.deadlines_at_risk(figures["deadlines_at_risk"]),
        "delivery": tables.delivery(figures["delivery"]),
        "satisfaction": tables.satisfaction(figures["satisfaction"]),
        "trend": tables.trend(figures["trend"]),
    }
    for key, name in LISTS.items():
        if not every_row and name != in_full and len(figures[name]) >= snapshots.PAGE_LIST_LIMIT:
            built[key].all_url = _show_every_row_url(request, key)
    charts = [
        tables.chart(built["funnel"], kind="bar", label_key="stage", series=["count"]),
        tables.chart(
            built["by_industry"], kind="bar", label_key="label", series=["eligible", "active"]
        ),
        tables.chart(
            built["trend"],
            kind="line",
            label_key="month",
            series=["requests", "engagements", "delivered"],
        ),
        tables.chart(built["satisfaction"], kind="bar", label_key="stars", series=["count"]),
    ]
    return {"tables": built, "charts": charts, "stage_urls": tables.stage_urls(params)}


def _programme_tables(request, *, every_row=False, stored=None):
    """The programme dashboard's context; stored as for _incubator_tables."""
    user = request.user
    incubators = dashboards.VisibleIncubators(user)
    form, filters, today = _setup(
        request, ("year", "district", "park", "incubator", "industry"), incubators
    )
    if filters is None:
        return {"form": form, "filters": None}
    if every_row:
        figures, computed_at = (
            dashboards.programme_dashboard(user, filters, incubators=incubators, today=today),
            None,
        )
    elif stored is not None:
        figures, computed_at = stored
    else:
        figures, computed_at = snapshots.figures(
            snapshots.Kind.PROGRAMME, user, filters, incubators=incubators
        )
    context = {
        "form": form,
        "filters": filters,
        "figures": figures,
        "figures_computed_at": computed_at,
        "eyebrow": filters.year.display_name,
        "snapshot_key": snapshots.key_for(
            snapshots.Kind.PROGRAMME, user, filters, incubators=incubators
        ),
    }
    finish = functools.partial(_programme_built, request, figures, filters)
    return _finished(context, finish, every_row=every_row)


def _programme_built(request, figures, filters):
    coverage = figures["coverage"]
    params = filters.firm_list_params()
    built = {
        "covered": tables.covered_by_month(figures["covered_by_month"], figures["target"]),
        "by_district": tables.breakdown(coverage, "district", params),
        "by_park": tables.breakdown(coverage, "park", params),
        "by_incubator": tables.breakdown(coverage, "incubator", params),
        "by_industry": tables.breakdown(coverage, "industry", params),
        "budget": tables.budget(figures["budget"]),
        "scorecards": tables.scorecards(figures["scorecards"], filters.year),
        "chat": tables.chat(figures["chat"]),
    }
    # Officers reach each incubator's own dashboard from its row.
    incubator_url = reverse("frontend:dashboard-incubator")
    for n, row in enumerate(built["by_incubator"].rows):
        built["by_incubator"].links[(n, "label")] = (
            f"{incubator_url}?incubator={row['key']}&year={filters.year.year}"
        )
    _limit_rows(request, built)
    charts = [
        tables.chart(
            built["covered"], kind="line", label_key="month", series=["covered", "target"]
        ),
        tables.chart(
            built["by_district"], kind="bar", label_key="label", series=["eligible", "active"]
        ),
        tables.chart(
            built["by_industry"], kind="bar", label_key="label", series=["eligible", "active"]
        ),
        tables.chart(
            built["budget"],
            kind="line",
            label_key="month",
            series=["actual", "forecast", "budget"],
        ),
        tables.chart(
            built["scorecards"],
            kind="bar",
            label_key="name",
            series=["completeness", "acceptance_rate"],
            percent=True,
        ),
    ]
    return {
        "tables": built,
        "charts": charts,
        "stage_urls": tables.stage_urls(params),
        "progress_step": _progress_step(coverage["total"]["covered"], figures["target"]),
    }


def _agency_tables(request, *, every_row=False):
    user = request.user
    form, filters, _today = _setup(request, ("year",), [])
    if filters is None:
        return {"form": form, "filters": None}
    if every_row:  # an export: the figures of now
        card, computed_at = dashboards.agency_scorecard(user, filters.year), None
    else:
        card, computed_at = dashboards.stored_agency_scorecard(user, filters.year)
    built = {"scorecard": tables.scorecard_card(card, filters.year)} if card else {}
    return {
        "form": form,
        "filters": filters,
        "card": card,
        "tables": built,
        "charts": [],
        "figures_computed_at": computed_at,
    }


_DASHBOARDS = {
    "incubator": (_incubator_tables, "frontend/dashboards/incubator.html"),
    "programme": (_programme_tables, "frontend/dashboards/programme.html"),
    "agency": (_agency_tables, "frontend/dashboards/agency.html"),
}


def _page(request, dashboard):
    build, template = _DASHBOARDS[dashboard]
    opening_key = _opening_key(request, dashboard)
    if opening_key is not None:
        opening = _kept_opening(opening_key)
        if opening is not None:
            return render(request, template, opening)
    context = _with_page_parts(request, dashboard, build(request))
    finish = context.pop("finish", None)
    if finish is not None:
        context["body"] = _body(request, dashboard, context, finish)
        if opening_key is not None and context["figures_computed_at"] is not None:
            opening = {name: context[name] for name in OPENING_PARTS}
            cache.set(opening_key, (timezone.now(), opening), timeout=OPENING_SECONDS)
    else:
        context["chart_ids"] = [chart["id"] for chart in context.get("charts", [])]
    return render(request, template, context)


def _kept_opening(key):
    """The page kept under `key` while it is younger than OPENING_SECONDS by this process's
    clock (Redis expires keys by its own), or None."""
    kept = cache.get(key)
    if kept is None:
        return None
    kept_at, opening = kept
    age = (timezone.now() - kept_at).total_seconds()
    return opening if 0 <= age < OPENING_SECONDS else None


def _opening_key(request, dashboard):
    """The cache key of the page `request` opens with (no query chosen), for readers who see
    the same page, or None when there is none to keep.

    Such a page is read by every request for a few seconds (OPENING_SECONDS) without the
    programme years, the incubators and the stored figures it was drawn from: four fewer
    round trips, each of which a busy worker made the request queue for again (issue #20,
    the dashboards under load). Its figures' age is the one it was drawn with.
    """
    if request.GET or dashboard not in _OPENING_READERS:
        return None
    user = request.user
    if user.is_programme_officer:
        reader = "programme"  # every officer sees every incubator
    elif user.is_incubator_manager and user.incubator_id:
        reader = f"incubator:{user.incubator_id}"
    else:
        return None
    parts = (
        dashboard,
        reader,
        translation.get_language(),
        timezone.localdate().isoformat(),
        request.get_host(),
        chartjs_url() or "",
    )
    return "frontend:dashboard-opening:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def _with_page_parts(request, dashboard, context):
    context["dashboard"] = dashboard
    context["export_view"] = f"frontend:dashboard-{dashboard}-export"
    context["chartjs_url"] = chartjs_url()
    context["export_query"] = request.GET.urlencode()
    return context


def _body_key(request, dashboard, context):
    parts = (
        dashboard,
        context["snapshot_key"],
        context["figures_computed_at"].isoformat(),
        translation.get_language(),
        timezone.localdate().isoformat(),
        request.GET.urlencode(),
        request.get_host(),
        chartjs_url() or "",
    )
    return "frontend:dashboard-body:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def _body(request, dashboard, context, finish):
    """The page below its figures' age, drawn once per snapshot and stored in the cache.

    Building the tables and drawing them was most of a dashboard's time once its figures
    were stored. The drawing depends only on the snapshot, the reader's language, the
    day, the query and the site's address (the invitation's sign-in link), all in the key.
    The jobs that compute figures draw the page they open with (draw_computed_page), so
    usually only another choice of filters is drawn here.
    """
    key = _body_key(request, dashboard, context)
    body = cache.get(key)
    if body is None:
        body = _draw(request, dashboard, context, finish)
        cache.set(key, body, timeout=BODY_SECONDS)
        remember_origin(request)
    return body


def _draw(request, dashboard, context, finish):
    context.update(finish())
    context["chart_ids"] = [chart["id"] for chart in context["charts"]]
    # The request without the context processors: the body needs only its path.
    return render_to_string(
        f"frontend/dashboards/_{dashboard}_body.html", {**context, "request": request}
    )


# ---- drawn by the jobs -----------------------------------------------------------------------


def remember_origin(request):
    """Keep where the dashboards are read (scheme, host) for the jobs' drawing; also
    user_logged_in's receiver, so a sign-in's priming job draws for it too."""
    origin = [request.scheme, request.get_host()]
    if cache.get(ORIGIN_KEY) != origin:
        cache.set(ORIGIN_KEY, origin, timeout=ORIGIN_SECONDS)


def on_signed_in(sender, request, user, **kwargs):
    if request is None or not snapshots.kinds_for(user):
        return
    # The test client's force_login signs in with a request from nowhere: no host.
    if request.META.get("HTTP_HOST") or request.META.get("SERVER_NAME"):
        remember_origin(request)


class _JobRequest(HttpRequest):
    """A GET of a dashboard with no query, as a reader at `origin` sends it."""

    def __init__(self, path, user, origin):
        super().__init__()
        self.method = "GET"
        self.path = self.path_info = path
        self._scheme, host = origin
        self.META = {"HTTP_HOST": host}
        self.user = user

    def _get_scheme(self):
        return self._scheme


def draw_computed_page(sender, *, key, kind, user, params, figures, computed_at, **kwargs):
    """reporting.snapshots.computed's receiver, in the job: draw the page the new figures
    open with (no filter chosen) before any reader sees them, so that the first request
    after a refresh reads the page instead of drawing it (60 ms of CPU for the programme
    dashboard on 3,000 firms). Other choices of filters are drawn by their first reader."""
    if any(params.get(name) for name in _CHOSEN):
        return False
    origin = cache.get(ORIGIN_KEY)
    if not origin:
        return False  # nobody has read a dashboard here yet
    kind = snapshots.Kind(kind).value  # the page's name, as a request spells it in the key
    build, _template = _DASHBOARDS[kind]
    request = _JobRequest(reverse(f"frontend:dashboard-{kind}"), user, origin)
    # Its own savepoint: a failed query must not spoil the job's transaction storing them.
    with transaction.atomic():
        context = build(request, stored=(figures, computed_at))
        if context.get("snapshot_key") != key:
            return False  # the page opens with another year now
        context = _with_page_parts(request, kind, context)
        body = _draw(request, kind, context, context.pop("finish"))
    cache.set(_body_key(request, kind, context), body, timeout=BODY_SECONDS)
    return True


def _export(request, dashboard, table, fmt):
    build, _template = _DASHBOARDS[dashboard]
    context = build(request, every_row=True)
    chosen = context.get("tables", {}).get(table)
    if chosen is None:
        raise Http404
    year = context["filters"].year.year
    return exports.table_download(chosen, fmt, f"{dashboard}-{table}-{year}.{fmt}")


@role_required("incubator_manager", "programme_officer")
def incubator_dashboard(request):
    return _page(request, "incubator")


@role_required("programme_officer")
def programme_dashboard(request):
    return _page(request, "programme")


@role_required("agency_staff")
def agency_dashboard(request):
    return _page(request, "agency")


@role_required("incubator_manager", "programme_officer")
def incubator_export(request, table, fmt):
    return _export(request, "incubator", table, fmt)


@role_required("programme_officer")
def programme_export(request, table, fmt):
    return _export(request, "programme", table, fmt)


@role_required("agency_staff")
def agency_export(request, table, fmt):
    return _export(request, "agency", table, fmt)
