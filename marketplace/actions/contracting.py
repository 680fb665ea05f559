"""Requests, offers, engagements, waiting list, changes of agency and cohort allocation."""

import datetime
from decimal import Decimal

import numpy as np
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Sum, When
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.errors import ActionError, InvalidTransition, NotAllowed
from core.notices import notify
from core.workdays import add_workdays
from custody.payments import actions as payments
from marketplace import allocation, candidates, eligibility, matching
from marketplace.choices import RevenueBand
from marketplace.explain import describe_constraint
from marketplace.models import (
    Agency,
    AgencyChange,
    AllocationRun,
    CustodyRequest,
    Engagement,
    EngagementItem,
    Firm,
    Offer,
    ProgrammeYear,
    RequestItem,
    User,
)

# Engagements whose government amount counts against the budget.
_BUDGET_STATUSES = (
    Engagement.Status.AWAITING_PAYMENT,
    Engagement.Status.ACTIVE,
    Engagement.Status.COMPLETED,
    Engagement.Status.TRANSFERRED,
)


class Ineligible(ActionError):
    """A request refused by eligibility rules; `rules` lists every rule that failed."""

    def __init__(self, rules):
        self.rules = rules
        super().__init__(" ".join(eligibility.describe(rule) for rule in rules), code="ineligible")


# Engagements that hold a firm's custody and an agency's capacity.
RUNNING = (Engagement.Status.AWAITING_PAYMENT, Engagement.Status.ACTIVE)

# --- Helpers ----------------------------------------------------------------------


def budget_committed(programme_year):
    """Reservations of running engagements, plus what completed ones were settled at."""
    # A completed engagement with an approved settlement (custody.Settlement) holds only the
    # settled amount; the rest of its reservation is back in the budget.
    committed = Case(
        When(
            status=Engagement.Status.COMPLETED,
            settlement__status="approved",
            settlement__amount__isnull=False,
            then=F("settlement__amount"),
        ),
        default=F("government_amount"),
    )
    total = Engagement.objects.filter(
        programme_year=programme_year, status__in=_BUDGET_STATUSES
    ).aggregate(total=Sum(committed))["total"]
    return total or Decimal("0.00")


def budget_left(programme_year):
    return programme_year.budget - budget_committed(programme_year)


def _firm_members(firm_id):
    return list(User.objects.filter(firm_id=firm_id, is_active=True))


def _agency_staff(agency_id):
    return list(User.objects.filter(agency_id=agency_id, is_active=True))


def _officers():
    return list(User.objects.filter(role=User.Role.PROGRAMME_OFFICER, is_active=True))


def _price(items):
    """List price of (service item, quota) pairs."""
    return sum((service_item.unit_price * quota for service_item, quota in items), Decimal("0.00"))


def _local_end_of_day(day):
    tz = timezone.get_current_timezone()
    return datetime.datetime.combine(day, datetime.time(23, 59, 59), tzinfo=tz)


def _check_firm_member(by, firm_id):
    if not (by.is_firm_member and by.firm_id == firm_id):
        raise NotAllowed(_("Only a member of this firm can do this."))


def _check_agency_staff(by, agency_id):
    if not (by.is_agency_staff and by.agency_id == agency_id):
        raise NotAllowed(_("Only staff of the agency that received the offer can answer it."))


def _check_officer(by):
    if not by.is_programme_officer:
        raise NotAllowed(_("Only a programme officer can do this."))


# --- Requests ---------------------------------------------------------------------


def eligibility_facts(*, firm, programme_year, government_amount, today):
    max_band = programme_year.max_revenue_band
    return eligibility.EligibilityFacts(
        firm_verified=firm.verification == Firm.Verification.VERIFIED,
        incubator_level=firm.incubator.level,
        incubator_level_label=firm.incubator.get_level_display(),
        headcount=firm.headcount,
        max_headcount=programme_year.max_headcount,
        revenue_rank=RevenueBand.rank(firm.revenue_band),
        max_revenue_rank=RevenueBand.rank(max_band),
        max_revenue_label=str(RevenueBand(max_band).label),
        has_live_request=CustodyRequest.objects.filter(firm=firm, programme_year=programme_year)
        .exclude(status=CustodyRequest.Status.WITHDRAWN)
        .exists(),
        has_active_engagement=Engagement.objects.filter(
            firm=firm, programme_year=programme_year, status__in=RUNNING
        ).exists(),
        programme_open=programme_year.is_open_on(today),
        opens_on=programme_year.opens_on,
        closes_on=programme_year.closes_on,
        budget_left=budget_left(programme_year),
        package_government_amount=government_amount,
    )


