"""The action centre at the top of each role's home: what needs this person now.

One function per role. Each reads through the permission-scoped selectors and the figures
the other pages show (the deadline board, the dashboards' delivery, coverage and budget
figures), so an item's number is the number on the page its button leads to. Each item is
one sentence in the active language with its figure or date, and one button. Nothing here
writes; a fixed number of queries per role whatever the number of rows (the tests pin them).
"""

from decimal import Decimal

from django.db.models import Count, Min, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.formatting import money
from custody import selectors as custody_selectors
from custody.actions import completion_refusal
from custody.models import ServiceRecord, Settlement
from custody.payments import gateway
from custody.payments import selectors as payment_selectors
from custody.payments.models import CoPayment, Payout
from marketplace import selectors
from marketplace.models import Agency, AgencyChange, CustodyRequest, Engagement, Offer
from reporting.action_items import Item, counted, day, each, url_to
from reporting.coverage import firm_stage_q
from reporting.delivery import deadline_figures, delivery_by_engagement
from reporting.filters import AT_RISK_DAYS, Filters
from reporting.programme import budget_figures

# A firm sees the deadlines of the next quarter: time to budget the fees and pay them.
FIRM_DEADLINE_DAYS = 90


# --- Firm ---------------------------------------------------------------------------


def firm_actions(user, *, today=None):
    """A firm member's items: co-payment, services to confirm, deadlines, agency to rate."""
    today = today or timezone.localdate()
    online = gateway.is_configured()
    items = []
    for copayment in (
        payment_selectors.copayments_visible_to(user)
        .filter(status=CoPayment.Status.DUE)
        .order_by("due_by", "pk")
    ):
        if copayment.due_by is None:
            text = _(
                "%(agency)s holds your custody: pay your co-payment of %(amount)s by bank "
                "transfer quoting %(reference)s."
            )
        elif online:
            text = _(
                "%(agency)s accepted: pay your co-payment of %(amount)s by %(date)s to start "
                "custody, by bank transfer quoting %(reference)s or online."
            )
        else:
            text = _(
                "%(agency)s accepted: pay your co-payment of %(amount)s by %(date)s to start "
                "custody, by bank transfer quoting %(reference)s."
            )
        params = {
            "agency": copayment.engagement.agency,
            "amount": money(copayment.amount),
            "reference": copayment.reference,
            "date": day(copayment.due_by) if copayment.due_by else "",
        }
        items.append(
            Item(
                kind="copayment",
                text=text % params,
                button=_("How to pay"),
                url=url_to("frontend:engagement-payments", copayment.engagement_id),
                tone="danger",
            )
        )
    items += _records(
        user,
        status=ServiceRecord.Status.PENDING,
        kind="services-to-confirm",
        party="engagement__agency__name",
        text=lambda n: ngettext(
            "%(count)d service record from %(party)s waits for you to confirm or dispute it.",
            "%(count)d service records from %(party)s wait for you to confirm or dispute them.",
            n,
        ),
        button=_("Confirm or dispute"),
        tone="warning",
    )
    items += _firm_deadlines(user, today=today)
    for engagement in selectors.engagements_visible_to(user).filter(
        status=Engagement.Status.ACTIVE, settlement__isnull=True
    ):
        deliveries = custody_selectors.engagement_deliveries(engagement)
        if completion_refusal(engagement, deliveries, today=today) is None:
            items.append(
                Item(
                    kind="rate-agency",
                    text=_(
                        "Your custody with %(agency)s can be closed: rate its work so that the "
                        "settlement can start."
                    )
                    % {"agency": engagement.agency},
                    button=_("Rate the agency"),
                    url=url_to("frontend:settlement", engagement.pk),
                    tone="warning",
                )
            )
    return items


