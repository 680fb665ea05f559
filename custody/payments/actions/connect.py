"""Agencies' payout accounts: Stripe Connect onboarding and the account's state."""

from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import InvalidTransition, NotAllowed
from custody.payments import gateway
from custody.payments.actions.common import send_payout_later
from custody.payments.models import PaymentAccount, Payout

# --- Connect --------------------------------------------------------------------------


def connect_onboarding_link(*, agency, by, refresh_url, return_url):
    """Stripe's onboarding page for the agency's payout account (created on first use)."""
    if not (by.is_agency_staff and by.agency_id == agency.pk):
        raise NotAllowed(_("Only the agency's staff can connect its payout account."))
    if not gateway.is_configured():
        raise InvalidTransition(
            _("Online payment is not configured; payouts are made by bank transfer."),
            code="payments_not_configured",
        )
    client = gateway.client()
    with transaction.atomic():
        account = PaymentAccount.objects.select_for_update().filter(agency=agency).first()
        if account is None:
            created = client.v1.accounts.create(
                params={
                    "type": "express",
                    "email": by.email or None,
                    "business_profile": {"name": agency.name},
                    "metadata": {"agency": str(agency.pk)},
                },
                options={"idempotency_key": f"connect-account-agency-{agency.pk}"},
            )
            account = PaymentAccount.objects.create(agency=agency, stripe_account_id=created.id)
    link = client.v1.account_links.create(
        params={
            "account": account.stripe_account_id,
            "refresh_url": refresh_url,
            "return_url": return_url,
            "type": "account_onboarding",
        }
    )
    return link.url


def connect_account_observed(stripe_account):
    """Keep the agency's account flags as Stripe reports them; unblock waiting payouts."""
    account = PaymentAccount.objects.filter(stripe_account_id=stripe_account.id).first()
    if account is None:
        return None
    account.details_submitted = bool(stripe_account.details_submitted)
    account.payouts_enabled = bool(stripe_account.payouts_enabled)
    account.save(update_fields=["details_submitted", "payouts_enabled", "updated_at"])
    if account.payouts_enabled:
        for payout_id in Payout.objects.filter(
            agency_id=account.agency_id, status=Payout.Status.BLOCKED
        ).values_list("pk", flat=True):
            transaction.on_commit(lambda payout_id=payout_id: send_payout_later(payout_id))
    return account


def connect_refresh(*, agency):
    account = PaymentAccount.objects.filter(agency=agency).first()
    if account is None or not gateway.is_configured():
        return account
    with transaction.atomic():
        return connect_account_observed(
            gateway.client().v1.accounts.retrieve(account.stripe_account_id)
        )
