"""Reasons read as sentences: a new agency's track-record points are explained by the
values it is assumed to achieve, which are the ones the score uses."""

from django.utils import translation

from marketplace import explain, matching
from marketplace.matching import TrackRecord


def test_a_new_agency_is_told_what_it_is_scored_as():
    with translation.override("en"):
        text = explain.describe_reason("new_agency", {})

    assert text == (
        "new to the programme: until it has a record it is scored as accepting "
        "80% of offers and rated 4.0/5"
    )


def test_the_explained_values_are_the_ones_the_score_uses():
    new = matching.track_score(TrackRecord())
    assumed = (
        0.3 * matching.ACCEPTANCE_PRIOR
        + 0.2 * matching.SPEED_PRIOR
        + 0.3 * (matching.RATING_PRIOR - 1) / 4
        + 0.2
    )

    assert new == assumed


def test_the_reason_reads_in_chinese():
    with translation.override("zh-hans"):
        text = explain.describe_reason("new_agency", {})

    assert text.startswith("新加入项目") and "80%" in text and "4.0/5" in text


def test_one_item_is_not_counted_in_the_plural():
    with translation.override("en"):
        one = explain.describe_reason("coverage", {"covered": 1, "requested": 1})
        three = explain.describe_reason("coverage", {"covered": 2, "requested": 3})

    assert one == "covers 1 of 1 item"
    assert three == "covers 2 of 3 items"