def _validated_items(programme_year, quotas):
    """Check requested {service_item_id: quota} against the programme's package."""
    package = {
        item.service_item_id: item
        for item in programme_year.package_items.select_related("service_item")
    }
    if not quotas:
        raise ActionError(_("Choose at least one service item."), code="no_items", field="items")
    chosen = []
    for service_item_id, quota in sorted(quotas.items()):
        item = package.get(service_item_id)
        if item is None:
            raise ActionError(
                _("This service item is not part of the %(year)s programme.")
                % {"year": programme_year.year},
                code="item_not_in_programme",
                field="items",
            )
        if not 1 <= quota <= item.quota:
            raise ActionError(
                _("The quota for %(item)s must be between 1 and %(max)d.")
                % {"item": item.service_item.display_name, "max": item.quota},
                code="quota_out_of_range",
                field="items",
            )
        chosen.append((item, quota))
    return chosen


@transaction.atomic
def request_submit(*, firm, by, programme_year, quotas, needs="", today=None):
    """A firm asks for custody; refused with every failed rule, or waitlisted when only money is short.

    quotas: {service_item_id: quota}; standard items are pre-selected in the form,
    extras allowed up to the programme's quota.
    """
    today = today or timezone.localdate()
    _check_firm_member(by, firm.pk)
    # The firm row lock serialises two submissions by the same firm.
    firm = Firm.objects.select_for_update(of=("self",)).select_related("incubator").get(pk=firm.pk)
    chosen = _validated_items(programme_year, quotas)
    price = _price((item.service_item, quota) for item, quota in chosen)
    government, _copay = programme_year.split_price(price)
    facts = eligibility_facts(
        firm=firm, programme_year=programme_year, government_amount=government, today=today
    )
    failed = eligibility.failed_rules(facts)
    blocking = [rule for rule in failed if rule.code != "budget_exhausted"]
    if blocking:
        raise Ineligible(failed)

    waitlisted = bool(failed)
    request = CustodyRequest.objects.create(
        firm=firm,
        programme_year=programme_year,
        needs=needs.strip(),
        created_by=by,
        status=CustodyRequest.Status.WAITLISTED if waitlisted else CustodyRequest.Status.OPEN,
        waitlisted_at=timezone.now() if waitlisted else None,
    )
    RequestItem.objects.bulk_create(
        RequestItem(
            request=request,
            service_item_id=item.service_item_id,
            quota=quota,
            is_extra=not item.is_standard,
        )
        for item, quota in chosen
    )
    audit_record(actor=by, action="request.submitted", subject=request, to_state=request.status)
    params = {"firm": firm.name, "request_id": request.pk}
    if waitlisted:
        notify(
            _firm_members(firm.pk),
            kind="request_waitlisted",
            params=params,
        )
    managers = User.objects.filter(incubator_id=firm.incubator_id, is_active=True)
    notify(list(managers), kind="request_submitted", params=params)
    return request


@transaction.atomic
def request_withdraw(*, request, by, reason=""):
    request = CustodyRequest.objects.select_for_update(of=("self",)).get(pk=request.pk)
    _check_firm_member(by, request.firm_id)
    if request.status not in {
        CustodyRequest.Status.OPEN,
        CustodyRequest.Status.OFFERED,
        CustodyRequest.Status.WAITLISTED,
    }:
        raise InvalidTransition(
            _("This request is %(state)s and cannot be withdrawn.")
            % {"state": request.get_status_display()}
        )
    for offer in request.offers.select_for_update(of=("self",)).filter(status=Offer.Status.PENDING):
        _close_offer(offer, status=Offer.Status.WITHDRAWN, by=by, reason=reason)
        notify(
            _agency_staff(offer.agency_id),
            kind="offer_withdrawn",
            params={"firm": request.firm.name, "offer_id": offer.pk},
        )
    previous = request.status
    request.status = CustodyRequest.Status.WITHDRAWN
    request.save(update_fields=["status"])
    audit_record(
        actor=by,
        action="request.withdrawn",
        subject=request,
        from_state=previous,
        to_state=request.status,
        reason=reason,
    )
    return request


# --- Ranking ----------------------------------------------------------------------


def rank_request(request, *, today=None, limit=None):
    """The ranked candidates for a request, from the agencies' current profiles."""
    today = today or timezone.localdate()
    profiles = candidates.agency_profiles(programme_year=request.programme_year)
    profile = candidates.request_profile(request, start_date=today)
    return matching.rank(profile, profiles, limit=limit), {p.id: p for p in profiles}


# --- Offers -----------------------------------------------------------------------


