"""Service records, their evidence, the settlement and the quarterly report, for an
engagement's parties. Each view reads through a selector and calls one action."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ActionError
from core.lazy import lazy_import
from custody import actions as custody_actions
from custody import report as custody_report
from custody import selectors as custody_selectors
from custody.models import ServiceRecord
from frontend.service_forms import DisputeForm, RatingForm, ReportPeriodForm, ServiceRecordForm
from frontend.views.access import decide, role_required
from marketplace.models import Engagement

# ReportLab takes a good part of a second to import: loaded by the first PDF asked for.
pdf = lazy_import("custody.report_pdf")

PARTIES = ("firm_member", "agency_staff", "incubator_manager", "programme_officer")


def _services_url(engagement_id):
    return reverse("frontend:service-list", args=[engagement_id])


def _settlement_url(engagement_id):
    return reverse("frontend:settlement", args=[engagement_id])


def _records_open(engagement, settlement):
    return engagement.status == Engagement.Status.ACTIVE and settlement is None


def _service_page(request, engagement, settlement, form=None, status=200):
    user = request.user
    records_open = _records_open(engagement, settlement)
    can_log = records_open and user.is_agency_staff and user.agency_id == engagement.agency_id
    if can_log and form is None:
        form = ServiceRecordForm(
            engagement=engagement, initial={"delivered_on": timezone.localdate()}
        )
    records = custody_selectors.service_records_of_engagement(user=user, engagement=engagement)
    return render(
        request,
        "frontend/services/list.html",
        {
            "engagement": engagement,
            "settlement": settlement,
            "progress_rows": custody_selectors.progress_rows(
                custody_selectors.engagement_items_with_progress(engagement)
            ),
            "records": records,
            "form": form if can_log else None,
            "records_open": records_open,
            "can_decide": records_open
            and user.is_firm_member
            and user.firm_id == engagement.firm_id,
            "can_correct": can_log,
        },
        status=status,
    )


@role_required(*PARTIES)
def service_list(request, engagement_id):
    engagement, settlement = custody_selectors.engagement_with_settlement(
        user=request.user, engagement_id=engagement_id
    )
    return _service_page(request, engagement, settlement)


@require_POST
@role_required("agency_staff")
def service_log(request, engagement_id):
    user = request.user
    engagement, settlement = custody_selectors.engagement_with_settlement(
        user=user, engagement_id=engagement_id
    )
    form = ServiceRecordForm(request.POST, request.FILES, engagement=engagement)
    if form.is_valid():
        data = form.cleaned_data
        try:
            custody_actions.service_record_log(
                engagement=engagement,
                item=data["item"],
                quantity=data["quantity"],
                delivered_on=data["delivered_on"],
                description=data["description"],
                files=data["evidence"],
                by=user,
            )
        except (ActionError, ValidationError) as error:
            form.add_action_error(error)
        else:
            messages.success(request, _("The service is logged; the firm is asked to confirm it."))
            return redirect(_services_url(engagement.pk))
    return _service_page(request, engagement, settlement, form=form, status=400)


def _record_for(request, record_id):
    return custody_selectors.service_record_get_for_user(user=request.user, record_id=record_id)


@require_POST
@role_required("firm_member")
def service_confirm(request, record_id):
    record = _record_for(request, record_id)
    return decide(
        request,
        run=lambda: custody_actions.service_record_confirm(record=record, by=request.user),
        success=_("Confirmed: it counts towards the quota."),
        panels={},
        default=_services_url(record.engagement_id),
    )


@require_POST
@role_required("firm_member")
def service_dispute(request, record_id):
    record = _record_for(request, record_id)
    form = DisputeForm(request.POST)
    return decide(
        request,
        form=form,
        run=lambda: custody_actions.service_record_dispute(
            record=record, by=request.user, reason=form.cleaned_data["reason"]
        ),
        success=_("Disputed: the agency is told why."),
        panels={},
        default=_services_url(record.engagement_id),
    )


@role_required("agency_staff")
def service_correct(request, record_id):
    """The agency corrects a disputed record and sends it back to the firm."""
    record = _record_for(request, record_id)
    if record.status != ServiceRecord.Status.DISPUTED:
        messages.error(request, _("Only a disputed record can be corrected."))
        return redirect(_services_url(record.engagement_id))
    engagement = record.engagement
    if request.method == "POST":
        form = ServiceRecordForm(
            request.POST, request.FILES, engagement=engagement, with_item=False
        )
        if form.is_valid():
            data = form.cleaned_data
            try:
                custody_actions.service_record_resubmit(
                    record=record,
                    by=request.user,
                    quantity=data["quantity"],
                    delivered_on=data["delivered_on"],
                    description=data["description"],
                    files=data["evidence"],
                )
            except (ActionError, ValidationError) as error:
                form.add_action_error(error)
            else:
                messages.success(request, _("The corrected record is sent back to the firm."))
                return redirect(_services_url(engagement.pk))
    else:
        form = ServiceRecordForm(
            engagement=engagement,
            with_item=False,
            initial={
                "quantity": record.quantity,
                "delivered_on": record.delivered_on,
                "description": record.description,
            },
        )
    return render(
        request,
        "frontend/services/correct.html",
        {"record": record, "engagement": engagement, "form": form},
        status=400 if form.errors else 200,
    )


@role_required(*PARTIES)
def evidence_download(request, evidence_id):
    """An evidence file of a service record, only to the engagement's parties."""
    item = custody_selectors.evidence_get_for_user(user=request.user, evidence_id=evidence_id)
    if item.service_record_id is None:
        raise Http404
    response = FileResponse(
        item.file.open("rb"), as_attachment=True, filename=item.name, content_type=item.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Settlement ------------------------------------------------------------------------


def _settlement_page(request, engagement, settlement, form=None, status=200):
    user = request.user
    deliveries = custody_selectors.engagement_deliveries(engagement)
    preview = custody_selectors.settlement_preview(engagement)
    items = {item.pk: item for item in engagement.items.select_related("service_item")}
    refusal = custody_actions.completion_refusal(engagement, deliveries, today=timezone.localdate())
    pending = engagement.service_records.filter(status=ServiceRecord.Status.PENDING).count()
    is_firm = user.is_firm_member and user.firm_id == engagement.firm_id
    return render(
        request,
        "frontend/services/settlement.html",
        {
            "engagement": engagement,
            "settlement": settlement,
            "result": preview,
            "lines": [{"line": line, "item": items.get(line.ref)} for line in preview.lines],
            "stored_lines": [
                {"line": line, "item": items.get(line.get("ref"))}
                for line in (settlement.lines if settlement else [])
            ],
            "share_percent": preview.government_share * 100,
            "refusal": refusal,
            "pending": pending,
            "rating_form": (form or RatingForm())
            if is_firm and settlement is None and engagement.status == Engagement.Status.ACTIVE
            else None,
            "can_confirm": settlement is not None
            and settlement.status == settlement.Status.RATED
            and user.is_incubator_manager
            and user.incubator_id == engagement.firm.incubator_id,
            "can_approve": settlement is not None
            and settlement.status == settlement.Status.CONFIRMED
            and user.is_programme_officer,
        },
        status=status,
    )


@role_required(*PARTIES)
def settlement_detail(request, engagement_id):
    engagement, settlement = custody_selectors.engagement_with_settlement(
        user=request.user, engagement_id=engagement_id
    )
    return _settlement_page(request, engagement, settlement)


@require_POST
@role_required("firm_member")
def settlement_rate(request, engagement_id):
    engagement, settlement = custody_selectors.engagement_with_settlement(
        user=request.user, engagement_id=engagement_id
    )
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            custody_actions.settlement_rate(
                engagement=engagement,
                by=request.user,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
            )
        except ActionError as error:
            form.add_action_error(error)
        else:
            messages.success(request, _("Thank you: the incubator is asked to confirm."))
            return redirect(_settlement_url(engagement.pk))
    return _settlement_page(request, engagement, settlement, form=form, status=400)


@require_POST
@role_required("incubator_manager")
def settlement_confirm(request, engagement_id):
    engagement, _settlement = custody_selectors.engagement_with_settlement(
        user=request.user, engagement_id=engagement_id
    )
    return decide(
        request,
        run=lambda: custody_actions.settlement_confirm(engagement=engagement, by=request.user),
        success=_("Confirmed: the programme office is asked to approve."),
        panels={},
        default=_settlement_url(engagement.pk),
    )


@require_POST
@role_required("programme_officer")
def settlement_approve(request, engagement_id):
    engagement, _settlement = custody_selectors.engagement_with_settlement(
        user=request.user, engagement_id=engagement_id
    )
    return decide(
        request,
        run=lambda: custody_actions.settlement_approve(engagement=engagement, by=request.user),
        success=_(
            "Approved: the engagement is completed and the rest of its reservation is back in the budget."
        ),
        panels={},
        default=_settlement_url(engagement.pk),
    )


# --- Quarterly report ------------------------------------------------------------------


def _report(request, firm_id, year, quarter):
    firm = custody_selectors.firm_get_for_report(
        user=request.user, firm_id=firm_id, year=year, quarter=quarter
    )
    return custody_report.firm_quarter_report(firm=firm, year=year, quarter=quarter)


@role_required(*PARTIES)
def report_current(request, firm_id):
    """The report of the quarter asked for in the selector, else of the current quarter."""
    year, quarter = custody_selectors.quarter_of(timezone.localdate())
    form = ReportPeriodForm({"year": year, "quarter": quarter} | request.GET.dict())
    if not form.is_valid():
        return render(request, "400.html", {"form": form}, status=400)
    year, quarter = form.cleaned_data["year"], form.cleaned_data["quarter"]
    custody_selectors.firm_get_for_report(
        user=request.user, firm_id=firm_id, year=year, quarter=quarter
    )
    return redirect("frontend:firm-report", firm_id=firm_id, year=year, quarter=quarter)


@role_required(*PARTIES)
def report_page(request, firm_id, year, quarter):
    report = _report(request, firm_id, year, quarter)
    this_year = timezone.localdate().year
    return render(
        request,
        "frontend/services/report.html",
        {
            "report": report,
            "years": range(this_year - 3, this_year + 2),
            "quarters": range(1, 5),
        },
    )


@role_required(*PARTIES)
def report_pdf(request, firm_id, year, quarter):
    report = _report(request, firm_id, year, quarter)
    response = HttpResponse(pdf.render_report_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="custody-report-{firm_id}-{year}-Q{quarter}.pdf"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
