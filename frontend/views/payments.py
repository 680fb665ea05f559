"""Money pages: an engagement's co-payment, refunds and payout for its parties; the programme
office's payments desk, ledger and reconciliation; an agency's payout account."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import exports
from core.errors import ActionError
from core.exports import DATE, MONEY, TEXT, Column, Table
from core.lazy import lazy_import
from custody.payments import actions as payment_actions
from custody.payments import gateway, ledger, reconciliation, selectors
from custody.payments.models import LedgerEntry
from frontend.payment_forms import OfflinePaymentForm
from frontend.views.access import decide, role_required
from marketplace import selectors as marketplace_selectors

# Stripe (and the HTTP clients it loads) only when a payment call is made.
stripe = lazy_import("stripe")

PARTIES = ("firm_member", "agency_staff", "incubator_manager", "programme_officer")


def _payments_url(engagement_id):
    return reverse("frontend:engagement-payments", args=[engagement_id])


def _engagement_page(request, engagement, form=None, status=200):
    user = request.user
    view = selectors.engagement_payments(user=user, engagement=engagement)
    is_officer = user.is_programme_officer
    return render(
        request,
        "frontend/payments/engagement.html",
        {
            "engagement": engagement,
            "view": view,
            "online": gateway.is_configured(),
            "payee": selectors.payee_account(),
            "can_pay": view.copayment is not None
            and view.copayment.status == "due"
            and user.is_firm_member
            and user.firm_id == engagement.firm_id,
            "record_form": (form or OfflinePaymentForm()) if is_officer else None,
            "is_officer": is_officer,
            "returned": request.GET.get("checkout"),
            # Back from Checkout before Stripe's webhook: the page reloads itself until then.
            "confirming": request.GET.get("checkout") == "returned"
            and view.copayment is not None
            and view.copayment.status == "due",
        },
        status=status,
    )


@role_required(*PARTIES)
def engagement_payments(request, engagement_id):
    engagement = marketplace_selectors.engagement_get_for_user(
        user=request.user, engagement_id=engagement_id
    )
    return _engagement_page(request, engagement)


@require_POST
@role_required("firm_member")
def engagement_checkout(request, engagement_id):
    """Sends the firm to Stripe's Checkout page; the webhook, not the return, confirms."""
    engagement = marketplace_selectors.engagement_get_for_user(
        user=request.user, engagement_id=engagement_id
    )
    page = request.build_absolute_uri(_payments_url(engagement.pk))
    try:
        url = payment_actions.checkout_start(
            engagement=engagement,
            by=request.user,
            success_url=f"{page}?checkout=returned",
            cancel_url=f"{page}?checkout=cancelled",
        )
    except ActionError as error:
        messages.error(request, error.message)
        return redirect(_payments_url(engagement.pk))
    except stripe.StripeError:
        messages.error(
            request, _("The payment service did not answer; please try again in a minute.")
        )
        return redirect(_payments_url(engagement.pk))
    return redirect(url)


@require_POST
@role_required("programme_officer")
def engagement_payment_record(request, engagement_id):
    engagement = marketplace_selectors.engagement_get_for_user(
        user=request.user, engagement_id=engagement_id
    )
    form = OfflinePaymentForm(request.POST)
    if form.is_valid():
        try:
            payment_actions.offline_payment_record(
                engagement=engagement, by=request.user, **form.cleaned_data
            )
        except ActionError as error:
            form.add_action_error(error)
        else:
            messages.success(request, _("The bank transfer is recorded in the ledger."))
            return redirect(_payments_url(engagement.pk))
    return _engagement_page(request, engagement, form=form, status=400)


@require_POST
@role_required("programme_officer")
def payout_retry(request, engagement_id):
    engagement = marketplace_selectors.engagement_get_for_user(
        user=request.user, engagement_id=engagement_id
    )
    payout = selectors.payout_to_send(user=request.user, engagement=engagement)
    return decide(
        request,
        run=lambda: payment_actions.payout_send(payout.pk, by=request.user),
        success=_("The payout was sent again; its state below is Stripe's answer."),
        panels={},
        default=_payments_url(engagement.pk),
    )


# --- The programme office's desk ------------------------------------------------------