def _deadline(programme_year, now):
    result = add_workdays(timezone.localtime(now).date(), programme_year.offer_response_days)
    return _local_end_of_day(result.day), result.provisional


def _send_offer(*, request, agency_id, by, source, now, ranking=None):
    """Create a pending offer for a request that is open (caller holds the request lock)."""
    ranking = ranking or rank_request(request, today=timezone.localtime(now).date())[0]
    position = next(
        (
            index
            for index, candidate in enumerate(ranking.candidates, start=1)
            if candidate.agency_id == agency_id
        ),
        None,
    )
    if position is None:
        exclusion = next((e for e in ranking.excluded if e.agency_id == agency_id), None)
        raise ActionError(
            describe_constraint(exclusion.constraint)
            if exclusion
            else _("This agency is not a candidate for the request."),
            code="not_a_candidate",
            field="agency",
        )
    candidate = ranking.candidates[position - 1]
    respond_by, provisional = _deadline(request.programme_year, now)
    offer = Offer.objects.create(
        request=request,
        agency_id=agency_id,
        source=source,
        score=Decimal(str(candidate.score)),
        rank=position,
        reasons=[
            {"code": reason.code, "params": _jsonable(reason.params)}
            for reason in candidate.reasons
        ],
        respond_by=respond_by,
        deadline_provisional=provisional,
    )
    previous = request.status
    request.status = CustodyRequest.Status.OFFERED
    request.save(update_fields=["status"])
    audit_record(
        actor=by,
        action="offer.sent",
        subject=offer,
        to_state=offer.status,
        data={"source": source, "rank": position},
    )
    audit_record(
        actor=by,
        action="request.offered",
        subject=request,
        from_state=previous,
        to_state=request.status,
    )
    notify(
        _agency_staff(agency_id),
        kind="allocation_offer" if source == Offer.Source.ALLOCATION else "offer_received",
        params={
            "firm": request.firm.name,
            "offer_id": offer.pk,
            "agency": offer.agency.name,
            "respond_by": date_format(timezone.localtime(respond_by), "DATETIME_FORMAT"),
        },
    )
    return offer


def _jsonable(params):
    return {
        key: value.isoformat() if isinstance(value, datetime.date) else value
        for key, value in params.items()
    }


@transaction.atomic
def offer_make(*, request, agency, by, now=None):
    """The firm chooses an agency from its ranked candidates."""
    now = now or timezone.now()
    request = (
        CustodyRequest.objects.select_for_update(of=("self",))
        .select_related("firm", "programme_year")
        .get(pk=request.pk)
    )
    _check_firm_member(by, request.firm_id)
    if request.status != CustodyRequest.Status.OPEN:
        raise InvalidTransition(
            _("This request is %(state)s; an agency can be chosen only while it is open.")
            % {"state": request.get_status_display()}
        )
    return _send_offer(
        request=request, agency_id=agency.pk, by=by, source=Offer.Source.FIRM_CHOICE, now=now
    )


def _close_offer(offer, *, status, by, reason="", now=None):
    previous = offer.status
    offer.status = status
    offer.responded_at = now or timezone.now()
    offer.responded_by = by if by is not None and by.is_authenticated else None
    offer.decline_reason = reason or ""
    offer.save(update_fields=["status", "responded_at", "responded_by", "decline_reason"])
    audit_record(
        actor=by,
        action=f"offer.{status}",
        subject=offer,
        from_state=previous,
        to_state=status,
        reason=reason,
    )


def _offer_refusal(offer):
    """Why an offer can no longer be accepted, in words (409)."""
    messages = {
        Offer.Status.ACCEPTED: _("This offer was already accepted."),
        Offer.Status.DECLINED: _("This offer was declined."),
        Offer.Status.EXPIRED: _("This offer expired on %(date)s.")
        % {"date": date_format(timezone.localtime(offer.respond_by), "DATETIME_FORMAT")},
        Offer.Status.WITHDRAWN: _("This offer was withdrawn."),
    }
    return InvalidTransition(messages[offer.status], code=f"offer_{offer.status}")


def _lock_offer(offer):
    return (
        Offer.objects.select_for_update(of=("self",))
        .select_related("request__firm", "agency")
        .get(pk=offer.pk)
    )


def offer_accept(*, offer, by, now=None):
    """The agency accepts: the engagement starts and its money is reserved, in one transaction.

    When the budget cannot cover it, the firm joins the waiting list (that much
    is committed) and the acceptance is refused with a 409.
    """
    outcome = _offer_accept(offer=offer, by=by, now=now)
    if isinstance(outcome, ActionError):
        raise outcome
    return outcome


