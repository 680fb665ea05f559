"""Custody requests: the one module that changes a request's status.

    (submitted) ──► open ──► offered ──► engaged
         │            ▲         │  └──► waitlisted (the budget ran out at acceptance)
         └──► waitlisted ──►────┘  (offered ──► open: declined or expired)
    open, offered, waitlisted ──► withdrawn

The table is `CustodyRequest.TRANSITIONS`. Submission and the waiting list live here; the
offers module moves a request as its offers are sent, answered or withdrawn, through the
`request_*` functions below.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import states
from core.audit import audit_record
from core.errors import ActionError, InvalidTransition
from core.notices import notify
from marketplace import eligibility
from marketplace.actions.checks import check_firm_member
from marketplace.choices import RevenueBand, SmeSector
from marketplace.models import (
    CustodyRequest,
    Engagement,
    Firm,
    ProgrammeYear,
    RequestItem,
    User,
)
from marketplace.selectors.budget import budget_left
from marketplace.selectors.people import firm_members
from marketplace.selectors.prices import list_price


class Ineligible(ActionError):
    """A request refused by eligibility rules; `rules` lists every rule that failed."""

    def __init__(self, rules):
        self.rules = rules
        super().__init__(" ".join(eligibility.describe(rule) for rule in rules), code="ineligible")


# --- Requests ---------------------------------------------------------------------


def eligibility_facts(*, firm, programme_year, government_amount, today):
    max_band = programme_year.max_revenue_band
    return eligibility.EligibilityFacts(
        firm_verified=firm.verification == Firm.Verification.VERIFIED,
        incubated=firm.incubated_on(today),
        admitted_on=firm.admitted_on,
        incubation_ends_on=firm.incubation_ends_on,
        incubator_level=firm.incubator.level,
        incubator_level_label=firm.incubator.get_level_display(),
        headcount=firm.headcount,
        max_headcount=programme_year.max_headcount,
        revenue_rank=RevenueBand.rank(firm.revenue_band),
        max_revenue_rank=RevenueBand.rank(max_band) if max_band else None,
        max_revenue_label=str(RevenueBand(max_band).label) if max_band else "",
        size=firm.size_verdict(),
        sector_label=str(SmeSector(firm.standard_sector).label),
        has_live_request=CustodyRequest.objects.filter(firm=firm, programme_year=programme_year)
        .exclude(status=CustodyRequest.Status.WITHDRAWN)
        .exists(),
        has_active_engagement=Engagement.objects.filter(
            firm=firm, programme_year=programme_year, status__in=Engagement.RUNNING
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
    check_firm_member(by, firm.pk)
    # The firm row lock serialises two submissions by the same firm.
    firm = Firm.objects.select_for_update(of=("self",)).select_related("incubator").get(pk=firm.pk)
    chosen = _validated_items(programme_year, quotas)
    price = list_price((item.service_item, quota) for item, quota in chosen)
    government, _copay = programme_year.split_price(price)
    facts = eligibility_facts(
        firm=firm, programme_year=programme_year, government_amount=government, today=today
    )
    failed = eligibility.failed_rules(facts)
    blocking = [rule for rule in failed if rule.code != "budget_exhausted"]
    if blocking:
        raise Ineligible(failed)

    waitlisted = bool(failed)
    status = CustodyRequest.Status.WAITLISTED if waitlisted else CustodyRequest.Status.OPEN
    states.check(CustodyRequest, None, status)
    request = CustodyRequest(
        firm=firm,
        programme_year=programme_year,
        needs=needs.strip(),
        created_by=by,
        status=status,
        waitlisted_at=timezone.now() if waitlisted else None,
    )
    request.refresh_matching_terms()
    request.save()
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
            firm_members(firm.pk),
            kind="request_waitlisted",
            params=params,
        )
    managers = User.objects.filter(incubator_id=firm.incubator_id, is_active=True)
    notify(list(managers), kind="request_submitted", params=params)
    return request


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
        price = list_price(
            (item.service_item, item.quota) for item in request.items.select_related("service_item")
        )
        government, _copay = programme_year.split_price(price)
        if government > left:
            break
        left -= government
        states.transition(
            request, CustodyRequest.Status.OPEN, by=None, action="request.waitlist_served"
        )
        notify(
            firm_members(request.firm_id),
            kind="waitlist_served",
            params={"firm": request.firm.name, "request_id": request.pk},
        )
        served.append(request)
    return served


# --- Moves made as offers are sent, answered and withdrawn ------------------------------
# The caller holds the request's row lock.


def request_offered(*, request, by):
    states.transition(request, CustodyRequest.Status.OFFERED, by=by, action="request.offered")


def request_engaged(*, request, by):
    states.transition(request, CustodyRequest.Status.ENGAGED, by=by, action="request.engaged")


def request_reopened(*, request, by):
    """An offer was declined or expired: the firm chooses again."""
    states.transition(request, CustodyRequest.Status.OPEN, by=by, action="request.reopened")


def request_waitlisted(*, request, by, now):
    """The budget could not cover the engagement at acceptance: the firm waits for money."""
    request.waitlisted_at = now
    states.transition(
        request,
        CustodyRequest.Status.WAITLISTED,
        by=by,
        action="request.waitlisted",
        fields=("waitlisted_at",),
    )
    notify(
        firm_members(request.firm_id),
        kind="request_waitlisted",
        params={"firm": request.firm.name, "request_id": request.pk},
    )


def request_withdrawn(*, request, by, reason):
    if request.status not in {
        CustodyRequest.Status.OPEN,
        CustodyRequest.Status.OFFERED,
        CustodyRequest.Status.WAITLISTED,
    }:
        raise InvalidTransition(
            _("This request is %(state)s and cannot be withdrawn.")
            % {"state": request.get_status_display()}
        )
    states.transition(
        request, CustodyRequest.Status.WITHDRAWN, by=by, action="request.withdrawn", reason=reason
    )
