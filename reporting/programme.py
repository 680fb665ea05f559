"""The programme office's figures: the budget with its forecast, the agencies' scorecards and
the assistant's figures.
"""

import datetime

from django.core.exceptions import EmptyResultSet
from django.db.models import (
    Avg,
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    Sum,
    When,
)

from chat.models import Conversation, Message
from custody.models import Deadline, Settlement
from marketplace import selectors
from marketplace.models import (
    Agency,
    Engagement,
    Offer,
)
from reporting.delivery import by_month, month_starts
from reporting.figures import ZERO, burn_forecast, league_table, ratio
from reporting.filters import COVERING, year_window
from reporting.sql import (
    SecondsBetween,
    compiled,
    engagement_sums,
    fetch,
    median_rows,
    seconds_median,
)


def budget_figures(year, today):
    """Two queries: the year's budget reserved, settled and left, with its forecast.

    Reserved: the government amount of covering engagements not yet settled; settled:
    the amounts of approved settlements (what was released went back to the budget).
    """
    engagements = Engagement.objects.filter(programme_year=year)
    approved = Q(settlement__status=Settlement.Status.APPROVED)
    sums = engagements.aggregate(
        reserved=Sum("government_amount", filter=Q(status__in=COVERING) & ~approved),
        settled=Sum("settlement__amount", filter=approved),
    )
    amounts = by_month(
        engagements.filter(status__in=COVERING),
        field="created_at",
        year=year,
        aggregate=Sum,
        value=Case(When(approved, then=F("settlement__amount")), default=F("government_amount")),
    )
    months = month_starts(year, aware=False)[:12]
    return burn_forecast(
        budget=year.budget,
        reserved=sums["reserved"] or ZERO,
        settled=sums["settled"] or ZERO,
        monthly={month: amount or ZERO for month, amount in zip(months, amounts, strict=True)},
        start=datetime.date(year.year, 1, 1),
        end=datetime.date(year.year, 12, 31),
        today=today,
    )


def agency_scorecards(user, year):
    """Seven queries: a scorecard for each agency `user` may see that took part in `year`.

    offers received; acceptance rate = accepted / (accepted + declined + expired);
    median response time (hours, answered offers); active clients against yearly
    capacity; deadlines missed and done in the calendar year (as responsible agency);
    delivery completeness = confirmed quantity (capped at each item's quota) / quota;
    mean settlement rating; consultations handled by its staff in the calendar year.
    """
    start, end = year_window(year)
    offered = Offer.objects.filter(request__programme_year=year)
    agencies = list(
        selectors.agencies_visible_to(user)
        .filter(Q(status=Agency.Status.APPROVED) | Exists(offered.filter(agency=OuterRef("pk"))))
        .order_by("name")
        .values("pk", "name", "name_en", "yearly_capacity", "status", "licence_valid_until")
    )
    # A subquery, not the list of ids: hundreds of parameters cost more than the scan.
    ids = selectors.agencies_visible_to(user).values("pk")
    offers = {
        row["agency_id"]: row
        for row in offered.filter(agency_id__in=ids)
        .order_by()
        .values("agency_id")
        .annotate(
            received=Count("pk"),
            accepted=Count("pk", filter=Q(status=Offer.Status.ACCEPTED)),
            declined=Count("pk", filter=Q(status=Offer.Status.DECLINED)),
            expired=Count("pk", filter=Q(status=Offer.Status.EXPIRED)),
            pending=Count("pk", filter=Q(status=Offer.Status.PENDING)),
        )
    }
    response = median_rows(
        offered.filter(
            agency_id__in=ids,
            responded_at__isnull=False,
            status__in=[Offer.Status.ACCEPTED, Offer.Status.DECLINED],
        ),
        value=SecondsBetween(F("responded_at"), F("sent_at")),
        group="agency_id",
    )
    delivery = delivery_by_agency(
        Engagement.objects.filter(
            agency_id__in=ids, programme_year=year, status__in=COVERING
        ).order_by()
    )
    deadlines = {
        row["responsible_agency_id"]: row
        for row in Deadline.objects.filter(responsible_agency_id__in=ids)
        .filter(Q(missed_at__gte=start, missed_at__lt=end) | Q(done_at__gte=start, done_at__lt=end))
        .order_by()
        .values("responsible_agency_id")
        .annotate(
            missed=Count("pk", filter=Q(missed_at__isnull=False)),
            done=Count("pk", filter=Q(missed_at__isnull=True)),
        )
    }
    ratings = {
        row["engagement__agency_id"]: row
        for row in Settlement.objects.filter(
            engagement__agency_id__in=ids, engagement__programme_year=year
        )
        .order_by()
        .values("engagement__agency_id")
        .annotate(mean=Avg("rating"), count=Count("pk"))
    }
    consultations = {
        row["assigned_to__agency_id"]: row
        for row in Conversation.objects.filter(
            assigned_to__agency_id__in=ids, created_at__gte=start, created_at__lt=end
        )
        .order_by()
        .values("assigned_to__agency_id")
        .annotate(
            handled=Count("pk"),
            resolved=Count("pk", filter=Q(state=Conversation.State.RESOLVED)),
        )
    }
    cards = []
    for agency in agencies:
        pk = agency["pk"]
        o = offers.get(pk, {})
        d = delivery.get(pk, {})
        decided = o.get("accepted", 0) + o.get("declined", 0) + o.get("expired", 0)
        wait = seconds_median(response.get(pk))
        cards.append(
            {
                "agency_id": pk,
                "name": agency["name"],
                "name_en": agency["name_en"],
                "status": agency["status"],
                "licence_valid_until": agency["licence_valid_until"],
                "offers_received": o.get("received", 0),
                "offers_accepted": o.get("accepted", 0),
                "offers_pending": o.get("pending", 0),
                "acceptance_rate": ratio(o.get("accepted", 0), decided),
                "median_response_hours": wait / 3600 if wait is not None else None,
                "active_clients": d.get("active", 0),
                "capacity": agency["yearly_capacity"],
                "capacity_used": ratio(d.get("active", 0), agency["yearly_capacity"]),
                "deadlines_missed": deadlines.get(pk, {}).get("missed", 0),
                "deadlines_done": deadlines.get(pk, {}).get("done", 0),
                "quota": d.get("quota_total") or 0,
                "delivered": d.get("delivered") or 0,
                "completeness": ratio(d.get("delivered") or 0, d.get("quota_total")),
                "rating": ratings.get(pk, {}).get("mean"),
                "ratings": ratings.get(pk, {}).get("count", 0),
                "consultations": consultations.get(pk, {}).get("handled", 0),
                "consultations_resolved": consultations.get(pk, {}).get("resolved", 0),
            }
        )
    return league_table(cards)


