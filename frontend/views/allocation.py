"""The programme office's cohort allocation (preview, then commit) and changes of agency."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from core.errors import ActionError
from frontend.forms import AllocationForm, ReasonForm
from frontend.views.access import decide, role_required
from marketplace import actions, selectors
from marketplace.explain import describe_constraint
from marketplace.models import AgencyChange, CustodyRequest

# The request table lists this many, oldest first; "all open requests" still takes every one.
REQUESTS_LISTED = 200
RUNS_LISTED = 10
DECIDED_CHANGES_LISTED = 10


def _chosen_year(request, years):
    """The year named in ?year=, else the one taking applications, else the latest."""
    wanted = request.GET.get("year")
    if wanted and wanted.isdigit():
        chosen = next((year for year in years if year.pk == int(wanted)), None)
        if chosen is not None:
            return chosen
    current = selectors.programme_year_open()
    if current is not None:
        return next((year for year in years if year.pk == current.pk), current)
    return years[0] if years else None


@role_required("programme_officer")
def allocation_home(request):
    user = request.user
    years = list(selectors.programme_years_visible_to(user).prefetch_related(None))
    year = _chosen_year(request, years)
    open_requests = (
        selectors.custody_requests_visible_to(user)
        .filter(programme_year=year, status=CustodyRequest.Status.OPEN)
        .prefetch_related("items")
        .order_by("submitted_at", "pk")
    )
    return render(
        request,
        "frontend/allocation/home.html",
        {
            "years": years,
            "year": year,
            "open_count": open_requests.count(),
            "open_requests": open_requests[:REQUESTS_LISTED],
            "requests_listed": REQUESTS_LISTED,
            "runs": selectors.allocation_runs_visible_to(user).filter(programme_year=year)[
                :RUNS_LISTED
            ],
        },
    )


@require_POST
@role_required("programme_officer")
def allocation_preview(request):
    user = request.user
    form = AllocationForm(request.POST, user=user)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, errors[0])
        return redirect("frontend:allocation")
    year = form.cleaned_data["programme_year"]
    try:
        run = actions.allocation_preview(
            programme_year=year, by=user, request_ids=form.request_ids()
        )
    except ActionError as error:
        messages.error(request, error.message)
        return redirect(f"{reverse('frontend:allocation')}?year={year.pk}")
    return redirect("frontend:allocation-run", run.pk)


def _histogram(scores):
    """Counts of scores in buckets of ten points: 0–10, 10–20, … 90–100."""
    counts = [0] * 10
    for score in scores:
        counts[min(int(score // 10), 9)] += 1
    return [
        {"low": index * 10, "high": index * 10 + 10, "count": count}
        for index, count in enumerate(counts)
    ]


@role_required("programme_officer")
def allocation_run(request, run_id):
    user = request.user
    run = get_object_or_404(selectors.allocation_runs_visible_to(user), pk=run_id)
    result = run.result
    assignments = result.get("assignments", [])
    agency_ids = {row["agency"] for row in assignments} | {
        row["agency"] for row in result.get("load", [])
    }
    # Two queries whatever the size of the cohort.
    requests = selectors.custody_requests_visible_to(user).in_bulk(run.request_ids)
    agencies = selectors.agencies_visible_to(user).in_bulk(agency_ids)
    total = len(run.request_ids)
    histogram = _histogram([row["score"] for row in assignments])
    greedy = result.get("greedy", {})
    # What the optimiser wins over first-come: more firms placed, else more total score.
    gain = {
        "placed": result.get("placed", 0) - greedy.get("placed", 0),
        "score": round(result.get("objective", 0) - greedy.get("objective", 0), 1),
    }
    return render(
        request,
        "frontend/allocation/run.html",
        {
            "run": run,
            "total": total,
            "placed": result.get("placed", 0),
            "objective": result.get("objective", 0),
            "greedy": greedy,
            "gain": gain,
            "assignments": [
                {
                    "request": requests.get(row["request"]),
                    "agency": agencies.get(row["agency"]),
                    "score": row["score"],
                }
                for row in assignments
            ],
            "load": [
                {
                    "agency": agencies.get(row["agency"]),
                    "name": row["name"],
                    "assigned": row["assigned"],
                    "free": row["free"],
                }
                for row in result.get("load", [])
            ],
            "histogram": histogram,
            "histogram_max": max((bucket["count"] for bucket in histogram), default=0),
            "unplaced": [
                {
                    "request": requests.get(row["request"]),
                    "firm": row["firm"],
                    "reason": describe_constraint(row["constraint"]),
                    "eligible_agencies": row.get("eligible_agencies"),
                }
                for row in result.get("unplaced", [])
            ],
            "committed_offers": len(result.get("committed_offers", [])),
            "skipped": len(result.get("skipped", [])),
        },
    )


@require_POST
@role_required("programme_officer")
def allocation_commit(request, run_id):
    run = get_object_or_404(selectors.allocation_runs_visible_to(request.user), pk=run_id)
    try:
        run = actions.allocation_commit(run=run, by=request.user)
    except ActionError as error:
        messages.error(request, error.message)
    else:
        sent = len(run.result.get("committed_offers", []))
        skipped = len(run.result.get("skipped", []))
        text = ngettext(
            "The allocation is committed: %(sent)d offer was sent.",
            "The allocation is committed: %(sent)d offers were sent.",
            sent,
        ) % {"sent": sent}
        if skipped:
            text += " " + ngettext(
                "%(skipped)d request was skipped because it was no longer open.",
                "%(skipped)d requests were skipped because they were no longer open.",
                skipped,
            ) % {"skipped": skipped}
        messages.success(request, text)
    return redirect("frontend:allocation-run", run.pk)


# --- Changes of agency ---------------------------------------------------------------------


def _changes_context(user):
    changes = selectors.agency_changes_visible_to(user)
    return {
        "pending_changes": changes.filter(status=AgencyChange.Status.PENDING).order_by(
            "requested_at"
        ),
        "decided_changes": changes.exclude(status=AgencyChange.Status.PENDING).order_by(
            "-decided_at"
        )[:DECIDED_CHANGES_LISTED],
    }


def agency_changes_panel(request, changed=None):
    """The pending changes card, re-rendered after a decision made through htmx."""
    return render(
        request,
        "frontend/office/_changes_panel.html",
        {**_changes_context(request.user), "htmx_partial": True},
    )


@role_required("programme_officer")
def agency_change_list(request):
    return render(request, "frontend/office/changes.html", _changes_context(request.user))


_PANELS = {"agency-changes": agency_changes_panel}


@require_POST
@role_required("programme_officer")
def agency_change_approve(request, change_id):
    change = get_object_or_404(selectors.agency_changes_visible_to(request.user), pk=change_id)
    return decide(
        request,
        run=lambda: actions.agency_change_approve(change=change, by=request.user),
        success=_("%(firm)s moves to %(agency)s; a new engagement has started.")
        % {"firm": change.engagement.firm.name, "agency": change.new_agency},
        panels=_PANELS,
        default=reverse("frontend:agency-changes"),
    )


@require_POST
@role_required("programme_officer")
def agency_change_refuse(request, change_id):
    change = get_object_or_404(selectors.agency_changes_visible_to(request.user), pk=change_id)
    form = ReasonForm(request.POST)
    return decide(
        request,
        form=form,
        run=lambda: actions.agency_change_refuse(
            change=change, by=request.user, reason=form.cleaned_data["reason"]
        ),
        success=_("The change for %(firm)s is refused; the firm sees your reason.")
        % {"firm": change.engagement.firm.name},
        panels=_PANELS,
        default=reverse("frontend:agency-changes"),
    )
