"""A firm's IP portfolio: the list with its next deadlines, one asset with its deadlines,
adding and editing assets, import and export. Reads go through custody.selectors; every
change is one custody action (asset_create, asset_update, or the import that calls them)."""

import tempfile
from pathlib import Path

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core import exports
from core.errors import ActionError
from custody import actions, selectors
from custody.import_limits import FileRefused
from custody.models import Deadline
from custody.portfolio_io import (
    PortfolioImportError,
    UnreadableFile,
    export_portfolio,
    import_portfolio_upload,
)
from frontend.portfolio_forms import AssetForm, PortfolioFilterForm, PortfolioImportForm
from frontend.views.access import paginate, role_required
from frontend.views.dashboards import chartjs_url
from frontend.views.deadlines import _state as deadline_state
from reporting import tables

READERS = ("firm_member", "agency_staff", "incubator_manager", "programme_officer")
# The firm and its custody agency change the portfolio; managers and the office only read.
EDITORS = ("firm_member", "agency_staff")


def _portfolio_url(firm_id):
    return reverse("frontend:portfolio", args=[firm_id])


def _asset_url(asset):
    return reverse("frontend:portfolio-asset", args=[asset.firm_id, asset.pk])


def _editable_firm(request, firm_id):
    """The firm, if the user may see it (else 404) and change its portfolio (else 403)."""
    firm = selectors.portfolio_firm_get_for_user(user=request.user, firm_id=firm_id)
    if not actions.can_edit_portfolio(request.user, firm):
        raise PermissionDenied
    return firm


def _asset_of(request, firm_id, asset_id):
    asset = selectors.asset_get_for_user(user=request.user, asset_id=asset_id)
    if asset.firm_id != firm_id:
        raise Http404
    return asset


def _next_deadline(asset, fees):
    if asset.next_deadline_id is None:
        return None
    return {
        "id": asset.next_deadline_id,
        "kind": Deadline.Kind(asset.next_deadline_kind).label,
        "fee_year": asset.next_deadline_fee_year,
        "due_on": asset.next_deadline_due_on,
        "fee": fees.get(asset.next_deadline_id),
    }


def _forecast_table(request, firm, *, table=None):
    periods = selectors.fee_forecast(
        request.user, firm=firm, today=timezone.localdate(), table=table
    )
    return tables.fee_forecast(periods)


def _portfolio_page(request, firm, *, import_form=None, import_errors=None, status=200):
    user = request.user
    filters = PortfolioFilterForm(request.GET or None)
    page = paginate(request, selectors.portfolio_assets(user, firm=firm, **filters.values()))
    can_edit = user.is_firm_member or user.is_agency_staff
    can_edit = can_edit and actions.can_edit_portfolio(user, firm)
    today = timezone.localdate()
    fee_table = selectors.fee_table()
    fees = selectors.fees_of(
        [asset.next_deadline_id for asset in page], today=today, table=fee_table
    )
    forecast = _forecast_table(request, firm, table=fee_table)
    return render(
        request,
        "frontend/portfolio/list.html",
        {
            "firm": firm,
            "filters": filters,
            "page": page,
            "rows": [{"asset": asset, "next": _next_deadline(asset, fees)} for asset in page],
            "forecast": forecast,
            "chartjs_url": chartjs_url(),
            "charts": [
                tables.chart(
                    forecast, kind="bar", label_key="period", series=["payable", "reduced_payable"]
                )
            ],
            "can_edit": can_edit,
            "import_form": (import_form or PortfolioImportForm()) if can_edit else None,
            "import_errors": import_errors,
            "board_url": f"{reverse('frontend:deadline-board')}?firm={firm.pk}",
        },
        status=status,
    )


@role_required("firm_member")
def portfolio_mine(request):
    """The navigation's "Portfolio": a firm member's own firm."""
    return redirect(_portfolio_url(request.user.firm_id))


@role_required(*READERS)
def portfolio(request, firm_id):
    firm = selectors.portfolio_firm_get_for_user(user=request.user, firm_id=firm_id)
    return _portfolio_page(request, firm)


@role_required(*READERS)
def asset_detail(request, firm_id, asset_id):
    user = request.user
    asset = _asset_of(request, firm_id, asset_id)
    today = timezone.localdate()
    deadlines = selectors.deadlines_visible_to(user).filter(asset=asset).order_by("due_on", "pk")
    rows = []
    for deadline in deadlines:
        label, tone = deadline_state(deadline, today)
        rows.append({"deadline": deadline, "state": label, "tone": tone})
    return render(
        request,
        "frontend/portfolio/detail.html",
        {
            "firm": asset.firm,
            "asset": asset,
            "rows": rows,
            "can_edit": (user.is_firm_member or user.is_agency_staff)
            and actions.can_edit_portfolio(user, asset.firm),
        },
    )


