"""Offers: the one module that changes an offer's status.

    (sent) ──► pending ──► accepted | declined | expired | withdrawn

The table is `Offer.TRANSITIONS`. A firm chooses an agency (or the office's allocation
sends the offer), the agency accepts (the engagement starts) or declines, unanswered offers
expire, and withdrawing a request withdraws its pending offer. The request moves with its
offers through `marketplace.actions.requests`.
"""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import states
from core.audit import audit_record
from core.errors import ActionError, InvalidTransition
from core.notices import named, notify
from core.workdays import add_workdays
from marketplace import candidates
from marketplace.actions.checks import check_agency_staff, check_firm_member
from marketplace.actions.engagements import engagement_start
from marketplace.actions.requests import (
    request_engaged,
    request_offered,
    request_reopened,
    request_waitlisted,
    request_withdrawn,
)
from marketplace.explain import describe_constraint
from marketplace.models import (
    Agency,
    CustodyRequest,
    Offer,
    ProgrammeYear,
)
from marketplace.selectors.budget import budget_left
from marketplace.selectors.people import agency_staff, firm_members
from marketplace.selectors.prices import list_price
from marketplace.selectors.ranking import rank_request


def local_end_of_day(day):
    tz = timezone.get_current_timezone()
    return datetime.datetime.combine(day, datetime.time(23, 59, 59), tzinfo=tz)


# --- Offers -----------------------------------------------------------------------


def _deadline(programme_year, now):
    result = add_workdays(timezone.localtime(now).date(), programme_year.offer_response_days)
    return local_end_of_day(result.day), result.provisional