def _ledger_table(entries):
    return Table(
        key="ledger",
        title=_("Ledger"),
        columns=[
            Column("created_at", _("Recorded at"), DATE),
            Column("value_date", _("Value date"), DATE),
            Column("kind", _("Movement")),
            Column("firm", _("Firm")),
            Column("agency", _("Agency")),
            Column("source", _("From")),
            Column("destination", _("To")),
            Column("amount", _("Amount"), MONEY),
            Column("method", _("Method")),
            Column("stripe", _("Stripe object"), TEXT),
            Column("reference", _("Reference"), TEXT),
        ],
        rows=[
            {
                "created_at": entry.created_at.date(),
                "value_date": entry.value_date,
                "kind": entry.get_kind_display(),
                "firm": entry.engagement.firm.name,
                "agency": entry.engagement.agency.name,
                "source": entry.get_source_display(),
                "destination": entry.get_destination_display(),
                "amount": entry.amount,
                "method": entry.get_method_display(),
                "stripe": entry.stripe_object_id,
                "reference": entry.reference,
            }
            for entry in entries
        ],
    )


def _year_or_404(request):
    """The programme year asked for (404 if unknown), else the current one (None if none)."""
    year = selectors.programme_year_from(request.GET.get("year"))
    if year is None and request.GET.get("year"):
        raise Http404
    return year


@role_required("programme_officer")
def payments_office(request):
    year = _year_or_404(request)
    if year is None:
        return render(request, "frontend/payments/no_year.html")
    desk = selectors.payments_desk(user=request.user, programme_year=year)
    return render(
        request,
        "frontend/payments/office.html",
        {
            "year": year,
            "years": selectors.programme_years(),
            "desk": desk,
            "online": gateway.is_configured(),
            "balance_rows": [
                (label, desk.balances[account]) for account, label in LedgerEntry.Account.choices
            ],
        },
    )


@role_required("programme_officer")
def payments_reconciliation(request):
    """The ledger against Stripe's balance transactions, and against the engagements."""
    year = _year_or_404(request)
    if year is None:
        return render(request, "frontend/payments/no_year.html")
    report = error = None
    if gateway.is_configured():
        try:
            report = reconciliation.reconcile()
        except stripe.StripeError as failure:
            error = failure.user_message or str(failure)
    return render(
        request,
        "frontend/payments/reconciliation.html",
        {
            "year": year,
            "online": gateway.is_configured(),
            "report": report,
            "error": error,
            "internal": ledger.differences(year),
        },
    )


@role_required("programme_officer")
def payments_ledger_export(request, fmt):
    year = selectors.programme_year_from(request.GET.get("year"))
    if year is None:
        raise Http404
    table = _ledger_table(selectors.ledger_entries(user=request.user, programme_year=year))
    return exports.table_download(table, fmt, f"ledger-{year.year}.{fmt}")


# --- An agency's payout account --------------------------------------------------------


@role_required("agency_staff")
def agency_payouts(request):
    agency = request.user.agency
    if request.GET.get("onboarding") == "returned":
        try:
            payment_actions.connect_refresh(agency=agency)
        except stripe.StripeError:
            messages.warning(request, _("Stripe did not answer; the status may be out of date."))
    return render(
        request,
        "frontend/payments/agency.html",
        {
            "agency": agency,
            "online": gateway.is_configured(),
            "account": selectors.payment_account_of(agency),
            "payouts": selectors.payouts_visible_to(request.user).select_related(
                "engagement__firm"
            ),
        },
    )


@require_POST
@role_required("agency_staff")
def agency_payouts_connect(request):
    page = request.build_absolute_uri(reverse("frontend:agency-payouts"))
    try:
        url = payment_actions.connect_onboarding_link(
            agency=request.user.agency,
            by=request.user,
            refresh_url=f"{page}?onboarding=expired",
            return_url=f"{page}?onboarding=returned",
        )
    except ActionError as error:
        messages.error(request, error.message)
        return redirect("frontend:agency-payouts")
    except stripe.StripeError:
        messages.error(
            request, _("The payment service did not answer; please try again in a minute.")
        )
        return redirect("frontend:agency-payouts")
    return redirect(url)
