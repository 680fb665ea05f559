import dataclasses
import datetime

import pytest

from marketplace.matching import AgencyProfile, RequestProfile, TrackRecord, rank, track_score

START = datetime.date(2026, 3, 1)


def agency(agency_id, **overrides):
    values = {
        "id": agency_id,
        "name": f"Agency {agency_id}",
        "status": "approved",
        "licence_valid_from": datetime.date(2020, 1, 1),
        "licence_valid_until": datetime.date(2030, 1, 1),
        "district": "320106",
        "districts_served": frozenset({"320106"}),
        "service_item_ids": frozenset({1, 2, 3}),
        "industries": frozenset({"biomedicine"}),
        "expertise": "生物医药 专利 申请 布局",
        "capacity": 10,
    }
    values.update(overrides)
    return AgencyProfile(**values)


REQUEST = RequestProfile(
    firm_id=7,
    district="320106",
    industry="biomedicine",
    industry_label="生物医药",
    needs="我们做抗体药物，需要专利布局和申请",
    item_ids=frozenset({1, 2, 3}),
    start_date=START,
    neighbour_districts=frozenset({"320102"}),
)


def test_hard_constraints_exclude_with_the_failing_rule():
    agencies = [
        agency(1, status="suspended"),
        agency(2, licence_valid_until=datetime.date(2026, 2, 28)),
        agency(3, conflict_firm_ids=frozenset({7})),
        agency(4, service_item_ids=frozenset({1, 2})),
        agency(5, active_clients=10),
        agency(6),
    ]
    ranking = rank(REQUEST, agencies)
    assert [candidate.agency_id for candidate in ranking.candidates] == [6]
    assert {exclusion.agency_id: exclusion.constraint for exclusion in ranking.excluded} == {
        1: "not_approved",
        2: "licence_invalid",
        3: "conflict_of_interest",
        4: "items_not_served",
        5: "no_capacity",
    }
    assert ranking.excluded[3].params == {"missing": [3]}


def test_industry_and_district_order_the_candidates():
    near_expert = agency(1)
    far_generalist = agency(
        2,
        district="320118",
        districts_served=frozenset({"320118"}),
        industries=frozenset({"ic"}),
        expertise="集成电路 布图设计",
    )
    neighbour_expert = agency(3, district="320102", districts_served=frozenset({"320102"}))
    ranking = rank(REQUEST, [far_generalist, neighbour_expert, near_expert])
    assert [candidate.agency_id for candidate in ranking.candidates] == [1, 3, 2]
    codes = [reason.code for reason in ranking.candidates[0].reasons]
    assert codes[:3] == ["coverage", "industry_declared", "same_district"]
    assert ranking.candidates[0].reasons[0].params == {"covered": 3, "requested": 3}
    assert ranking.candidates[1].reasons[2].code == "neighbouring_district"


def test_score_breakdown_sums_to_the_score():
    candidate = rank(REQUEST, [agency(1)]).candidates[0]
    total = sum(component.points * component.weight for component in candidate.components)
    maximum = sum(component.weight for component in candidate.components)
    assert round(100 * total / maximum, 2) == candidate.score
    assert 0 <= candidate.score <= 100


def test_track_record_rewards_reliable_agencies():
    good = TrackRecord(
        offers_received=20,
        offers_accepted=19,
        median_response_hours=4,
        rating_sum=96,
        rating_count=20,
    )
    poor = dataclasses.replace(good, offers_accepted=5, missed_deadlines=6, rating_sum=50)
    assert track_score(good) > track_score(TrackRecord()) > track_score(poor)


def test_ties_break_by_agency_id_so_ranking_is_stable():
    ranking = rank(REQUEST, [agency(9), agency(4), agency(6)])
    assert [candidate.agency_id for candidate in ranking.candidates] == [4, 6, 9]
    assert len(rank(REQUEST, [agency(9), agency(4), agency(6)], limit=2).candidates) == 2


def test_matrix_scores_equal_the_explained_scores():
    from marketplace.matching import score, score_matrix

    agencies = [
        agency(1),
        agency(
            2, district="320118", industries=frozenset({"ic"}), expertise="集成电路 布图设计 商标"
        ),
        agency(3, status="suspended"),
        agency(4, expertise="patent drafting litigation 专利诉讼"),
    ]
    requests = [
        REQUEST,
        dataclasses.replace(REQUEST, firm_id=8, industry="ic", needs="芯片 layout design"),
    ]
    matrix = score_matrix(requests, agencies)
    for i, request in enumerate(requests):
        for j, candidate in enumerate(agencies):
            if candidate.status != "approved":
                assert matrix[i, j] != matrix[i, j]  # NaN: excluded
            else:
                assert matrix[i, j] == pytest.approx(score(request, candidate).score, abs=0.01)