def offer_send(*, request, agency_id, by, source, now, ranking=None):
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
    states.check(Offer, None, Offer.Status.PENDING)
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
    audit_record(
        actor=by,
        action="offer.sent",
        subject=offer,
        to_state=offer.status,
        data={"source": source, "rank": position},
    )
    request_offered(request=request, by=by)
    notify(
        agency_staff(agency_id),
        kind="allocation_offer" if source == Offer.Source.ALLOCATION else "offer_received",
        params={
            "firm": request.firm.name,
            "offer_id": offer.pk,
            **named("agency", offer.agency),
            "respond_by": respond_by.isoformat(),
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
    check_firm_member(by, request.firm_id)
    if request.status != CustodyRequest.Status.OPEN:
        raise InvalidTransition(
            _("This request is %(state)s; an agency can be chosen only while it is open.")
            % {"state": request.get_status_display()}
        )
    return offer_send(
        request=request, agency_id=agency.pk, by=by, source=Offer.Source.FIRM_CHOICE, now=now
    )


def offer_close(offer, *, status, by, reason="", now=None):
    offer.responded_at = now or timezone.now()
    offer.responded_by = by if by is not None and by.is_authenticated else None
    offer.decline_reason = reason or ""
    states.transition(
        offer,
        status,
        by=by,
        action=f"offer.{status}",
        reason=reason,
        fields=("responded_at", "responded_by", "decline_reason"),
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
    check_agency_staff(by, offer.agency_id)
    if offer.status != Offer.Status.PENDING:
        raise _offer_refusal(offer)
    if offer.respond_by < now:
        # The expiry job records the expiry; here the agency just learns it is too late.
        raise InvalidTransition(
            _("This offer expired on %(date)s.")
            % {"date": date_format(timezone.localtime(offer.respond_by), "DATETIME_FORMAT")},
            code="offer_expired",
        )

    request = (
        CustodyRequest.objects.select_for_update(of=("self",))
        .select_related("firm")
        .get(pk=offer.request_id)
    )
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
    today = timezone.localtime(now).date()
    if not agency.licence_valid_on(today):
        raise InvalidTransition(
            _("Your agency's licence does not cover today (valid %(start)s to %(end)s).")
            % {
                "start": agency.licence_valid_from.isoformat(),
                "end": agency.licence_valid_until.isoformat(),
            },
            code="licence_invalid",
        )
    load = (
        Agency.objects.filter(pk=agency.pk)
        .annotate(
            load=candidates.agency_load(programme_year=programme_year, offers_before=offer.pk)
        )
        .values_list("load", flat=True)
        .get()
    )
    if load >= agency.yearly_capacity:
        raise InvalidTransition(
            ngettext(
                "Your agency has no capacity left this year (%(capacity)d firm).",
                "Your agency has no capacity left this year (%(capacity)d firms).",
                agency.yearly_capacity,
            )
            % {"capacity": agency.yearly_capacity},
            code="no_capacity",
        )

    items = list(request.items.select_related("service_item"))
    price = list_price((item.service_item, item.quota) for item in items)
    government, copay = programme_year.split_price(price)
    if budget_left(programme_year) < government:
        offer_close(
            offer,
            status=Offer.Status.WITHDRAWN,
            by=by,
            reason=_("Programme budget exhausted"),
            now=now,
        )
        request_waitlisted(request=request, by=by, now=now)
        # The refusal must keep the waitlisting, so it is returned rather than raised.
        return InvalidTransition(
            _(
                "The programme budget cannot cover this engagement now; the firm is on the waiting list."
            ),
            code="budget_exhausted",
        )

    offer_close(offer, status=Offer.Status.ACCEPTED, by=by, now=now)
    request_engaged(request=request, by=by)
    engagement = engagement_start(
        request=request,
        offer=offer,
        agency=agency,
        programme_year=programme_year,
        items=[(item.service_item, item.quota) for item in items],
        by=by,
        now=now,
    )
    notify(
        firm_members(request.firm_id),
        kind="offer_accepted",
        params={
            "firm": offer.request.firm.name,
            **named("agency", agency),
            "request_id": request.pk,
        },
    )
    return engagement


@transaction.atomic
def offer_decline(*, offer, by, reason, now=None):
    reason = (reason or "").strip()
    if not reason:
        raise ActionError(_("Please say why you decline."), code="reason_required", field="reason")
    offer = _lock_offer(offer)
    check_agency_staff(by, offer.agency_id)
    if offer.status != Offer.Status.PENDING:
        raise _offer_refusal(offer)
    offer_close(offer, status=Offer.Status.DECLINED, by=by, reason=reason, now=now)
    _after_lapse(offer, kind="offer_declined", by=by, now=now or timezone.now(), reason=reason)
    return offer


def _expire(offer, *, now):
    offer_close(offer, status=Offer.Status.EXPIRED, by=None, now=now)
    _after_lapse(offer, kind="offer_expired", by=None, now=now)


def _after_lapse(offer, *, kind, by, now, reason=""):
    """A declined or expired offer: tell the firm, then reopen or offer the next candidate."""
    request = (
        CustodyRequest.objects.select_for_update(of=("self",))
        .select_related("firm", "programme_year")
        .get(pk=offer.request_id)
    )
    request_reopened(request=request, by=by)
    notify(
        firm_members(request.firm_id),
        kind=kind,
        params={
            "firm": request.firm.name,
            **named("agency", offer.agency),
            "reason": reason,
            "request_id": request.pk,
        },
    )
    if request.programme_year.auto_offer_next:
        tried = set(request.offers.values_list("agency_id", flat=True))
        ranking, _profiles = rank_request(request, today=timezone.localtime(now).date())
        following = next((c for c in ranking.candidates if c.agency_id not in tried), None)
        if following is not None:
            offer_send(
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
                agency_staff(offer.agency_id),
                kind="offer_expiring",
                params={
                    "firm": offer.request.firm.name,
                    "offer_id": offer.pk,
                    "respond_by": offer.respond_by.isoformat(),
                },
            )
            warned += 1
    return warned


@transaction.atomic
def request_withdraw(*, request, by, reason=""):
    """The firm withdraws its request; a pending offer on it is withdrawn with it."""
    request = (
        CustodyRequest.objects.select_for_update(of=("self",))
        .select_related("firm")
        .get(pk=request.pk)
    )
    check_firm_member(by, request.firm_id)
    for offer in request.offers.select_for_update(of=("self",)).filter(status=Offer.Status.PENDING):
        offer_close(offer, status=Offer.Status.WITHDRAWN, by=by, reason=reason)
        notify(
            agency_staff(offer.agency_id),
            kind="offer_withdrawn",
            params={"firm": request.firm.name, "offer_id": offer.pk},
        )
    request_withdrawn(request=request, by=by, reason=reason)
    return request