def delivery_by_agency(engagements):
    """One query: per agency, its active engagements and their quota and delivery."""
    try:
        each, each_params = compiled(
            engagements.values(engagement_row=F("pk"), agency_row=F("agency_id"), state=F("status"))
        )
        sums, sums_params = engagement_sums(engagements)
    except EmptyResultSet:  # a user who sees no agency
        return {}
    sql = (
        "SELECT e.agency_row, COUNT(CASE WHEN e.state = %s THEN 1 END),"  # noqa: S608
        " SUM(sums.quota), SUM(sums.delivered)"
        f" FROM ({each}) e INNER JOIN ({sums}) sums ON sums.engagement_row = e.engagement_row"
        " GROUP BY e.agency_row"
    )
    params = (Engagement.Status.ACTIVE, *each_params, *sums_params)
    return {
        agency_id: {"active": active, "quota_total": int(quota), "delivered": int(delivered)}
        for agency_id, active, quota, delivered in fetch(engagements.db, sql, params)
    }


def chat_figures(period):
    """Three queries: the assistant's figures as chat.selectors.chat_analytics defines them."""
    start, end = period
    conversations = Conversation.objects.filter(created_at__gte=start, created_at__lt=end)
    handed = Q(handed_off_at__isnull=False)
    sums = conversations.aggregate(
        conversations=Count("pk"),
        handoffs=Count("pk", filter=handed),
        tickets=Count("pk", filter=handed & Q(ticket=True)),
        csat_mean=Avg("csat"),
        csat_count=Count("csat"),
    )
    waits = median_rows(
        conversations.filter(handed, first_response_at__isnull=False),
        value=SecondsBetween(F("first_response_at"), F("handed_off_at")),
    )
    messages = Message.objects.filter(
        conversation__in=conversations.values("pk"), sender=Message.Sender.BOT
    ).aggregate(
        answers=Count("pk", filter=Q(kind="answer")),
        clarifications=Count("pk", filter=Q(kind="clarify")),
        fallbacks=Count("pk", filter=Q(kind="fallback")),
        thumbs_down=Count("pk", filter=Q(feedback=Message.Feedback.DOWN)),
    )
    total, handoffs = sums["conversations"], sums["handoffs"]
    wait = seconds_median(waits.get(None))
    return {
        **sums,
        "csat_mean": float(sums["csat_mean"]) if sums["csat_mean"] is not None else None,
        "answered_alone": total - handoffs,
        "handoff_rate": handoffs / total if total else 0.0,
        "deflection_rate": (total - handoffs) / total if total else 0.0,
        "median_first_response_seconds": wait,
        **messages,
    }