def _records(user, *, status, kind, party, text, button, tone):
    """An item per engagement with service records in `status`, most records first."""
    rows = list(
        custody_selectors.service_records_visible_to(user)
        .filter(status=status)
        .order_by()
        .values("engagement_id", party)
        .annotate(n=Count("pk"))
        .order_by("-n", "engagement_id")
    )
    return each(
        kind,
        rows,
        lambda row: Item(
            kind=kind,
            text=text(row["n"]) % {"count": row["n"], "party": row[party]},
            button=button,
            url=url_to("frontend:service-list", row["engagement_id"]),
            tone=tone,
        ),
        rest=lambda n: (
            ngettext(
                "…and %(count)d more engagement with records waiting.",
                "…and %(count)d more engagements with records waiting.",
                n,
            )
            % {"count": n}
        ),
        button=_("See the engagements"),
        url=url_to("frontend:engagement-list"),
    )


def _firm_deadlines(user, *, today):
    """One item: the firm's open deadlines due within FIRM_DEADLINE_DAYS and the official fees
    they ask for (as the deadline board prices them, with and without the fee reduction)."""
    rows = custody_selectors.with_fees(
        custody_selectors.deadline_board(
            user, today=today, state="open", within_days=FIRM_DEADLINE_DAYS
        ),
        today=today,
    )
    if not rows:
        return []
    quotes = [row.fee for row in rows if row.fee is not None]
    payable = sum((quote.payable for quote in quotes), Decimal(0))
    reduced = sum(
        (q.payable if q.reduced_payable is None else q.reduced_payable for q in quotes), Decimal(0)
    )
    first = min(row.due_on for row in rows)
    overdue = sum(1 for row in rows if row.due_on < today)
    text = _deadline_sentence(len(rows), overdue, mine=True) % {
        "count": len(rows),
        "overdue": overdue,
        "days": FIRM_DEADLINE_DAYS,
        "date": day(first),
    }
    fees = {"fees": money(payable), "reduced": money(reduced)}
    if reduced != payable:
        fees = _("Official fees: %(fees)s, %(reduced)s with the fee reduction.") % fees
    elif payable:
        fees = _("Official fees: %(fees)s.") % fees
    if payable:
        # Two sentences, joined as the language joins them (no space in Chinese).
        text = _("%(sentence)s %(next)s") % {"sentence": text, "next": fees}
    return [
        Item(
            kind="deadlines",
            text=text,
            button=_("Open the deadline board"),
            url=url_to("frontend:deadline-board", query={"within": FIRM_DEADLINE_DAYS}),
            tone="danger" if overdue else "warning",
        )
    ]


def _deadline_sentence(count, overdue, *, mine):
    """The deadlines item's sentence: the firm's own IP (`mine`) or the agency's clients'."""
    if mine and overdue:
        return ngettext(
            "%(count)d deadline of your IP is due within %(days)d days or overdue (%(overdue)d "
            "overdue), the first on %(date)s.",
            "%(count)d deadlines of your IP are due within %(days)d days or overdue (%(overdue)d "
            "overdue), the first on %(date)s.",
            count,
        )
    if mine:
        return ngettext(
            "%(count)d deadline of your IP falls due within %(days)d days, the first on %(date)s.",
            "%(count)d deadlines of your IP fall due within %(days)d days, the first on %(date)s.",
            count,
        )
    if overdue:
        return ngettext(
            "%(count)d deadline of your clients is due within %(days)d days or overdue "
            "(%(overdue)d overdue), the first on %(date)s.",
            "%(count)d deadlines of your clients are due within %(days)d days or overdue "
            "(%(overdue)d overdue), the first on %(date)s.",
            count,
        )
    return ngettext(
        "%(count)d deadline of your clients falls due within %(days)d days, the first on %(date)s.",
        "%(count)d deadlines of your clients fall due within %(days)d days, the first on %(date)s.",
        count,
    )


def _deadlines(user, *, today, days):
    """One item: the open deadlines of the agency's clients due within `days` (the board's
    rows: those overdue but still in their grace period included)."""
    figures = custody_selectors.deadline_board(
        user, today=today, state="open", within_days=days
    ).aggregate(n=Count("pk"), first=Min("due_on"), overdue=Count("pk", filter=Q(due_on__lt=today)))
    if not figures["n"]:
        return []
    text = _deadline_sentence(figures["n"], figures["overdue"], mine=False)
    return [
        Item(
            kind="deadlines",
            text=text
            % {
                "count": figures["n"],
                "overdue": figures["overdue"],
                "days": days,
                "date": day(figures["first"]),
            },
            button=_("Open the deadline board"),
            url=url_to("frontend:deadline-board", query={"within": days}),
            tone="danger" if figures["overdue"] else "warning",
        )
    ]