def _asset_form_page(request, form, *, firm, asset=None):
    return render(
        request,
        "frontend/portfolio/form.html",
        {"firm": firm, "asset": asset, "form": form},
        status=400 if form.errors else 200,
    )


def _save(request, form, run):
    """Run the action with the form's fields; its refusal lands on the field it names."""
    try:
        return run(form.asset_fields())
    except ValidationError as error:
        form.add_action_error(error)
    except ActionError as error:
        if error.status_code == 403:
            raise PermissionDenied from None
        form.add_action_error(error)
    return None


@role_required(*EDITORS)
def asset_new(request, firm_id):
    firm = _editable_firm(request, firm_id)
    form = AssetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        asset = _save(
            request,
            form,
            lambda fields: actions.asset_create(firm=firm, by=request.user, fields=fields),
        )
        if asset is not None:
            messages.success(
                request,
                _("%(asset)s is in the portfolio; its deadlines are on its page.")
                % {"asset": asset},
            )
            return redirect(_asset_url(asset))
    return _asset_form_page(request, form, firm=firm)


@role_required(*EDITORS)
def asset_edit(request, firm_id, asset_id):
    asset = _asset_of(request, firm_id, asset_id)
    firm = _editable_firm(request, firm_id)
    form = AssetForm(request.POST or None, asset=asset)
    if request.method == "POST" and form.is_valid():
        saved = _save(
            request,
            form,
            lambda changes: actions.asset_update(asset=asset, by=request.user, changes=changes),
        )
        if saved is not None:
            messages.success(request, _("The asset is saved; its deadlines follow the change."))
            return redirect(_asset_url(saved))
    return _asset_form_page(request, form, firm=firm, asset=asset)


@require_POST
@role_required(*EDITORS)
def portfolio_import(request, firm_id):
    firm = _editable_firm(request, firm_id)
    form = PortfolioImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _portfolio_page(request, firm, import_form=form, status=400)
    try:
        outcome = import_portfolio_upload(
            firm=firm, upload=form.cleaned_data["file"], by=request.user
        )
    except PortfolioImportError as error:
        return _portfolio_page(
            request, firm, import_form=form, import_errors=error.errors, status=400
        )
    except FileRefused as error:
        form.add_error("file", error.message)
        return _portfolio_page(request, firm, import_form=form, status=400)
    except UnreadableFile:
        form.add_error("file", _("The file could not be read as CSV (UTF-8) or XLSX."))
        return _portfolio_page(request, firm, import_form=form, status=400)
    except (ValidationError, ActionError) as error:
        form.add_action_error(error)
        return _portfolio_page(request, firm, import_form=form, status=400)
    if outcome.job is not None:
        return redirect("frontend:portfolio-import-job", firm.pk, outcome.job.pk)
    messages.success(
        request,
        _("Imported: %(created)s new and %(updated)s updated asset(s).")
        % {"created": outcome.created, "updated": outcome.updated},
    )
    return redirect(_portfolio_url(firm.pk))


@require_GET
@role_required(*READERS)
def portfolio_import_job(request, firm_id, job_id):
    """A background import's progress; htmx polls the panel until the job has finished."""
    firm = selectors.portfolio_firm_get_for_user(user=request.user, firm_id=firm_id)
    job = selectors.portfolio_import_get_for_user(user=request.user, import_id=job_id, firm=firm)
    context = {"firm": firm, "job": job, "portfolio_url": _portfolio_url(firm.pk)}
    if request.htmx:
        return render(request, "frontend/portfolio/_import_job.html", context)
    return render(request, "frontend/portfolio/import_job.html", context)


@require_GET
@role_required(*READERS)
def portfolio_export(request, firm_id, fmt):
    if fmt not in exports.CONTENT_TYPES:
        raise Http404
    firm = selectors.portfolio_firm_get_for_user(user=request.user, firm_id=firm_id)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / f"portfolio.{fmt}"
        export_portfolio(firm=firm, path=path)
        body = path.read_bytes()
    filename = f"portfolio-{firm.pk}-{timezone.localdate():%Y%m%d}.{fmt}"
    return exports.download(body, fmt, filename)


@require_GET
@role_required(*READERS)
def portfolio_forecast_export(request, firm_id, fmt):
    """The five-year official fee forecast of the portfolio page, as CSV or XLSX."""
    firm = selectors.portfolio_firm_get_for_user(user=request.user, firm_id=firm_id)
    filename = f"fee-forecast-{firm.pk}-{timezone.localdate():%Y%m%d}.{fmt}"
    return exports.table_download(_forecast_table(request, firm), fmt, filename)
