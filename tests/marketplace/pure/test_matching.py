import dataclasses
import datetime

import pytest

from marketplace.matching import (
    AgencyProfile,
    RequestProfile,
    TrackRecord,
    field_terms,
    rank,
    track_score,
)

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
        "terms": field_terms("生物医药 专利 申请 布局"),
        "capacity": 10,
    }
    values.update(overrides)
    return AgencyProfile(**values)


REQUEST = RequestProfile(
    firm_id=7,
    district="320106",
    industry="biomedicine",
    # The industry's words, then the firm's needs.
    terms=field_terms("生物医药 我们做抗体药物，需要专利布局和申请"),
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
        terms=field_terms("集成电路 布图设计"),
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
            2,
            district="320118",
            industries=frozenset({"ic"}),
            terms=field_terms("集成电路 布图设计 商标"),
        ),
        agency(3, status="suspended"),
        agency(4, terms=field_terms("patent drafting litigation 专利诉讼")),
    ]
    requests = [
        REQUEST,
        dataclasses.replace(
            REQUEST, firm_id=8, industry="ic", terms=field_terms("生物医药 芯片 layout design")
        ),
    ]
    matrix = score_matrix(requests, agencies)
    for i, request in enumerate(requests):
        for j, candidate in enumerate(agencies):
            if candidate.status != "approved":
                assert matrix[i, j] != matrix[i, j]  # NaN: excluded
            else:
                assert matrix[i, j] == pytest.approx(score(request, candidate).score, abs=0.01)


# --- Issue #16 -----------------------------------------------------------------------------

from hypothesis import given, settings  # noqa: E402 (the issue's tests below)
from hypothesis import strategies as st  # noqa: E402

from marketplace.matching import nearest_miss, score, score_matrix  # noqa: E402

_TEXTS = st.sampled_from(
    ["生物医药 专利", "集成电路 布图设计 商标", "software 软件 著作权", "", "专利诉讼 patent"]
)


@settings(max_examples=1000, deadline=None)
@given(
    capacity=st.integers(1, 40),
    load=st.integers(0, 39),
    district=st.sampled_from(["320106", "320118", "320102"]),
    expertise=_TEXTS,
    needs=_TEXTS,
    accepted=st.integers(0, 30),
    extra=st.integers(0, 30),
    rating_sum=st.integers(0, 150),
    ratings=st.integers(0, 30),
    missed=st.integers(0, 5),
    hours=st.none() | st.floats(0, 200, allow_nan=False),
)
def test_defect_15_one_scoring_path(
    capacity, load, district, expertise, needs, accepted, extra, rating_sum, ratings, missed, hours
):
    profile = agency(
        1,
        capacity=capacity,
        active_clients=min(load, capacity - 1),
        district=district,
        terms=field_terms(expertise),
        track=TrackRecord(
            offers_received=accepted + extra,
            offers_accepted=accepted,
            median_response_hours=hours,
            rating_sum=float(min(rating_sum, 5 * ratings)),
            rating_count=ratings,
            missed_deadlines=missed,
        ),
    )
    request = dataclasses.replace(REQUEST, terms=field_terms(f"生物医药 {needs}"))
    # Exactly equal, not approximately: the score shown is the score ranked.
    assert score(request, profile).score == float(score_matrix([request], [profile])[0, 0])
    assert rank(request, [profile]).candidates[0].score == score(request, profile).score


def test_defect_12_true_nearest_miss_per_firm():
    # Five agencies lack an item; the only one offering every item has an expired licence.
    lacking = [agency(n, service_item_ids=frozenset({1, 2})) for n in range(1, 6)]
    expired = agency(9, licence_valid_until=datetime.date(2025, 12, 31))
    miss = nearest_miss(REQUEST, [*lacking, expired])
    assert miss.agency_id == 9
    assert miss.constraint == "licence_invalid"
    assert [e.constraint for e in miss.failed] == ["licence_invalid"]
    # An agency failing two rules is further than one failing one.
    both = agency(9, licence_valid_until=datetime.date(2025, 12, 31), capacity=1, active_clients=1)
    assert nearest_miss(REQUEST, [*lacking, both]).constraint == "items_not_served"
    assert nearest_miss(REQUEST, [agency(3)]) is None


# --- Stored words (#15) ----------------------------------------------------------------------

from marketplace import matching  # noqa: E402

_PHRASES = st.sampled_from(
    [
        "我们做抗体药物，需要专利布局和申请",
        "集成电路 芯片封装",
        "Patent drafting, trademark watch.",
        "软件著作权登记；商标",
        "",
        " ，。 ",
    ]
)


@settings(max_examples=200, deadline=None)
@given(texts=st.lists(_PHRASES, min_size=1, max_size=4))
def test_merged_words_are_the_words_of_the_texts_joined(texts):
    # A request's profile merges its firm's stored words with its own (candidates.py):
    # the same words the whole text gave when ranking segmented it.
    merged = matching.merge_terms(*(field_terms(text) for text in texts))
    assert merged == field_terms(" ".join(texts))


def test_a_text_without_words_loads_no_dictionary(monkeypatch):
    def refuse():
        raise AssertionError("text was segmented")

    monkeypatch.setattr(matching.segmentation, "tokenizer", refuse)
    assert field_terms(" ，。—— ") == ""
    assert field_terms("") == ""