# --- Agency -------------------------------------------------------------------------


def agency_actions(user, *, today=None):
    """An agency's items: offers to answer, clients' deadlines, services to record,
    disputes to answer, payouts that wait for it."""
    today = today or timezone.localdate()
    items = each(
        "offer",
        selectors.offers_visible_to(user)
        .filter(status=Offer.Status.PENDING)
        .order_by("respond_by", "pk"),
        lambda offer: Item(
            kind="offer",
            text=_("%(firm)s offers you its custody; answer by %(date)s.")
            % {"firm": offer.request.firm.name, "date": day(offer.respond_by)},
            button=_("Answer the offer"),
            url=url_to("frontend:offer-detail", offer.pk),
            tone="danger",
            countdown=offer.respond_by,
        ),
        rest=lambda n: (
            ngettext(
                "…and %(count)d more offer waits for your answer.",
                "…and %(count)d more offers wait for your answer.",
                n,
            )
            % {"count": n}
        ),
        button=_("Open the offer inbox"),
        url=url_to("frontend:offer-inbox", query={"status": Offer.Status.PENDING}),
    )
    items += _deadlines(user, today=today, days=AT_RISK_DAYS)
    items += _services_to_record(user, today=today)
    items += _records(
        user,
        status=ServiceRecord.Status.DISPUTED,
        kind="disputes",
        party="engagement__firm__name",
        text=lambda n: ngettext(
            "%(party)s disputed %(count)d service record: correct it or explain.",
            "%(party)s disputed %(count)d service records: correct them or explain.",
            n,
        ),
        button=_("Answer the dispute"),
        tone="danger",
    )
    payouts = (
        payment_selectors.payouts_visible_to(user)
        .filter(status=Payout.Status.BLOCKED)
        .aggregate(n=Count("pk"), total=Sum("amount"))
    )
    return items + counted(
        "payouts",
        payouts["n"],
        ngettext(
            "%(count)d payout of %(amount)s waits for your payout account.",
            "%(count)d payouts of %(amount)s in all wait for your payout account.",
            payouts["n"],
        ),
        amount=money(payouts["total"] or 0),
        button=_("Set up payouts"),
        url=url_to("frontend:agency-payouts"),
    )


def _services_to_record(user, *, today):
    """Active engagements of the current year with quota left to deliver, those slipping
    behind the calendar first (the delivery rows of the dashboards)."""
    year = selectors.default_year(selectors.programme_years(), today)
    if year is None:
        return []
    rows = [
        row
        for row in delivery_by_engagement(user, Filters(year=year), today, limit=None)
        if row["status"] == Engagement.Status.ACTIVE
        and row["delivered"] + row["pending"] < row["quota"]
    ]

    def item(row):
        text = (
            ngettext(
                "%(firm)s: %(left)d of %(quota)d unit still to deliver by %(date)s, behind schedule.",
                "%(firm)s: %(left)d of %(quota)d units still to deliver by %(date)s, behind schedule.",
                row["quota"],
            )
            if row["slipping"]
            else ngettext(
                "%(firm)s: %(left)d of %(quota)d unit still to deliver by %(date)s.",
                "%(firm)s: %(left)d of %(quota)d units still to deliver by %(date)s.",
                row["quota"],
            )
        )
        params = {
            "firm": row["firm"],
            "left": row["quota"] - row["delivered"] - row["pending"],
            "quota": row["quota"],
            "date": day(row["ends_on"]),
        }
        return Item(
            kind="services-to-record",
            text=text % params,
            button=_("Record a service"),
            url=url_to("frontend:service-list", row["engagement_id"]),
            tone="warning" if row["slipping"] else "info",
        )

    return each(
        "services-to-record",
        rows,
        item,
        rest=lambda n: (
            ngettext(
                "…and %(count)d more client with services left to record.",
                "…and %(count)d more clients with services left to record.",
                n,
            )
            % {"count": n}
        ),
        button=_("See the engagements"),
        url=url_to("frontend:engagement-list", query={"status": Engagement.Status.ACTIVE}),
    )