@transaction.atomic
def _offer_accept(*, offer, by, now=None):
    now = now or timezone.now()
    offer = _lock_offer(offer)
    _check_agency_staff(by, offer.agency_id)
    if offer.status != Offer.Status.PENDING:
        raise _offer_refusal(offer)
    if offer.respond_by < now:
        # The expiry job records the expiry; here the agency just learns it is too late.
        raise InvalidTransition(
            _("This offer expired on %(date)s.")
            % {"date": date_format(timezone.localtime(offer.respond_by), "DATETIME_FORMAT")},
            code="offer_expired",
        )

    request = CustodyRequest.objects.select_for_update(of=("self",)).get(pk=offer.request_id)
    # Lock order everywhere: offer → request → programme year → agency.
    programme_year = ProgrammeYear.objects.select_for_update(of=("self",)).get(
        pk=request.programme_year_id
    )
    agency = Agency.objects.select_for_update(of=("self",)).get(pk=offer.agency_id)
    if agency.status != Agency.Status.APPROVED:
        raise InvalidTransition(
            _("Your agency is not approved for the programme at the moment."),
            code="agency_not_approved",
        )
    active = Engagement.objects.filter(
        agency=agency, programme_year=programme_year, status__in=RUNNING
    ).count()
    if active >= agency.yearly_capacity:
        raise InvalidTransition(
            _("Your agency has no capacity left this year (%(capacity)d firms).")
            % {"capacity": agency.yearly_capacity},
            code="no_capacity",
        )

    items = list(request.items.select_related("service_item"))
    price = _price((item.service_item, item.quota) for item in items)
    government, copay = programme_year.split_price(price)
    if budget_left(programme_year) < government:
        _close_offer(
            offer,
            status=Offer.Status.WITHDRAWN,
            by=by,
            reason=_("Programme budget exhausted"),
            now=now,
        )
        request.status = CustodyRequest.Status.WAITLISTED
        request.waitlisted_at = now
        request.save(update_fields=["status", "waitlisted_at"])
        audit_record(
            actor=by,
            action="request.waitlisted",
            subject=request,
            from_state=CustodyRequest.Status.OFFERED,
            to_state=request.status,
        )
        notify(
            _firm_members(request.firm_id),
            kind="request_waitlisted",
            params={"firm": offer.request.firm.name, "request_id": request.pk},
        )
        # The refusal must keep the waitlisting, so it is returned rather than raised.
        return InvalidTransition(
            _(
                "The programme budget cannot cover this engagement now; the firm is on the waiting list."
            ),
            code="budget_exhausted",
        )

    _close_offer(offer, status=Offer.Status.ACCEPTED, by=by, now=now)
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
                status=payments.initial_status(programme_year, copay),
            )
    except IntegrityError:
        raise InvalidTransition(
            _("This firm is already under custody this year."), code="already_engaged"
        ) from None
    EngagementItem.objects.bulk_create(
        EngagementItem(
            engagement=engagement,
            service_item=item.service_item,
            quota=item.quota,
            unit_price=item.service_item.unit_price,
        )
        for item in items
    )
    payments.engagement_opened(engagement, now=now)
    request.status = CustodyRequest.Status.ENGAGED
    request.save(update_fields=["status"])
    audit_record(
        actor=by,
        action="request.engaged",
        subject=request,
        from_state=CustodyRequest.Status.OFFERED,
        to_state=request.status,
    )
    audit_record(
        actor=by,
        action="engagement.started",
        subject=engagement,
        to_state=engagement.status,
        data={"government_amount": str(government), "copay_amount": str(copay)},
    )
    notify(
        _firm_members(request.firm_id),
        kind="offer_accepted",
        params={"firm": offer.request.firm.name, "agency": agency.name, "request_id": request.pk},
    )
    return engagement


