"""Dashboards: an incubator's coverage, the programme's progress, an agency's scorecard.

Each view reads its figures from marketplace.dashboards (scoped by the user), turns
them into the tables of reporting.tables, and renders them or exports one.
"""

import datetime
import functools

from django import forms
from django.contrib.staticfiles import finders
from django.http import Http404
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import exports
from frontend.forms import BootstrapMixin
from frontend.views.access import role_required
from frontend.views.office import _progress_step
from marketplace import selectors
from marketplace.choices import District, Industry
from reporting import cached, dashboards, tables
from reporting.filters import Filters

CHARTJS = "vendor/chartjs/chart.umd.min.js"
# Long tables show their first rows on the page (and in their chart); the page's "show
# all" link and the exports carry every row. Rendering 300 agencies cost more than
# computing their figures.
PAGE_LIMITS = {"by_incubator": 20, "scorecards": 20}
# The incubator dashboard's lists: its table key -> its figure. The page fetches their
# first rows only (an officer's page spans every firm); "show every row" and the
# exports fetch them all.
LISTS = {
    "no_request": "no_request",
    "offers_waiting": "offers_waiting",
    "deadlines": "deadlines_at_risk",
    "delivery": "delivery",
}
PAGE_LIST_LIMIT = 20


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
    years = selectors.programme_years()
    form = DashboardFilterForm(
        request.GET or None, years=years, incubators=incubators, fields=fields
    )
    today = timezone.localdate()
    filters = form.filters(years, today) if years else None
    return form, filters, today


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


def _scope(user, incubators):
    """Who sees the same figures: the same role over the same incubators."""
    return f"{user.role}:{','.join(str(incubator.pk) for incubator in incubators)}"


def _computed(at):
    return datetime.datetime.fromtimestamp(at, tz=datetime.UTC)


def _incubator_tables(request, *, every_row=False):
    user = request.user
    incubators = list(selectors.incubators_visible_to(user).order_by("name"))
    if user.is_incubator_manager:
        fields = ("year", "industry")
    else:
        fields = ("year", "district", "park", "incubator", "industry")
    form, filters, today = _setup(request, fields, incubators)
    if filters is None:
        return {"form": form, "filters": None}
    in_full = LISTS.get(request.GET.get("all", ""))
    figures, computed_at = cached.figures(
        "incubator",
        _scope(user, incubators),
        f"{cached.filters_key(filters)}:{today}:{every_row}:{in_full}",
        lambda: dashboards.incubator_dashboard(
            user,
            filters,
            today=today,
            incubators=incubators,
            list_limit=None if every_row else PAGE_LIST_LIMIT,
            in_full=(in_full,) if in_full else (),
        ),
    )
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
        if not every_row and name != in_full and len(figures[name]) >= PAGE_LIST_LIMIT:
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
    incubator = None
    if user.is_incubator_manager:
        incubator = next((i for i in incubators if i.pk == user.incubator_id), None)
    elif filters.incubator_id:
        incubator = next((i for i in incubators if i.pk == filters.incubator_id), None)
    return {
        "form": form,
        "filters": filters,
        "figures": figures,
        "figures_computed_at": _computed(computed_at),
        "incubator": incubator,
        "tables": built,
        "charts": charts,
        "stage_urls": tables.stage_urls(params),
    }


def _programme_tables(request, *, every_row=False):
    user = request.user
    incubators = list(selectors.incubators_visible_to(user).order_by("name"))
    form, filters, today = _setup(
        request, ("year", "district", "park", "incubator", "industry"), incubators
    )
    if filters is None:
        return {"form": form, "filters": None}
    figures, computed_at = cached.figures(
        "programme",
        _scope(user, incubators),
        f"{cached.filters_key(filters)}:{today}",
        lambda: dashboards.programme_dashboard(user, filters, incubators=incubators, today=today),
    )
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
        "form": form,
        "filters": filters,
        "figures": figures,
        "figures_computed_at": _computed(computed_at),
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
    card = dashboards.agency_scorecard(user, filters.year)
    built = {"scorecard": tables.scorecard_card(card, filters.year)} if card else {}
    return {"form": form, "filters": filters, "card": card, "tables": built, "charts": []}


_DASHBOARDS = {
    "incubator": (_incubator_tables, "frontend/dashboards/incubator.html"),
    "programme": (_programme_tables, "frontend/dashboards/programme.html"),
    "agency": (_agency_tables, "frontend/dashboards/agency.html"),
}


def _page(request, dashboard):
    build, template = _DASHBOARDS[dashboard]
    context = build(request)
    context["dashboard"] = dashboard
    context["export_view"] = f"frontend:dashboard-{dashboard}-export"
    context["chart_ids"] = [chart["id"] for chart in context.get("charts", [])]
    context["chartjs_url"] = chartjs_url()
    context["export_query"] = request.GET.urlencode()
    return render(request, template, context)


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