# --- Incubator manager ----------------------------------------------------------------


def manager_actions(user, *, today=None):
    """An incubator manager's items: sign-ups to confirm, eligible firms that have not
    applied (to invite), deadlines at risk, settlements to confirm."""
    today = today or timezone.localdate()
    pending = selectors.firms_pending_for_manager(user).aggregate(
        n=Count("pk"), first=Min("created_at")
    )
    items = counted(
        "firms-to-confirm",
        pending["n"],
        ngettext(
            "%(count)d firm signed up as incubated here and waits for your confirmation "
            "(since %(date)s).",
            "%(count)d firms signed up as incubated here and wait for your confirmation "
            "(the first since %(date)s).",
            pending["n"],
        ),
        date=day(pending["first"]) if pending["first"] else "",
        button=_("Confirm or reject"),
        url=url_to("frontend:incubator-home", anchor="firm-review"),
    )
    year = selectors.programme_year_open(today)
    if year is not None:
        # The dashboard's "no request yet" figure: eligible, verified, no live request.
        count = selectors.firms_visible_to(user).filter(firm_stage_q("no_request", year)).count()
        items += counted(
            "not-applied",
            count,
            ngettext(
                "%(count)d eligible firm has not applied for the %(year)d programme year yet.",
                "%(count)d eligible firms have not applied for the %(year)d programme year yet.",
                count,
            ),
            year=year.year,
            button=_("Invite them"),
            url=url_to(
                "frontend:dashboard-incubator",
                query={"year": year.year, "all": "no_request"},
                anchor="heading-no_request",
            ),
            tone="info",
        )
        items += _at_risk(user, year=year, today=today)
    items += _settlements(
        user,
        status=Settlement.Status.RATED,
        kind="settlement-to-confirm",
        text=_("%(firm)s rated %(agency)s %(rating)d of 5: confirm the settlement."),
        button=_("Confirm the settlement"),
    )
    return items


def _at_risk(user, *, year, today):
    """The dashboards' deadlines at risk: open and due within AT_RISK_DAYS, or in grace."""
    figures = deadline_figures(user, Filters(year=year), today)
    if not figures["at_risk"]:
        return []
    text = ngettext(
        "%(count)d deadline of your firms is at risk (due within %(days)d days or in its grace "
        "period), %(overdue)d of them overdue.",
        "%(count)d deadlines of your firms are at risk (due within %(days)d days or in their "
        "grace period), %(overdue)d of them overdue.",
        figures["at_risk"],
    )
    return [
        Item(
            kind="at-risk",
            text=text
            % {"count": figures["at_risk"], "days": AT_RISK_DAYS, "overdue": figures["overdue"]},
            button=_("Open the deadline board"),
            url=url_to("frontend:deadline-board", query={"within": AT_RISK_DAYS}),
            tone="danger" if figures["overdue"] else "warning",
        )
    ]


def _settlements(user, *, status, kind, text, button):
    return each(
        kind,
        custody_selectors.settlements_visible_to(user).filter(status=status).order_by("pk"),
        lambda settlement: Item(
            kind=kind,
            text=text
            % {
                "firm": settlement.engagement.firm.name,
                "agency": settlement.engagement.agency,
                "rating": settlement.rating,
            },
            button=button,
            url=url_to("frontend:settlement", settlement.engagement_id),
            tone="warning",
        ),
        rest=lambda n: (
            ngettext(
                "…and %(count)d more settlement waits for you.",
                "…and %(count)d more settlements wait for you.",
                n,
            )
            % {"count": n}
        ),
        button=_("See the engagements"),
        url=url_to("frontend:engagement-list", query={"status": Engagement.Status.ACTIVE}),
    )