def _one_year_after(day):
    try:
        return day.replace(year=day.year + 1) - datetime.timedelta(days=1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


@transaction.atomic
def offer_decline(*, offer, by, reason, now=None):
    reason = (reason or "").strip()
    if not reason:
        raise ActionError(_("Please say why you decline."), code="reason_required", field="reason")
    offer = _lock_offer(offer)
    _check_agency_staff(by, offer.agency_id)
    if offer.status != Offer.Status.PENDING:
        raise _offer_refusal(offer)
    _close_offer(offer, status=Offer.Status.DECLINED, by=by, reason=reason, now=now)
    _after_lapse(offer, kind="offer_declined", by=by, now=now or timezone.now(), reason=reason)
    return offer


def _expire(offer, *, now):
    _close_offer(offer, status=Offer.Status.EXPIRED, by=None, now=now)
    _after_lapse(offer, kind="offer_expired", by=None, now=now)


def _after_lapse(offer, *, kind, by, now, reason=""):
    """A declined or expired offer: tell the firm, then reopen or offer the next candidate."""
    request = (
        CustodyRequest.objects.select_for_update(of=("self",))
        .select_related("firm", "programme_year")
        .get(pk=offer.request_id)
    )
    previous = request.status
    request.status = CustodyRequest.Status.OPEN
    request.save(update_fields=["status"])
    audit_record(
        actor=by,
        action="request.reopened",
        subject=request,
        from_state=previous,
        to_state=request.status,
    )
    notify(
        _firm_members(request.firm_id),
        kind=kind,
        params={
            "firm": request.firm.name,
            "agency": offer.agency.name,
            "reason": reason,
            "request_id": request.pk,
        },
    )
    if request.programme_year.auto_offer_next:
        tried = set(request.offers.values_list("agency_id", flat=True))
        ranking, _profiles = rank_request(request, today=timezone.localtime(now).date())
        following = next((c for c in ranking.candidates if c.agency_id not in tried), None)
        if following is not None:
            _send_offer(
                request=request,
                agency_id=following.agency_id,
                by=None,
                source=Offer.Source.NEXT_CANDIDATE,
                now=now,
                ranking=ranking,
            )


def offers_expire_overdue(*, now=None):
    """Expire every pending offer past its deadline; safe to run twice at once.

    Each offer is locked and re-checked in its own transaction, and rows another
    worker holds are skipped, so every offer expires (and notifies) once.
    """
    now = now or timezone.now()
    expired = 0
    overdue = list(
        Offer.objects.filter(status=Offer.Status.PENDING, respond_by__lt=now)
        .order_by("respond_by")
        .values_list("pk", flat=True)
    )
    for offer_id in overdue:
        with transaction.atomic():
            offer = (
                Offer.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(pk=offer_id, status=Offer.Status.PENDING, respond_by__lt=now)
                .select_related("request__firm", "agency")
                .first()
            )
            if offer is None:
                continue
            _expire(offer, now=now)
            expired += 1
    return expired


def offers_warn_expiring(*, now=None, within=datetime.timedelta(hours=24)):
    """Remind the agency once when an offer expires within 24 hours."""
    now = now or timezone.now()
    warned = 0
    due = Offer.objects.filter(
        status=Offer.Status.PENDING,
        expiry_warned_at__isnull=True,
        respond_by__gte=now,
        respond_by__lt=now + within,
    ).values_list("pk", flat=True)
    for offer_id in list(due):
        with transaction.atomic():
            offer = (
                Offer.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(pk=offer_id, expiry_warned_at__isnull=True, status=Offer.Status.PENDING)
                .select_related("request__firm")
                .first()
            )
            if offer is None:
                continue
            offer.expiry_warned_at = now
            offer.save(update_fields=["expiry_warned_at"])
            notify(
                _agency_staff(offer.agency_id),
                kind="offer_expiring",
                params={
                    "firm": offer.request.firm.name,
                    "offer_id": offer.pk,
                    "respond_by": date_format(
                        timezone.localtime(offer.respond_by), "DATETIME_FORMAT"
                    ),
                },
            )
            warned += 1
    return warned


# --- Engagements and the waiting list --------------------------------------------------


@transaction.atomic
def engagement_cancel(*, engagement, by, reason):
    """The programme office ends an engagement: its reservation returns to the budget and the
    firm gets back the co-payment beyond its share of what was delivered."""
    reason = (reason or "").strip()
    if not reason:
        raise ActionError(
            _("Please give a reason for the cancellation."), code="reason_required", field="reason"
        )
    _check_officer(by)
    engagement = (
        Engagement.objects.select_for_update(of=("self",))
        .select_related("firm", "agency", "programme_year")
        .get(pk=engagement.pk)
    )
    if engagement.status not in RUNNING:
        raise InvalidTransition(_("Only a running engagement can be cancelled."))
    return _cancel(engagement, by=by, reason=reason, action="engagement.cancelled")


def _cancel(engagement, *, by, reason, action):
    from custody.service_selectors import settlement_preview

    delivered_copay = settlement_preview(engagement).split_copay
    from_state = engagement.status
    engagement.status = Engagement.Status.CANCELLED
    engagement.save(update_fields=["status"])
    audit_record(
        actor=by,
        action=action,
        subject=engagement,
        from_state=from_state,
        to_state=engagement.status,
        reason=reason,
    )
    payments.engagement_cancelled(engagement, by=by, reason=reason, delivered_copay=delivered_copay)
    params = {"firm": engagement.firm.name, "agency": engagement.agency.name, "reason": reason}
    notify(
        _firm_members(engagement.firm_id) + _agency_staff(engagement.agency_id),
        kind="engagement_cancelled",
        params=params,
    )
    programme_year_id = engagement.programme_year_id
    transaction.on_commit(
        lambda: waitlist_serve(programme_year=ProgrammeYear.objects.get(pk=programme_year_id))
    )
    return engagement


@transaction.atomic
def engagement_lapse(*, engagement, now=None):
    """An engagement whose co-payment was not paid in time is cancelled (the scheduler's
    call); returns False when it was paid or closed meanwhile."""
    now = now or timezone.now()
    engagement = (
        Engagement.objects.select_for_update(of=("self",))
        .select_related("firm", "agency", "programme_year", "copayment")
        .get(pk=engagement.pk)
    )
    copayment = engagement.copayment
    if (
        engagement.status != Engagement.Status.AWAITING_PAYMENT
        or copayment.due_by is None
        or copayment.due_by > now
    ):
        return False
    _cancel(
        engagement,
        by=None,
        reason=_("The co-payment was not paid by %(date)s.")
        % {"date": date_format(timezone.localtime(copayment.due_by), "DATETIME_FORMAT")},
        action="engagement.lapsed",
    )
    return True


@transaction.atomic
def waitlist_serve(*, programme_year):
    """Reopen waitlisted requests, oldest first, while the released money covers them."""
    programme_year = ProgrammeYear.objects.select_for_update(of=("self",)).get(pk=programme_year.pk)
    left = budget_left(programme_year)
    # Requests reopened but not yet engaged hold no money, so count their need too.
    served = []
    waiting = (
        CustodyRequest.objects.select_for_update(of=("self",))
        .filter(programme_year=programme_year, status=CustodyRequest.Status.WAITLISTED)
        .select_related("firm")
        .order_by("waitlisted_at", "pk")
    )
    for request in waiting:
        price = _price(
            (item.service_item, item.quota) for item in request.items.select_related("service_item")
        )
        government, _copay = programme_year.split_price(price)
        if government > left:
            break
        left -= government
        request.status = CustodyRequest.Status.OPEN
        request.save(update_fields=["status"])
        audit_record(
            actor=None,
            action="request.waitlist_served",
            subject=request,
            from_state=CustodyRequest.Status.WAITLISTED,
            to_state=request.status,
        )
        notify(
            _firm_members(request.firm_id),
            kind="waitlist_served",
            params={"firm": request.firm.name, "request_id": request.pk},
        )
        served.append(request)
    return served


# --- Change of agency ------------------------------------------------------------------


@transaction.atomic
def agency_change_request(*, engagement, new_agency, by, reason):
    reason = (reason or "").strip()
    if not reason:
        raise ActionError(
            _("Please say why you want to change agency."), code="reason_required", field="reason"
        )
    engagement = (
        Engagement.objects.select_for_update(of=("self",))
        .select_related("firm", "agency")
        .get(pk=engagement.pk)
    )
    _check_firm_member(by, engagement.firm_id)
    if engagement.status != Engagement.Status.ACTIVE:
        raise InvalidTransition(_("Only an active engagement can move to another agency."))
    if new_agency.pk == engagement.agency_id:
        raise ActionError(_("Choose a different agency."), code="same_agency", field="new_agency")
    if engagement.agency_changes.filter(status=AgencyChange.Status.PENDING).exists():
        raise InvalidTransition(
            _("A change of agency is already waiting for the programme office.")
        )
    change = AgencyChange.objects.create(
        engagement=engagement, new_agency=new_agency, reason=reason, requested_by=by
    )
    audit_record(
        actor=by,
        action="engagement.change_requested",
        subject=engagement,
        reason=reason,
        data={"new_agency": new_agency.pk},
    )
    notify(
        _officers(),
        kind="change_requested",
        params={
            "firm": engagement.firm.name,
            "agency": engagement.agency.name,
            "new_agency": new_agency.name,
        },
    )
    return change


@transaction.atomic
def agency_change_approve(*, change, by, now=None, delivered_value=None):
    """Move what is left of an engagement to the new agency; the history stays.

    delivered_value: CNY value of services already delivered under the old
    engagement (the custody workspace supplies it; zero before any delivery).
    """
    now = now or timezone.now()
    _check_officer(by)
    change = AgencyChange.objects.select_for_update(of=("self",)).get(pk=change.pk)
    if change.status != AgencyChange.Status.PENDING:
        raise InvalidTransition(_("This change was already decided."))
    old = (
        Engagement.objects.select_for_update(of=("self",))
        .select_related("firm", "programme_year")
        .get(pk=change.engagement_id)
    )
    if old.status != Engagement.Status.ACTIVE:
        raise InvalidTransition(_("Only an active engagement can move to another agency."))
    new_agency = Agency.objects.select_for_update(of=("self",)).get(pk=change.new_agency_id)
    profile = candidates.agency_profiles(
        programme_year=old.programme_year, agencies=Agency.objects.filter(pk=new_agency.pk)
    )[0]
    request_profile = candidates.request_profile(
        old.request,
        start_date=timezone.localtime(now).date(),
        item_ids=[item.service_item_id for item in old.items.all()],
    )
    exclusion = matching.check_constraints(request_profile, profile)
    if exclusion is not None:
        raise InvalidTransition(
            describe_constraint(exclusion.constraint), code=exclusion.constraint
        )

    delivered = delivered_value or Decimal("0.00")
    share = (old.government_amount / old.package_price) if old.package_price else Decimal("0")
    remaining_price = max(old.package_price - delivered, Decimal("0.00"))
    remaining_government = (remaining_price * share).quantize(Decimal("0.01"))
    old_items = list(old.items.all())
    reserved_before = old.government_amount

    # The old engagement keeps only what was delivered, so the budget counts each yuan once.
    old.status = Engagement.Status.TRANSFERRED
    old.package_price = delivered
    old.government_amount = (delivered * share).quantize(Decimal("0.01"))
    old.copay_amount = delivered - old.government_amount
    old.save(update_fields=["status", "package_price", "government_amount", "copay_amount"])
    released = reserved_before - old.government_amount
    new = Engagement.objects.create(
        request=old.request,
        firm=old.firm,
        agency=new_agency,
        programme_year=old.programme_year,
        previous=old,
        starts_on=timezone.localtime(now).date(),
        ends_on=max(old.ends_on, timezone.localtime(now).date() + datetime.timedelta(days=1)),
        package_price=remaining_price,
        government_amount=remaining_government,
        copay_amount=remaining_price - remaining_government,
    )
    EngagementItem.objects.bulk_create(
        EngagementItem(
            engagement=new,
            service_item_id=item.service_item_id,
            quota=item.quota,
            unit_price=item.unit_price,
        )
        for item in old_items
    )
    payments.engagement_transferred(old=old, new=new, released=released, now=now)
    change.status = AgencyChange.Status.APPROVED
    change.decided_by = by
    change.decided_at = now
    change.save(update_fields=["status", "decided_by", "decided_at"])
    audit_record(
        actor=by,
        action="engagement.transferred",
        subject=old,
        from_state=Engagement.Status.ACTIVE,
        to_state=old.status,
        data={"successor": new.pk},
    )
    audit_record(
        actor=by,
        action="engagement.started",
        subject=new,
        to_state=new.status,
        data={"previous": old.pk},
    )
    params = {"firm": old.firm.name, "new_agency": new_agency.name}
    notify(
        _firm_members(old.firm_id) + _agency_staff(new_agency.pk) + _agency_staff(old.agency_id),
        kind="change_approved",
        params=params,
    )
    return new


@transaction.atomic
def agency_change_refuse(*, change, by, reason):
    reason = (reason or "").strip()
    if not reason:
        raise ActionError(
            _("Please give a reason for the refusal."), code="reason_required", field="reason"
        )
    _check_officer(by)
    change = (
        AgencyChange.objects.select_for_update(of=("self",))
        .select_related("engagement__firm", "new_agency")
        .get(pk=change.pk)
    )
    if change.status != AgencyChange.Status.PENDING:
        raise InvalidTransition(_("This change was already decided."))
    change.status = AgencyChange.Status.REFUSED
    change.decided_by = by
    change.decided_at = timezone.now()
    change.decision_reason = reason
    change.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    audit_record(
        actor=by, action="engagement.change_refused", subject=change.engagement, reason=reason
    )
    notify(
        _firm_members(change.engagement.firm_id),
        kind="change_refused",
        params={
            "firm": change.engagement.firm.name,
            "new_agency": change.new_agency.name,
            "reason": reason,
        },
    )
    return change


# --- Cohort allocation -------------------------------------------------------------------


def _allocation_result(*, programme_year, requests, today):
    """Score, solve and describe an allocation of `requests` (a list with items prefetched)."""
    profiles = candidates.agency_profiles(programme_year=programme_year)
    request_profiles = [
        candidates.request_profile(request, start_date=today) for request in requests
    ]
    scores = matching.score_matrix(request_profiles, profiles)
    capacities = np.array([profile.free_capacity for profile in profiles], dtype=np.int64)
    solved = allocation.solve_matrix(scores, capacities)
    baseline = allocation.greedy_matrix(scores, capacities)

    def objective(assignment):
        placed = assignment >= 0
        rows = np.nonzero(placed)[0]
        return int(placed.sum()), round(float(scores[rows, assignment[rows]].sum()), 2)

    placed, total = objective(solved)
    greedy_placed, greedy_total = objective(baseline)
    assignments, unplaced, load = [], [], {}
    for index, request in enumerate(requests):
        column = int(solved[index])
        if column >= 0:
            agency = profiles[column]
            assignments.append(
                {"request": request.pk, "agency": agency.id, "score": float(scores[index, column])}
            )
            load[column] = load.get(column, 0) + 1
            continue
        eligible_count = int((~np.isnan(scores[index])).sum())
        if eligible_count:
            reason = {"constraint": "capacity_taken", "eligible_agencies": eligible_count}
        else:
            counts = {}
            for profile in profiles:
                exclusion = matching.check_constraints(request_profiles[index], profile)
                if exclusion is not None:
                    counts[exclusion.constraint] = counts.get(exclusion.constraint, 0) + 1
            blocking = (
                max(counts, key=lambda code: (counts[code], code)) if counts else "no_agencies"
            )
            reason = {"constraint": blocking, "agencies": counts}
        unplaced.append({"request": request.pk, "firm": request.firm.name, **reason})
    return {
        "assignments": assignments,
        "objective": total,
        "placed": placed,
        "greedy": {"objective": greedy_total, "placed": greedy_placed},
        "unplaced": unplaced,
        "load": [
            {
                "agency": profiles[column].id,
                "name": profiles[column].name,
                "assigned": count,
                "free": profiles[column].free_capacity,
            }
            for column, count in sorted(load.items(), key=lambda item: profiles[item[0]].id)
        ],
    }


def allocatable_requests(programme_year):
    return (
        CustodyRequest.objects.filter(
            programme_year=programme_year, status=CustodyRequest.Status.OPEN
        )
        .select_related("firm")
        .prefetch_related("items")
        .order_by("submitted_at", "pk")
    )


@transaction.atomic
def allocation_preview(*, programme_year, by, request_ids=None, today=None):
    """Solve an allocation of open requests and store it for review; nothing is offered yet."""
    _check_officer(by)
    today = today or timezone.localdate()
    requests = allocatable_requests(programme_year)
    if request_ids is not None:
        requests = requests.filter(pk__in=request_ids)
    requests = list(requests)
    if not requests:
        raise ActionError(
            _("There are no open requests to allocate."),
            code="nothing_to_allocate",
            field="requests",
        )
    result = _allocation_result(programme_year=programme_year, requests=requests, today=today)
    run = AllocationRun.objects.create(
        programme_year=programme_year,
        created_by=by,
        request_ids=[request.pk for request in requests],
        result=result,
    )
    audit_record(
        actor=by,
        action="allocation.previewed",
        subject=run,
        to_state=run.status,
        data={"placed": result["placed"]},
    )
    return run


@transaction.atomic
def allocation_commit(*, run, by, now=None):
    """Turn a previewed allocation into offers, for the requests that are still open."""
    now = now or timezone.now()
    _check_officer(by)
    run = AllocationRun.objects.select_for_update(of=("self",)).get(pk=run.pk)
    if run.status != AllocationRun.Status.PREVIEW:
        raise InvalidTransition(
            _("This allocation was already %(state)s.") % {"state": run.get_status_display()}
        )
    offers, skipped = [], []
    for assignment in run.result.get("assignments", []):
        request = (
            CustodyRequest.objects.select_for_update(of=("self",))
            .select_related("firm", "programme_year")
            .filter(pk=assignment["request"], status=CustodyRequest.Status.OPEN)
            .first()
        )
        if request is None:
            skipped.append(assignment["request"])
            continue
        try:
            offers.append(
                _send_offer(
                    request=request,
                    agency_id=assignment["agency"],
                    by=by,
                    source=Offer.Source.ALLOCATION,
                    now=now,
                )
            )
        except ActionError:
            skipped.append(request.pk)
    run.status = AllocationRun.Status.COMMITTED
    run.committed_at = now
    run.result = {
        **run.result,
        "committed_offers": [offer.pk for offer in offers],
        "skipped": skipped,
    }
    run.save(update_fields=["status", "committed_at", "result"])
    audit_record(
        actor=by,
        action="allocation.committed",
        subject=run,
        from_state=AllocationRun.Status.PREVIEW,
        to_state=run.status,
        data={"offers": len(offers), "skipped": len(skipped)},
    )
    return run
