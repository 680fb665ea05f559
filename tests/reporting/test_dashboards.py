"""Dashboard figures against the hand-computed world of tests/reporting/world.py."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from chat.models import Conversation, Message
from chat.selectors import chat_analytics
from marketplace import selectors
from marketplace.models import Engagement
from reporting import dashboards
from reporting.coverage import coverage_by_month
from reporting.delivery import delivery_by_engagement
from reporting.figures import FUNNEL, burn_forecast, delivery_slipping, league_table, roll_up
from reporting.filters import Filters
from reporting.programme import agency_scorecards, chat_figures
from tests.reporting.world import NOW, TODAY, TZ, build_world
from tests.shared import shared

pytestmark = pytest.mark.django_db


@shared
def world(personas):
    return build_world(personas)


def _funnel(row):
    return {name: row[name] for name in FUNNEL}


def test_incubator_coverage_counts_only_the_managers_firms(personas, world):
    figures = dashboards.incubator_dashboard(
        personas.incubator_manager, Filters(year=world.year), today=TODAY
    )

    total = figures["coverage"]["total"]
    assert _funnel(total) == {
        "firms": 5,
        "verified": 4,
        "eligible": 3,
        "requested": 2,
        "offered": 1,
        "active": 1,
        "covered": 1,
        "no_request": 1,
    }
    assert total["coverage"] == pytest.approx(1 / 3)
    by_industry = {row["key"]: _funnel(row) for row in figures["coverage"]["industry"]}
    assert by_industry["ai"] == {
        "firms": 1,
        "verified": 1,
        "eligible": 1,
        "requested": 1,
        "offered": 1,
        "active": 0,
        "covered": 0,
        "no_request": 0,
    }
    assert by_industry["biomedicine"]["firms"] == 4
    assert by_industry["biomedicine"]["active"] == 1
    assert [firm.name for firm in figures["no_request"]] == ["F3 未申请"]
    assert [m.email for m in figures["no_request"][0].members.all()] == ["f3@example.com"]
    assert [o.request.firm.name for o in figures["offers_waiting"]] == ["F2 智能"]


def test_incubator_deadlines_delivery_satisfaction_and_trend(personas, world):
    figures = dashboards.incubator_dashboard(
        personas.incubator_manager, Filters(year=world.year), today=TODAY
    )

    assert figures["deadlines"] == {"at_risk": 2, "overdue": 1, "missed": 1, "done": 1}
    assert [d.due_on for d in figures["deadlines_at_risk"]] == [
        TODAY - datetime.timedelta(days=5),
        TODAY + datetime.timedelta(days=10),
    ]
    [e1] = figures["delivery"]
    assert (e1["engagement_id"], e1["quota"], e1["delivered"], e1["pending"]) == (
        world.engagements["e1"].pk,
        6,
        3,
        1,
    )
    assert e1["completeness"] == 0.5
    assert e1["slipping"] is False
    assert figures["satisfaction"]["mean"] == 4.0
    assert figures["satisfaction"]["count"] == 1
    assert figures["satisfaction"]["stars_4"] == 1
    trend = {row["month"].month: row for row in figures["trend"]}
    assert len(figures["trend"]) == 12
    assert (trend[3]["requests"], trend[3]["engagements"], trend[3]["delivered"]) == (2, 1, 0)
    assert (trend[4]["delivered"], trend[5]["delivered"], trend[6]["delivered"]) == (2, 2, 0)


@pytest.mark.parametrize(
    ("today", "slipping", "order"),
    [
        # E2 has delivered nothing 105 of 364 days in; E1 half, which is on time.
        (TODAY, {"e2"}, ["e2", "e1", "e3"]),
        # Before the engagements start nothing is late; the least delivered comes first.
        (datetime.date(2026, 1, 1), set(), ["e2", "e1", "e3"]),
        # After they end, every active one short of its quota is; E3 is completed.
        (datetime.date(2028, 1, 1), {"e1", "e2"}, ["e2", "e1", "e3"]),
    ],
)
def test_delivery_list_is_sorted_and_cut_by_the_database(personas, world, today, slipping, order):
    def delivery(limit):
        return delivery_by_engagement(
            personas.officer, Filters(year=world.year), today, limit=limit
        )

    every = delivery(None)

    ids = {engagement.pk: name for name, engagement in world.engagements.items()}
    assert [ids[row["engagement_id"]] for row in every] == order
    assert {ids[row["engagement_id"]] for row in every if row["slipping"]} == slipping
    # The order the database gave is the one the rows' own figures give.
    assert every == sorted(
        every, key=lambda r: (not r["slipping"], r["completeness"] or 0, r["firm"])
    )
    assert delivery(2) == every[:2]


def test_delivery_list_takes_an_empty_quota(personas, world):
    world.engagements["e2"].items.update(quota=0)

    rows = delivery_by_engagement(personas.officer, Filters(year=world.year), TODAY, limit=None)

    e2 = next(row for row in rows if row["engagement_id"] == world.engagements["e2"].pk)
    assert (e2["quota"], e2["completeness"], e2["slipping"]) == (0, None, False)
    assert rows[0] == e2  # nothing delivered, as E2 had before


def test_programme_coverage_budget_and_forecast(personas, world):
    incubators = list(selectors.incubators_visible_to(personas.officer))
    figures = dashboards.programme_dashboard(
        personas.officer, Filters(year=world.year), incubators=incubators, today=TODAY, now=NOW
    )

    assert _funnel(figures["coverage"]["total"]) == {
        "firms": 7,
        "verified": 6,
        "eligible": 5,
        "requested": 4,
        "offered": 1,
        "active": 2,
        "covered": 3,
        "no_request": 1,
    }
    by_incubator = {row["key"]: row for row in figures["coverage"]["incubator"]}
    assert by_incubator[personas.incubator.pk]["firms"] == 5
    assert by_incubator[personas.other_incubator.pk]["covered"] == 2
    by_park = {row["key"]: row["firms"] for row in figures["coverage"]["park"]}
    assert by_park == {world.park.pk: 5, None: 2}
    assert figures["covered_by_month"] == [(datetime.date(2026, 3, 1), 3)]
    assert figures["target"] == 100

    budget = figures["budget"]
    assert (budget.reserved, budget.settled, budget.committed, budget.left) == (
        Decimal("9600.00"),
        Decimal("3000.00"),
        Decimal("12600.00"),
        Decimal("35400.00"),
    )
    # ¥12,600 over the 166 days from 1 January to 15 June, carried on for 199 days.
    assert budget.daily_rate == Decimal("75.90")
    assert budget.forecast_year_end == Decimal("27704.82")
    assert budget.exhausted_on is None
    months = {m.month: (actual, forecast) for m, actual, forecast in budget.months}
    assert months[3] == (Decimal("12600.00"), None)
    assert months[6] == (Decimal("12600.00"), Decimal("12600.00"))
    assert months[12] == (None, Decimal("27704.82"))


def test_firms_covered_by_month_in_local_time(personas, world):
    def created(name, *args):
        at = datetime.datetime(*args, tzinfo=datetime.UTC)
        Engagement.objects.filter(pk=world.engagements[name].pk).update(created_at=at)

    created("e3", 2025, 12, 31, 20, 0)  # 1 January 2026, 04:00 in Beijing
    created("e1", 2026, 3, 31, 15, 30)  # 31 March, 23:30
    created("e2", 2026, 4, 30, 16, 30)  # 1 May, 00:30

    firms = selectors.firms_visible_to(personas.officer)
    by_month = coverage_by_month(firms, world.year)

    assert sorted(by_month) == [
        (datetime.date(2026, 1, 1), 1),
        (datetime.date(2026, 3, 1), 1),
        (datetime.date(2026, 5, 1), 1),
    ]
    # Only the firms asked about count.
    created("e1", 2026, 1, 10, 0, 0)
    assert coverage_by_month(firms.filter(pk=personas.firm.pk), world.year) == [
        (datetime.date(2026, 1, 1), 1)
    ]
    # Up to the end of the year asked for.
    created("e2", 2027, 1, 5, 0, 0)
    assert sum(n for _month, n in coverage_by_month(firms, world.year)) == 2


def test_filters_narrow_the_programme_figures(personas, world):
    incubators = list(selectors.incubators_visible_to(personas.officer))

    def total(**kwargs):
        figures = dashboards.programme_dashboard(
            personas.officer,
            Filters(year=world.year, **kwargs),
            incubators=incubators,
            today=TODAY,
            now=NOW,
        )
        return figures["coverage"]["total"]["firms"]

    assert total(park_id=world.park.pk) == 5
    assert total(incubator_id=personas.other_incubator.pk) == 2
    assert total(industry="ai") == 1
    assert total(district="320102") == 0


def test_agency_scorecards_and_league_table(personas, world):
    cards = agency_scorecards(personas.officer, world.year)

    assert [card["name"] for card in cards] == [personas.agency.name, personas.rival_agency.name]
    agency, rival = cards
    assert agency["rank"] == 1
    assert (agency["offers_received"], agency["offers_accepted"]) == (3, 2)
    assert agency["acceptance_rate"] == pytest.approx(2 / 3)
    assert agency["median_response_hours"] == pytest.approx(4.0)
    assert (agency["active_clients"], agency["capacity"]) == (1, 20)
    assert (agency["deadlines_missed"], agency["deadlines_done"]) == (1, 1)
    assert (agency["delivered"], agency["quota"]) == (9, 12)
    assert agency["completeness"] == 0.75
    assert agency["rating"] == 3.0
    assert agency["ratings"] == 2
    assert (agency["consultations"], agency["consultations_resolved"]) == (2, 1)
    assert agency["score"] == pytest.approx((2 / 3 + 0.75 + 0.6 + 0.5) / 4)

    assert (rival["offers_received"], rival["offers_pending"]) == (2, 1)
    assert rival["acceptance_rate"] == 1.0
    assert rival["median_response_hours"] == pytest.approx(1.0)
    assert rival["completeness"] == 0.0
    assert rival["rating"] is None
    assert rival["deadline_reliability"] is None
    assert rival["consultations"] == 1
    assert rival["score"] == 0.5


def test_an_agency_sees_only_its_own_scorecard(personas, world):
    card = dashboards.agency_scorecard(personas.rival_consultant, world.year)

    assert card["agency_id"] == personas.rival_agency.pk
    assert agency_scorecards(personas.rival_consultant, world.year) == [card]


def test_other_manager_never_counts_the_managers_firms(personas, world):
    figures = dashboards.incubator_dashboard(
        personas.other_manager, Filters(year=world.year), today=TODAY
    )

    assert figures["coverage"]["total"]["firms"] == 2
    assert {row["key"] for row in figures["coverage"]["incubator"]} == {personas.other_incubator.pk}
    assert [row["engagement_id"] for row in figures["delivery"]] == [
        world.engagements["e2"].pk,
        world.engagements["e3"].pk,
    ]
    # E2 started on 2 March with nothing delivered by mid-June: a quarter of the time gone.
    assert figures["delivery"][0]["slipping"] is True
    assert figures["deadlines"]["at_risk"] == 1
    assert figures["offers_waiting"] == []


def test_firm_members_and_strangers_get_no_figures(personas, world):
    for user in (personas.anonymous, personas.agency_consultant):
        figures = dashboards.incubator_dashboard(user, Filters(year=world.year), today=TODAY)
        assert figures["coverage"]["total"]["firms"] == 0
        assert figures["delivery"] == [] or user.is_agency_staff


def test_chat_figures_match_the_assistant_analytics(db, personas):
    start = datetime.datetime(2026, 5, 1, tzinfo=TZ)
    end = datetime.datetime(2026, 6, 1, tzinfo=TZ)
    at = datetime.datetime(2026, 5, 10, 9, 0, tzinfo=TZ)
    with time_machine.travel(at, tick=False):
        for n, (handed, reply_after, csat, ticket) in enumerate(
            [
                (True, 60, 5, False),
                (True, 180, 3, True),
                (True, 120, None, False),
                (False, 0, 4, False),
            ]
        ):
            conversation = Conversation.objects.create(
                handed_off_at=at if handed else None,
                first_response_at=at + datetime.timedelta(seconds=reply_after) if handed else None,
                csat=csat,
                ticket=ticket,
            )
            Message.objects.create(conversation=conversation, sender="bot", text="a", kind="answer")
            if n % 2:
                Message.objects.create(
                    conversation=conversation,
                    sender="bot",
                    text="b",
                    kind="fallback",
                    feedback="down",
                )
        Conversation.objects.create()  # no hand-off, no score

    ours = chat_figures((start, end))

    assert ours == pytest.approx(chat_analytics((start, end)))
    assert ours["median_first_response_seconds"] == 120
    assert ours["conversations"] == 5


# --- Pure functions -------------------------------------------------------------------


def test_burn_forecast_reaches_the_budget_on_the_last_day():
    forecast = burn_forecast(
        budget=Decimal("1000"),
        reserved=Decimal("200"),
        settled=Decimal("100"),
        monthly={datetime.date(2026, 1, 1): Decimal("300")},
        start=datetime.date(2026, 1, 1),
        end=datetime.date(2026, 4, 10),
        today=datetime.date(2026, 1, 30),
    )

    # ¥300 in 30 days is ¥10 a day; 70 days are left, so the forecast is ¥1,000.
    assert forecast.daily_rate == Decimal("10.00")
    assert forecast.forecast_year_end == Decimal("1000.00")
    assert forecast.left == Decimal("700.00")
    assert forecast.forecast_left == Decimal("0.00")
    assert forecast.exhausted_on == datetime.date(2026, 4, 10)
    assert [m for m, _, _ in forecast.months] == [datetime.date(2026, m, 1) for m in (1, 2, 3, 4)]
    assert forecast.months[0] == (datetime.date(2026, 1, 1), Decimal("300.00"), Decimal("300.00"))
    # February ends 29 days after 30 January: 300 + 29 × 10.
    assert forecast.months[1] == (datetime.date(2026, 2, 1), None, Decimal("590.00"))


def test_burn_forecast_when_the_budget_is_already_spent():
    forecast = burn_forecast(
        budget=Decimal("500"),
        reserved=Decimal("500"),
        settled=Decimal("0"),
        monthly={},
        start=datetime.date(2026, 1, 1),
        end=datetime.date(2026, 12, 31),
        today=datetime.date(2026, 3, 1),
    )

    assert forecast.exhausted_on == datetime.date(2026, 3, 1)
    assert forecast.left == Decimal("0.00")


def test_burn_forecast_with_nothing_committed():
    forecast = burn_forecast(
        budget=Decimal("500"),
        reserved=Decimal("0"),
        settled=Decimal("0"),
        monthly={},
        start=datetime.date(2026, 1, 1),
        end=datetime.date(2026, 12, 31),
        today=datetime.date(2025, 12, 1),  # before the year: counted from its first day
    )

    assert forecast.daily_rate == Decimal("0.00")
    assert forecast.forecast_year_end == Decimal("0.00")
    assert forecast.exhausted_on is None


def test_roll_up_sums_the_grid_by_each_dimension():
    row = dict.fromkeys(FUNNEL, 0)
    grid = [
        {
            **row,
            "district": "320106",
            "incubator_id": 1,
            "industry": "ai",
            "firms": 2,
            "eligible": 2,
            "active": 1,
        },
        {
            **row,
            "district": "320106",
            "incubator_id": 2,
            "industry": "ai",
            "firms": 1,
            "eligible": 1,
        },
        {
            **row,
            "district": "320115",
            "incubator_id": 2,
            "industry": "ic",
            "firms": 4,
            "eligible": 0,
        },
    ]
    result = roll_up(
        grid,
        incubators={1: ("A", 10), 2: ("B", None)},
        labels={
            "district": {"320106": "Gulou", "320115": "Jiangning"},
            "industry": {},
            "park": {10: "P"},
        },
    )

    assert result["total"]["firms"] == 7
    assert result["total"]["coverage"] == pytest.approx(1 / 3)
    assert [(r["key"], r["firms"]) for r in result["district"]] == [("320106", 3), ("320115", 4)]
    assert [(r["key"], r["firms"]) for r in result["park"]] == [(10, 2), (None, 5)]
    assert [(r["label"], r["coverage"]) for r in result["industry"]] == [
        ("ai", 1 / 3),
        ("ic", None),
    ]


@pytest.mark.parametrize(
    ("share", "today", "slipping"),
    [
        (0.0, datetime.date(2026, 1, 10), False),  # 2.5 % of the time: within the margin
        (0.0, datetime.date(2026, 4, 15), True),  # 29 % of the time gone, nothing delivered
        (0.5, datetime.date(2026, 9, 1), False),  # 67 %: 50 % + 25 % margin is enough
        (0.3, datetime.date(2026, 9, 1), True),
        (None, datetime.date(2026, 9, 1), False),  # no quota: nothing to slip
    ],
)
def test_delivery_slipping(share, today, slipping):
    assert (
        delivery_slipping(
            delivered_share=share,
            starts_on=datetime.date(2026, 1, 1),
            ends_on=datetime.date(2026, 12, 31),
            today=today,
        )
        is slipping
    )


def test_league_table_ranks_by_the_parts_each_agency_has():
    base = {"deadlines_missed": 0, "deadlines_done": 0, "rating": None}
    cards = league_table(
        [
            {**base, "name": "B", "acceptance_rate": 0.5, "completeness": 0.5},
            {**base, "name": "A", "acceptance_rate": None, "completeness": None},
            {**base, "name": "C", "acceptance_rate": 1.0, "completeness": 0.5, "rating": 5},
        ]
    )

    assert [(c["name"], c["rank"]) for c in cards] == [("C", 1), ("B", 2), ("A", 3)]
    assert cards[0]["score"] == pytest.approx((1.0 + 0.5 + 1.0) / 3)
    assert cards[2]["score"] is None