# --- Programme officer ----------------------------------------------------------------


def officer_actions(user, *, today=None):
    """The programme office's items: agencies and changes of agency to decide, licences
    ending, settlements to approve, and budget alerts."""
    today = today or timezone.localdate()
    applied = selectors.agencies_pending_approval(user).count()
    items = counted(
        "agencies-to-approve",
        applied,
        ngettext(
            "%(count)d agency applied to join the programme and waits for your decision.",
            "%(count)d agencies applied to join the programme and wait for your decision.",
            applied,
        ),
        button=_("Review the applications"),
        url=url_to("frontend:office-home", anchor="agency-review"),
    )
    changes = (
        selectors.agency_changes_visible_to(user)
        .filter(status=AgencyChange.Status.PENDING)
        .aggregate(n=Count("pk"), first=Min("requested_at"))
    )
    items += counted(
        "changes-to-approve",
        changes["n"],
        ngettext(
            "%(count)d firm asks to change its agency (since %(date)s).",
            "%(count)d firms ask to change their agency (the first since %(date)s).",
            changes["n"],
        ),
        date=day(changes["first"]) if changes["first"] else "",
        button=_("Decide the changes"),
        url=url_to("frontend:agency-changes"),
    )
    items += each(
        "licence",
        selectors.agencies_licence_ending(user, today=today),
        lambda agency: _licence(agency, today),
        rest=lambda n: (
            ngettext(
                "…and %(count)d more agency whose licence ends soon.",
                "…and %(count)d more agencies whose licences end soon.",
                n,
            )
            % {"count": n}
        ),
        button=_("See the agencies"),
        url=url_to("frontend:agency-list", query={"status": Agency.Status.APPROVED}),
    )
    items += _settlements(
        user,
        status=Settlement.Status.CONFIRMED,
        kind="settlement-to-approve",
        text=_(
            "The incubator confirmed the settlement of %(firm)s with %(agency)s (rated "
            "%(rating)d of 5): approve it to pay the agency."
        ),
        button=_("Approve the settlement"),
    )
    return items + _budget(user, today=today)


def _licence(agency, today):
    expired = agency.licence_valid_until < today
    text = (
        _("The licence of %(agency)s expired on %(date)s: it cannot take new firms.")
        if expired
        else _("The licence of %(agency)s ends on %(date)s: ask for the renewed licence.")
    )
    return Item(
        kind="licence",
        text=text % {"agency": agency, "date": day(agency.licence_valid_until)},
        button=_("Open the agency"),
        url=url_to("frontend:agency-detail", agency.pk),
        tone="danger" if expired else "warning",
    )


def _budget(user, *, today):
    """The budget forecast to run out this year (the programme dashboard's forecast), and
    requests waiting for budget."""
    items = []
    year = selectors.default_year(selectors.programme_years(), today)
    if year is None:
        return items
    budget = budget_figures(year, today)
    if budget.exhausted_on is not None:
        items.append(
            Item(
                kind="budget",
                text=_(
                    "At this rate the %(year)d budget (%(budget)s) runs out about %(date)s; "
                    "%(left)s is left."
                )
                % {
                    "year": year.year,
                    "budget": money(budget.budget),
                    "date": day(budget.exhausted_on),
                    "left": money(budget.left),
                },
                button=_("See the budget"),
                url=url_to(
                    "frontend:dashboard-programme",
                    query={"year": year.year},
                    anchor="heading-budget",
                ),
                tone="danger",
            )
        )
    waitlisted = (
        selectors.custody_requests_visible_to(user)
        .filter(status=CustodyRequest.Status.WAITLISTED)
        .count()
    )
    return items + counted(
        "waitlist",
        waitlisted,
        ngettext(
            "%(count)d custody request waits on the budget waiting list.",
            "%(count)d custody requests wait on the budget waiting list.",
            waitlisted,
        ),
        button=_("See the waiting list"),
        url=url_to("frontend:request-list", query={"status": CustodyRequest.Status.WAITLISTED}),
    )
