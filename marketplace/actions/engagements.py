"""Engagements, the custody contracts: the one module that changes an engagement's status.

    (created) ──► awaiting_payment ──► active ──► completed
         └──────────────────────────────►│  └──► transferred (a successor takes the rest)
                 awaiting_payment, active ──► cancelled (by the office, or lapsed unpaid)

The table is `Engagement.TRANSITIONS`. Offers start engagements, payments activate them,
the settlement completes them and a change of agency transfers them, each by calling a
function here. Money follows through `marketplace.signals`, in the same transaction.
"""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core import money, states
from core.audit import audit_record
from core.errors import ActionError, InvalidTransition
from core.notices import named, notify
from marketplace import deliveries, signals
from marketplace.actions.checks import check_officer
from marketplace.actions.requests import waitlist_serve
from marketplace.models import Engagement, EngagementItem, ProgrammeYear
from marketplace.selectors.people import agency_staff, firm_members


def _one_year_after(day):
    try:
        return day.replace(year=day.year + 1) - datetime.timedelta(days=1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def initial_status(programme_year, copay_amount):
    """An engagement waits for its co-payment when the programme says so and there is one."""
    if copay_amount > 0 and programme_year.copay_due_days is not None:
        return Engagement.Status.AWAITING_PAYMENT
    return Engagement.Status.ACTIVE


def _lock(engagement):
    return (
        Engagement.objects.select_for_update(of=("self",))
        .select_related("firm", "agency", "programme_year")
        .get(pk=engagement.pk)
    )


def _running_elsewhere(request):
    return Engagement.objects.filter(
        firm_id=request.firm_id,
        programme_year_id=request.programme_year_id,
        status__in=Engagement.RUNNING,
    ).exists()


def engagement_start(*, request, offer, agency, programme_year, items, by, now):
    """Create the engagement for an accepted offer; the caller holds the request's lock.

    items: (service item, quota) pairs of the request. The programme's share and cap are fixed
    on the engagement now; its money is reserved on the budget (through
    `signals.engagement_started`) in the caller's transaction.
    """
    price = money.to_fen(sum((item.unit_price * quota for item, quota in items), money.ZERO))
    government, copay = programme_year.split_price(price)
    status = initial_status(programme_year, copay)
    states.check(Engagement, None, status)
    if _running_elsewhere(request):
        raise InvalidTransition(
            _("This firm is already under custody this year."), code="already_engaged"
        )
    starts_on = timezone.localtime(now).date()
    try:
        with transaction.atomic():
            engagement = Engagement.objects.create(
                request=request,
                offer=offer,
                firm_id=request.firm_id,
                agency=agency,
                programme_year=programme_year,
                starts_on=starts_on,
                ends_on=_one_year_after(starts_on),
                package_price=price,
                government_amount=government,
                copay_amount=copay,
                government_share=programme_year.government_share,
                copay_cap=programme_year.copay_cap,
                status=status,
            )
    except IntegrityError:
        # Only a concurrent engagement of the same firm and year is worded as such; any other
        # broken rule is a bug and must say so.
        if _running_elsewhere(request):
            raise InvalidTransition(
                _("This firm is already under custody this year."), code="already_engaged"
            ) from None
        raise
    EngagementItem.objects.bulk_create(
        EngagementItem(
            engagement=engagement, service_item=item, quota=quota, unit_price=item.unit_price
        )
        for item, quota in items
    )
    signals.engagement_started.send(Engagement, engagement=engagement, now=now, copay_due=True)
    audit_record(
        actor=by,
        action="engagement.started",
        subject=engagement,
        to_state=engagement.status,
        data={
            "government_amount": str(government),
            "copay_amount": str(copay),
            "government_share": str(engagement.government_share),
            "copay_cap": None if engagement.copay_cap is None else str(engagement.copay_cap),
        },
    )
    return engagement


def engagement_activate(*, engagement, by=None):
    """The co-payment arrived: custody runs. The caller (payments) holds the engagement's lock;
    returns False when there was nothing to activate (already active, or closed)."""
    if engagement.status != Engagement.Status.AWAITING_PAYMENT:
        return False
    states.transition(engagement, Engagement.Status.ACTIVE, by=by, action="engagement.activated")
    return True


def engagement_complete(*, engagement, by):
    """The settlement was approved; the caller (the settlement) holds the engagement's lock."""
    if engagement.status != Engagement.Status.ACTIVE:
        raise InvalidTransition(_("Only an active engagement can be completed."))
    states.transition(engagement, Engagement.Status.COMPLETED, by=by, action="engagement.completed")


@transaction.atomic
def engagement_cancel(*, engagement, by, reason):
    """The programme office ends an engagement: its reservation returns to the budget and the
    firm gets back the co-payment beyond its share of what was delivered."""
    reason = (reason or "").strip()
    if not reason:
        raise ActionError(
            _("Please give a reason for the cancellation."), code="reason_required", field="reason"
        )
    check_officer(by)
    engagement = _lock(engagement)
    if engagement.status not in Engagement.RUNNING:
        raise InvalidTransition(_("Only a running engagement can be cancelled."))
    return _end(engagement, by=by, reason=reason, action="engagement.cancelled")


@transaction.atomic
def engagement_lapse(*, engagement, due_by, now=None):
    """An engagement whose co-payment was not paid by `due_by` is cancelled (the scheduler's
    call); returns False when it was paid or closed meanwhile, or is not due yet."""
    now = now or timezone.now()
    engagement = _lock(engagement)
    if engagement.status != Engagement.Status.AWAITING_PAYMENT or due_by is None or due_by > now:
        return False
    _end(
        engagement,
        by=None,
        reason=_("The co-payment was not paid by %(date)s.")
        % {"date": date_format(timezone.localtime(due_by), "DATETIME_FORMAT")},
        action="engagement.lapsed",
        # The notice words the date for each reader, the reason above is the audit's.
        notice=("engagement_lapsed", {"due_by": due_by.isoformat()}),
    )
    return True


def _end(engagement, *, by, reason, action, notice=None):
    """Cancel `engagement`; `notice` is the (kind, parameters) its people are told with,
    when it is not the plain cancellation naming `reason`."""
    # What the firm confirmed is the agency's, split under the terms fixed at acceptance (as a
    # change of agency pays it); the budget keeps the government's part of it.
    parts = transfer_split(engagement, deliveries.delivered(engagement))
    engagement.cancel_settled_amount = parts["old_government"]
    states.transition(
        engagement,
        Engagement.Status.CANCELLED,
        by=by,
        action=action,
        reason=reason,
        fields=("cancel_settled_amount",),
        data={
            "delivered_value": str(parts["delivered_value"]),
            "paid_government": str(parts["old_government"]),
            "paid_copay": str(parts["old_copay"]),
        },
    )
    signals.engagement_cancelled.send(
        Engagement,
        engagement=engagement,
        by=by,
        reason=reason,
        delivered_government=parts["old_government"],
        delivered_copay=parts["old_copay"],
    )
    kind, extra = notice or ("engagement_cancelled", {"reason": reason})
    notify(
        firm_members(engagement.firm_id) + agency_staff(engagement.agency_id),
        kind=kind,
        params={"firm": engagement.firm.name, **named("agency", engagement.agency), **extra},
    )
    programme_year_id = engagement.programme_year_id
    transaction.on_commit(
        lambda: waitlist_serve(programme_year=ProgrammeYear.objects.get(pk=programme_year_id))
    )
    return engagement


def transfer_split(engagement, delivered):
    """How a change of agency divides `engagement` (a pure computation, nothing saved).

    delivered: `marketplace.deliveries.Delivered` for it. The old agency keeps what the firm
    confirmed, valued at the agreed unit prices and split under the terms fixed at acceptance;
    the new engagement takes the remaining quotas, the rest of the reservation and of the
    co-payment, and what is left of the co-payment cap.
    """
    items = list(engagement.items.all())
    counted = {
        item.pk: min(max(delivered.confirmed.get(item.service_item_id, 0), 0), item.quota)
        for item in items
    }
    value = money.to_fen(sum((item.unit_price * counted[item.pk] for item in items), money.ZERO))
    old_government, old_copay = money.split(
        value, share=engagement.government_share, copay_cap=engagement.copay_cap
    )
    return {
        "delivered_value": value,
        "old_government": old_government,
        "old_copay": old_copay,
        "new_price": engagement.package_price - value,
        "new_government": engagement.government_amount - old_government,
        "new_copay": engagement.copay_amount - old_copay,
        "new_copay_cap": (
            None if engagement.copay_cap is None else max(engagement.copay_cap - old_copay, 0)
        ),
        "new_items": [
            (item.service_item_id, item.quota - counted[item.pk], item.unit_price)
            for item in items
            if item.quota - counted[item.pk] > 0
        ],
    }


def engagement_transfer(*, engagement, new_agency, by, now):
    """Move what is left of an active engagement to `new_agency`; the history stays.

    The caller (the change of agency) holds both rows' locks and has checked the new agency.
    The old engagement is settled for what the firm confirmed under it (see `transfer_split`);
    its money moves through `signals.engagement_transferred` in this transaction.
    """
    old = engagement
    if old.status != Engagement.Status.ACTIVE:
        raise InvalidTransition(_("Only an active engagement can move to another agency."))
    # Only what the firm confirmed is paid; records still awaiting it stay, unpaid, in the
    # old engagement's history (the audit event counts them).
    done = deliveries.delivered(old)
    parts = transfer_split(old, done)
    if not parts["new_items"]:
        raise InvalidTransition(
            _("Every quota is delivered; there is nothing left to move to another agency."),
            code="nothing_left",
        )
    reserved_before = old.government_amount

    # The old engagement keeps only what was delivered, so the budget counts each yuan once.
    old.package_price = parts["delivered_value"]
    old.government_amount = parts["old_government"]
    old.copay_amount = parts["old_copay"]
    states.transition(
        old,
        Engagement.Status.TRANSFERRED,
        by=by,
        action="engagement.transferred",
        fields=("package_price", "government_amount", "copay_amount"),
        audit=False,
    )
    today = timezone.localtime(now).date()
    states.check(Engagement, None, Engagement.Status.ACTIVE)
    new = Engagement.objects.create(
        request=old.request,
        firm=old.firm,
        agency=new_agency,
        programme_year=old.programme_year,
        previous=old,
        starts_on=today,
        ends_on=max(old.ends_on, today + datetime.timedelta(days=1)),
        package_price=parts["new_price"],
        government_amount=parts["new_government"],
        copay_amount=parts["new_copay"],
        government_share=old.government_share,
        copay_cap=parts["new_copay_cap"],
        status=Engagement.Status.ACTIVE,
    )
    EngagementItem.objects.bulk_create(
        EngagementItem(engagement=new, service_item_id=item_id, quota=quota, unit_price=price)
        for item_id, quota, price in parts["new_items"]
    )
    signals.engagement_transferred.send(
        Engagement,
        old=old,
        new=new,
        released=reserved_before - old.government_amount,
        now=now,
        by=by,
    )
    audit_record(
        actor=by,
        action="engagement.transferred",
        subject=old,
        from_state=Engagement.Status.ACTIVE,
        to_state=old.status,
        data={
            "successor": new.pk,
            "delivered_value": str(parts["delivered_value"]),
            "settled_government": str(parts["old_government"]),
            "settled_copay": str(parts["old_copay"]),
            "unconfirmed_records": done.pending_records,
        },
    )
    audit_record(
        actor=by,
        action="engagement.started",
        subject=new,
        to_state=new.status,
        data={"previous": old.pk},
    )
    return new
